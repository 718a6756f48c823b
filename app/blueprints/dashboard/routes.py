from flask import url_for
from flask_login import current_user, login_required

from app.blueprints.dashboard import bp
from app.i18n import gettext as _
from app.models.base import today, utcnow
from app.services import announcements, invoices, ordering, outages, subscriptions
from app.web import done, render


@bp.get("/")
@login_required
def index():
    customer = current_user.customer
    services = ordering.ordered_services(customer.id)
    return render(
        "dashboard/index.html",
        customer=customer,
        services=services,
        pending=subscriptions.pending_orders_of(customer.id),
        announcements=announcements.for_customer(customer.id, today()),
        outages=outages.affecting(customer, utcnow(), services.current),
        overdue=invoices.overdue_of(customer.id, today()),
    )


@bp.post("/tiedotteet/<int:announcement_id>/piilota")
@login_required
def dismiss_announcement(announcement_id: int):
    """Close an announcement for good; htmx removes it in place and focus goes to the heading."""
    announcements.dismiss(current_user.customer.id, announcement_id, today())
    return done(_("The announcement is closed."), url_for("dashboard.index"), "dashboard/index.html", "dismissed",
                customer=current_user.customer, focus=True)
