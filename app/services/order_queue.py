"""Tilaukset: the order queue the staff work through by hand, and their decisions."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Order, Product, Subscription
from app.models.base import today
from app.services import DomainError, NotFound, audit, get, outbox

OPEN = ("new", "pending")


def queue(status: str | None, group_id: int | None, page: int, per_page: int = 25):
    """Oldest first, so nothing waits forever; customer and product come in the same statement."""
    statement = (select(Order).options(joinedload(Order.customer), joinedload(Order.product))
                 .order_by(Order.created_at, Order.id))
    if status:
        statement = statement.where(Order.status == status)
    if group_id:
        statement = statement.join(Order.product).where(Product.group_id == group_id)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def order(order_id: int) -> Order:
    return get(Order, order_id)


def _open_order(order_id: int) -> Order:
    order = db.session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound()
    if order.status not in OPEN:
        raise DomainError(_l("The order has been handled already."))
    return order


def deliver(order_id: int) -> None:
    """The operator delivered it: a waiting subscription comes into force."""
    order = _open_order(order_id)
    order.status = "delivered"
    if order.subscription is not None and order.subscription.status == "pending":
        order.subscription.status = "active"
    audit.record("order.delivered", order.customer_id, order=order.id)
    db.session.commit()


def reject(order_id: int, reason: str) -> None:
    """Not delivered: the subscription ends before it began and the customer is told why."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_l("Write the reason; it goes to the customer."), field="reason")
    order = _open_order(order_id)
    order.status = "rejected"
    order.reject_reason = reason
    subscription: Subscription | None = order.subscription
    if subscription is not None and subscription.status != "ended":
        subscription.status = "ended"
        subscription.ends_on = max(subscription.starts_on, today())
    audit.record("order.rejected", order.customer_id, order=order.id, reason=reason)
    if order.customer.email:
        outbox.queue_email(order.customer.email, "order_rejected", order.customer.locale,
                           order.customer_id, order=order)
    db.session.commit()
