"""Reading what a customer has: subscriptions and orders, always scoped to the customer."""
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, undefer

from app.extensions import db
from app.models import Order, Subscription

# The customer's pages read these on every visit, so each statement is built once (as
# announcements.for_customer): a select built anew has its cache key worked out again, which costs
# more than running it.
SUBSCRIPTIONS = (select(Subscription)
                 .options(joinedload(Subscription.product), joinedload(Subscription.licence_key),
                          undefer(Subscription.ordered_price_cents))
                 .where(Subscription.customer_id == bindparam("customer_id"))
                 .order_by(Subscription.starts_on.desc(), Subscription.id.desc()))
PENDING_ORDERS = (select(Order).options(joinedload(Order.product))
                  .where(Order.customer_id == bindparam("customer_id"), Order.status.in_(("new", "pending")))
                  .order_by(Order.created_at))


def subscriptions_of(customer_id: int) -> list[Subscription]:
    """Every subscription of the customer with its product, in one query."""
    return list(db.session.scalars(SUBSCRIPTIONS, {"customer_id": customer_id}))


def in_force(subscriptions: list[Subscription], day: date) -> list[Subscription]:
    return [s for s in subscriptions if s.state(day) == "in_force"]


def pending_orders_of(customer_id: int) -> list[Order]:
    """Orders our customer service has not delivered or rejected yet."""
    return list(db.session.scalars(PENDING_ORDERS, {"customer_id": customer_id}))
