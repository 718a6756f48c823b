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
from app.models import LicenceKey, MixChoice, Order, Subscription
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
    """An upgrade comes into force on `day`: the subscription it replaces ends that day.

    The replaced one keeps its MIX choices as they were (the new one gets copies) and its end
    date is kept on the new one, so that rejecting the upgrade can give it back exactly. An
    end date that came earlier stays: an upgrade never lengthens what it replaces. Billing
    gives the switch day to the new subscription (billing.billed_days).
    """
    old = subscription.replaces
    if old is None or old.status != "active":
        return
    subscription.replaces_ends_on = old.ends_on
    old.status = "ended"
    old.ends_on = day if old.ends_on is None else min(old.ends_on, day)
    chosen = {c.channel_id for c in subscription.mix_choices}
    subscription.mix_choices += [MixChoice(channel_id=c.channel_id) for c in old.mix_choices
                                 if c.channel_id not in chosen]


def restore_replaced(subscription: Subscription) -> None:
    """A rejected upgrade: the subscription it replaced is put back as it was before the upgrade."""
    old = subscription.replaces
    if old is None or subscription.status == "pending" or old.status != "ended":
        return  # a waiting upgrade never touched the old one
    old.status = "active"
    old.ends_on = subscription.replaces_ends_on


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


def bring_into_force(subscription: Subscription, day: date) -> bool:
    """A waiting subscription starts on `day` (the customer pays nothing for the days it waited):
    it gets its licence key, replaces what it upgrades and its waiting orders are delivered.

    False when it needs a key and the pool is empty: then nothing changes.
    """
    if subscription.product.needs_licence_key and subscription.licence_key is None \
            and not assign_key(subscription):
        return False
    subscription.status = "active"
    subscription.starts_on = day
    subscription.ends_on = end_date(day, subscription.product.term_months)
    end_replaced(subscription, day)
    for order in db.session.scalars(
        select(Order).where(Order.subscription_id == subscription.id, Order.status == "pending")
    ):
        order.status = "delivered"
        announce_delivered(order)
    return True


def announce_delivered(order: Order) -> None:
    """The operator's systems are told the order is delivered: its subscription in force from when, and
    the one it replaced (ended the same day), as `order.created` told them it was placed."""
    subscription = order.subscription
    outbox.queue_event("order.delivered", order.customer_id, order_id=order.id, kind=order.kind,
                       product=order.product.code, subscription_id=order.subscription_id,
                       replaces_subscription_id=order.replaces_subscription_id,
                       starts_on=subscription.starts_on if subscription else None,
                       ends_on=subscription.ends_on if subscription else None)


def assign_pending(product_id: int) -> int:
    """Give free keys to the product's pending subscriptions, oldest first; returns how many."""
    waiting = db.session.scalars(
        select(Subscription)
        .where(Subscription.product_id == product_id, Subscription.status == "pending")
        .order_by(Subscription.created_at, Subscription.id)
        .with_for_update(skip_locked=True)
    ).all()
    assigned = 0
    day = today()
    for subscription in waiting:
        if not bring_into_force(subscription, day):
            break
        assigned += 1
    db.session.flush()
    return assigned
