from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from app.blueprints.mix import bp
from app.blueprints.mix.forms import ChannelToggleForm
from app.extensions import db
from app.models.base import today
from app.services import DomainError, mix
from app.web import is_partial, render


def upgrade_url(view: mix.Picker) -> str | None:
    """Where a bigger MIX is found: the upgrade flow, the MIX tiers under Tilaa, or customer service."""
    views = current_app.view_functions
    if view.subscription and view.bigger_exists and "orders.upgrade" in views:
        return url_for("orders.upgrade", subscription_id=view.subscription.id)
    if view.bigger_exists and "orders.catalog" in views:
        return url_for("orders.catalog", ryhma="mix")
    return None


def links() -> dict:
    views = current_app.view_functions
    return {
        "catalog_url": url_for("orders.catalog", ryhma="mix") if "orders.catalog" in views else None,
        "support_url": url_for("support.index") if "support.index" in views else None,
    }


@bp.get("/mix")
@login_required
def edit():
    view = mix.picker(current_user.customer, today())
    return render("mix/edit.html", "picker", view=view, upgrade_url=upgrade_url(view), **links())


@bp.post("/mix/<int:subscription_id>/kanavat/<int:channel_id>")
@login_required
def toggle(subscription_id: int, channel_id: int):
    form = ChannelToggleForm()
    if not form.validate_on_submit():
        abort(400)
    customer = current_user.customer
    try:
        change = mix.toggle_channel(customer.id, subscription_id, channel_id, form.chosen.data == "1", today())
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
        return _refreshed(customer, None, status=422)
    db.session.commit()
    flash(change.message)
    if not is_partial():
        return redirect(url_for("mix.edit", _anchor=f"valinta-{channel_id}"), 303)
    return _refreshed(customer, change)


def _refreshed(customer, change: mix.Change | None, status: int = 200):
    """The whole page, or for htmx the toggled row and counter (the whole list when the limit flips)."""
    view = mix.picker(customer, today())
    return render("mix/edit.html", "toggled", status=status, view=view, change=change,
                  upgrade_url=upgrade_url(view), **links())
