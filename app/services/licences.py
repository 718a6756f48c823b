"""Licence keys of the security products (F-Secure TURVAPAKETTI, seed S10).

A key is taken from the product's pool in the transaction that needs it. On Postgres the
free key is read with FOR UPDATE SKIP LOCKED, so two transactions never take the same key
and neither waits for the other; on SQLite the writing transaction holds the database's
write lock (BEGIN IMMEDIATE), which serializes them. Neither function commits: the caller's
transaction decides.
"""
import calendar
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import LicenceKey, Order, Subscription
from app.models.base import today, utcnow
from app.services import outbox


def end_date(starts_on: date, term_months: int | None) -> date | None:
    """The last day of a fixed term started on `starts_on`; None for until further notice."""
    if term_months is None:
        return None
    months = starts_on.month - 1 + term_months
    year, month = starts_on.year + months // 12, months % 12 + 1
    day = min(starts_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def _free_key(product_id: int) -> LicenceKey | None:
    return db.session.scalar(
        select(LicenceKey)
        .where(LicenceKey.product_id == product_id, LicenceKey.subscription_id.is_(None))
        .order_by(LicenceKey.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def end_replaced(subscription: Subscription, day: date) -> None:
    """An upgrade in force: the subscription it replaces ends today and hands over its MIX choices."""
    old = subscription.replaces
    if old is None or old.status == "ended":
        return
    old.status = "ended"
    old.ends_on = max(day, old.starts_on)
    for choice in list(old.mix_choices):
        choice.subscription = subscription


def assign_key(subscription: Subscription) -> bool:
    """Give the subscription a free key of its product and queue the "Ota käyttöön!" email.

    False when the pool is empty: the subscription stays as it is for the staff to handle.
    """
    key = _free_key(subscription.product_id)
    if key is None:
        return False
    key.subscription_id = subscription.id
    key.assigned_at = utcnow()
    customer = subscription.customer
    if customer.email:
        outbox.queue_email(customer.email, "ota_kayttoon", customer.locale, customer.id,
                           customer=customer, product=subscription.product, key=key.key)
    return True


def assign_pending(product_id: int) -> int:
    """Give free keys to the product's pending subscriptions, oldest first; returns how many.

    Each one that gets a key starts today, its order is delivered and its email queued.
    """
    waiting = db.session.scalars(
        select(Subscription)
        .where(Subscription.product_id == product_id, Subscription.status == "pending")
        .order_by(Subscription.created_at, Subscription.id)
        .with_for_update(skip_locked=True)
    ).all()
    assigned = 0
    day = today()
    for subscription in waiting:
        if subscription.licence_key is not None:
            continue
        if not assign_key(subscription):
            break
        subscription.status = "active"
        subscription.starts_on = day
        subscription.ends_on = end_date(day, subscription.product.term_months)
        end_replaced(subscription, day)
        for order in db.session.scalars(
            select(Order).where(Order.subscription_id == subscription.id, Order.status == "pending")
        ):
            order.status = "delivered"
        assigned += 1
    db.session.flush()
    return assigned
