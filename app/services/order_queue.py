"""Tilaukset: the order queue the staff work through by hand, and their decisions."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Order, Product, Subscription
from app.models.base import today
from app.services import DomainError, NotFound, audit, get, licences, mix, ordering, outbox

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
    """The operator delivered it: a waiting subscription comes into force today, as a licence key would bring it."""
    order = _open_order(order_id)
    subscription: Subscription | None = order.subscription
    if subscription is not None and subscription.status == "pending" \
            and not licences.bring_into_force(subscription, today()):
        raise DomainError(_l("There is no free licence key for %(product)s: add keys first.",
                             product=subscription.product.label))
    if order.status != "delivered":  # bring_into_force delivers (and announces) the orders that waited
        order.status = "delivered"
        licences.announce_delivered(order)
    audit.record("order.delivered", order.customer_id, order=order.id)
    db.session.commit()


def reject(order_id: int, reason: str) -> None:
    """Not delivered: the subscription is cancelled (never billed) and the customer is told why.

    A rejected upgrade gives back the subscription it replaced exactly as it was. An order
    whose service has been upgraded since is rejected after the newer order, never before it.
    """
    order = _open_order(order_id)  # handled already: no reason would change that, so it is said first
    reason = reason.strip()
    problems = {} if reason else {"reason": _l("Write the reason; it goes to the customer.")}
    # What the order's state forbids concerns the request as a whole, not the reason written.
    subscription: Subscription | None = order.subscription
    if subscription is not None and ordering.successor(subscription) is not None:
        problems[None] = _l("This service has been upgraded since: reject the newer order first.")
    elif subscription is not None and subscription.status == "active" and ordering.given_notice(subscription):
        # Rejecting would put back the service it replaced without the end the customer asked for in writing.
        problems[None] = _l("The customer has given notice on this service, so it ends as the notice says: "
                            "rejecting the order would put back the service it replaced without that end. "
                            "Mark the order delivered instead.")
    if problems:
        raise DomainError.of(problems)
    order.status = "rejected"
    order.reject_reason = reason
    if subscription is not None:
        licences.restore_replaced(subscription)
        subscription.status = "cancelled"
    audit.record("order.rejected", order.customer_id, order=order.id, reason=reason)
    # The operator's systems were told of the order: they are told it is off, and what is in force
    # again (a MIX package's channels as they were before the upgrade).
    old = order.replaces_subscription
    in_force = old if old is not None and old.status == "active" else None
    outbox.queue_event("order.rejected", order.customer_id, order_id=order.id, kind=order.kind,
                       product=order.product.code, subscription_id=order.subscription_id,
                       replaces_subscription_id=order.replaces_subscription_id,
                       in_force_subscription_id=in_force.id if in_force else None)
    if in_force is not None and in_force.product.is_mix:
        mix.announce(in_force)
    if order.customer.email:
        outbox.queue_email(order.customer.email, "order_rejected", order.customer.locale,
                           order.customer_id, order=order, restored=order.replaces_subscription)
    db.session.commit()


def orders_after(after: int, status: str | None, limit: int) -> list[Order]:
    """Orders with an id above `after`, in id order (the API's pages); customer and product joined."""
    statement = (select(Order).options(joinedload(Order.customer), joinedload(Order.product))
                 .where(Order.id > after).order_by(Order.id).limit(limit))
    if status:
        statement = statement.where(Order.status == status)
    return list(db.session.scalars(statement))
