"""Reading what a customer has: subscriptions and orders, always scoped to the customer."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Order, Subscription


def subscriptions_of(customer_id: int) -> list[Subscription]:
    """Every subscription of the customer with its product, in one query."""
    return list(db.session.scalars(
        select(Subscription)
        .options(joinedload(Subscription.product), joinedload(Subscription.licence_key))
        .where(Subscription.customer_id == customer_id)
        .order_by(Subscription.starts_on.desc(), Subscription.id.desc())
    ))


def in_force(subscriptions: list[Subscription], day: date) -> list[Subscription]:
    return [s for s in subscriptions if s.state(day) == "in_force"]


def pending_orders_of(customer_id: int) -> list[Order]:
    """Orders our customer service has not delivered or rejected yet."""
    return list(db.session.scalars(
        select(Order).options(joinedload(Order.product))
        .where(Order.customer_id == customer_id, Order.status.in_(("new", "pending")))
        .order_by(Order.created_at)
    ))
