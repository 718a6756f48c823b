"""Lataa omat tietoni (GDPR articles 15 and 20): everything stored about a customer, in a fixed number of queries."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, inspect, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import (
    Account,
    Agreement,
    AuditEvent,
    Customer,
    Feedback,
    Invoice,
    Mailbox,
    MixChoice,
    Order,
    PayTvCard,
    Subscription,
)
from app.services import audit

SECTIONS = (
    ("customer", _l("Customer details")), ("account", _l("Login account")),
    ("agreements", _l("Agreements")), ("pay_tv_cards", _l("Pay-TV cards")),
    ("subscriptions", _l("Subscriptions")), ("mix_choices", _l("MIX channel choices")),
    ("orders", _l("Orders")), ("invoices", _l("Invoices")), ("mailboxes", _l("Mailboxes")),
    ("feedback", _l("Messages to customer service")), ("audit_events", _l("Event log")),
)
# Secrets and hashes never leave the server, not even to their owner.
_NEVER = {"password_hash", "totp_secret", "totp_last_step", "session_version", "code_hash"}
# An invoice's PDF copy is a download of its own on its page (/laskut/<id>/pdf), not data in the file.
_FILES = ("pdf",)
# What the staff write for themselves is not about the customer but about their work.
_STAFF_ONLY = {"staff_note", "handler_id"}
# An event the staff (or the portal itself) made shows what was done to the customer's data, in
# these details only; who did it, from which address, and the staff's own bookkeeping stay inside.
_EVENT_DETAILS_FOR_THE_CUSTOMER = {
    "order", "order_id", "reason", "feedback", "status", "subscription", "ends_on", "fields", "agreement",
    "kind", "valid_from", "valid_until", "card", "mailbox", "alias", "action",
}


def _row(obj, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {}
    for column in inspect(obj).mapper.column_attrs:
        key = column.key
        if key in _NEVER or key in skip or not isinstance(column.expression, Column):
            continue  # a secret, left out here, or computed from what is stored (whether a PDF is there)
        value = getattr(obj, key)
        out[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def collect(customer_id: int) -> dict[str, Any]:
    """The customer's data as plain JSON-ready sections."""
    customer = db.session.get(Customer, customer_id)
    account = db.session.scalar(select(Account).where(Account.customer_id == customer_id))
    agreements = db.session.scalars(select(Agreement).where(Agreement.customer_id == customer_id)
                                    .order_by(Agreement.id)).all()
    cards = db.session.scalars(select(PayTvCard).where(PayTvCard.customer_id == customer_id)
                               .order_by(PayTvCard.id)).all()
    subscriptions = db.session.scalars(
        select(Subscription).where(Subscription.customer_id == customer_id)
        .options(selectinload(Subscription.product), selectinload(Subscription.licence_key))
        .order_by(Subscription.id)).all()
    choices = db.session.scalars(
        select(MixChoice).join(Subscription).where(Subscription.customer_id == customer_id)
        .options(selectinload(MixChoice.channel)).order_by(MixChoice.id)).all()
    orders = db.session.scalars(select(Order).where(Order.customer_id == customer_id)
                                .options(selectinload(Order.product)).order_by(Order.id)).all()
    invoices = db.session.scalars(select(Invoice).where(Invoice.customer_id == customer_id)
                                  .options(selectinload(Invoice.lines)).order_by(Invoice.id)).all()
    mailboxes = db.session.scalars(select(Mailbox).where(Mailbox.customer_id == customer_id)
                                   .options(selectinload(Mailbox.aliases)).order_by(Mailbox.id)).all()
    feedback = db.session.scalars(select(Feedback).where(Feedback.customer_id == customer_id)
                                  .options(selectinload(Feedback.subscriptions), selectinload(Feedback.attachments),
                                           selectinload(Feedback.replies))
                                  .order_by(Feedback.id)).all()
    conditions = [AuditEvent.customer_id == customer_id]
    if account is not None:
        conditions.append(AuditEvent.actor_account_id == account.id)
    events = db.session.scalars(select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.id)).all()
    return {
        "customer": _row(customer, skip=("id",)),
        "account": _row(account, skip=("id", "customer_id")) if account else None,
        "agreements": [_row(a, skip=("customer_id",)) for a in agreements],
        "pay_tv_cards": [_row(c, skip=("customer_id",)) for c in cards],
        "subscriptions": [{**_row(s, skip=("customer_id",)), "product": s.product.name,
                           "licence_key": s.licence_key.key if s.licence_key else None}
                          for s in subscriptions],
        "mix_choices": [{"subscription_id": c.subscription_id, "channel": c.channel.name,
                         "chosen_at": c.chosen_at.isoformat()} for c in choices],
        "orders": [{**_row(o, skip=("customer_id",)), "product": o.product.name} for o in orders],
        "invoices": [{**_row(i, skip=("customer_id", *_FILES)),
                      "lines": [_row(line, skip=("id", "invoice_id")) for line in i.lines]} for i in invoices],
        "mailboxes": [{**_row(m, skip=("customer_id",)),
                       "aliases": [_row(a, skip=("mailbox_id",)) for a in m.aliases]} for m in mailboxes],
        "feedback": [{**_row(f, skip=("customer_id", "idempotency_key", *_STAFF_ONLY)),
                      "subscription_ids": [s.id for s in f.subscriptions],
                      "replies": [_row(r, skip=("feedback_id", "idempotency_key")) for r in f.replies],
                      "attachments": [_row(a, skip=("feedback_id", "stored_name")) for a in f.attachments]}
                     for f in feedback],
        "audit_events": [_event(e, account) for e in events],
    }


def _event(event: AuditEvent, account: Account | None) -> dict[str, Any]:
    """The customer's own doings in full (their own address included); the rest as what was done."""
    if account is not None and event.actor_account_id == account.id:
        return {"at": event.at.isoformat(), "action": event.action, "actor": event.actor_name,
                "details": event.details}
    details = {k: v for k, v in event.details.items() if k in _EVENT_DETAILS_FOR_THE_CUSTOMER}
    by_the_portal = event.actor_account_id is None and event.actor_name == "system"
    actor = "Omahallinta" if by_the_portal else str(_l("Customer service"))
    return {"at": event.at.isoformat(), "action": event.action, "actor": actor, "details": details}


def export(customer_id: int, fmt: str) -> dict[str, Any]:
    """Collect and record that the customer took a copy (the record is in the copy too)."""
    audit.record("personal_data.exported", customer_id, format=fmt)
    db.session.commit()
    return collect(customer_id)
