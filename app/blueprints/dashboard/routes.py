from flask_login import current_user

from app.blueprints.dashboard import bp
from app.models.base import today
from app.services import subscriptions
from app.web import customer_required, render


@bp.get("/")
@customer_required
def index():
    customer = current_user.customer
    day = today()
    return render(
        "dashboard/index.html",
        customer=customer,
        in_force=subscriptions.in_force(subscriptions.subscriptions_of(customer.id), day),
        pending=subscriptions.pending_orders_of(customer.id),
    )
