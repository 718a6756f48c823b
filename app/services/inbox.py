"""Palautteet ja irtisanomiset: the conversation queue, the staff's replies, and ending subscriptions on
written notice."""
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import i18n
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Feedback, FeedbackReply, Subscription
from app.models.base import today, utcnow
from app.services import DomainError, NotFound, attachments, audit, ordering, outbox, support

STATUSES = ("new", "in_progress", "answered", "done")


def _filtered(statement, status: str | None, kind: str | None, handler_id: int | None = None):
    if handler_id:
        statement = statement.where(Feedback.handler_id == handler_id)
    if status == "open":
        statement = statement.where(Feedback.status != "done")
    elif status:
        statement = statement.where(Feedback.status == status)
    if kind == "termination":
        statement = statement.where(Feedback.topic == "termination")
    elif kind == "feedback":
        statement = statement.where(Feedback.topic != "termination")
    return statement


def inbox(status: str | None, kind: str | None, page: int, per_page: int = 25, handler_id: int | None = None):
    """Oldest first (the status/created index serves it); `handler_id`: only those that staff member handles."""
    statement = (select(Feedback).options(joinedload(Feedback.customer), joinedload(Feedback.handler))
                 .order_by(Feedback.created_at, Feedback.id))
    return db.paginate(_filtered(statement, status, kind, handler_id), page=page, per_page=per_page,
                       error_out=False)


def after(feedback_id: int, status: str | None, kind: str | None, limit: int) -> list[Feedback]:
    """Messages with an id above `feedback_id`, in id order (the API's pages)."""
    statement = (select(Feedback).options(joinedload(Feedback.customer),
                                          selectinload(Feedback.subscriptions).joinedload(Subscription.product))
                 .where(Feedback.id > feedback_id).order_by(Feedback.id).limit(limit))
    return list(db.session.scalars(_filtered(statement, status, kind)))


def get(feedback_id: int) -> Feedback:
    feedback = db.session.scalar(
        select(Feedback).where(Feedback.id == feedback_id)
        .options(joinedload(Feedback.customer), joinedload(Feedback.handler), selectinload(Feedback.replies),
                 selectinload(Feedback.attachments),
                 selectinload(Feedback.subscriptions).joinedload(Subscription.product)))
    if feedback is None:
        raise NotFound()
    return feedback


def assign(feedback_id: int, account_id: int) -> Feedback:
    """"Ota käsittelyyn": the staff member handles it from now on; a message just received is then in progress."""
    feedback = db.session.scalar(select(Feedback).where(Feedback.id == feedback_id).with_for_update())
    if feedback is None:
        raise NotFound()
    feedback.handler_id = account_id
    if feedback.status == "new":
        feedback.status = "in_progress"
    audit.record("feedback.assigned", feedback.customer_id, feedback=feedback.reference, handler=account_id)
    db.session.commit()
    return feedback


def update(feedback: Feedback, status: str, note: str) -> None:
    if status not in STATUSES:
        raise DomainError(_l("Choose a status."), field="status")
    changed = status != feedback.status
    if changed:
        feedback.last_activity_at = utcnow()
        feedback.closed_at = feedback.last_activity_at if status == "done" else None
    feedback.status = status
    feedback.staff_note = note.strip()
    if changed and status == "done":
        _event("feedback.closed", feedback)
    audit.record("feedback.updated", feedback.customer_id, feedback=feedback.reference, status=status)
    db.session.commit()


def reply(feedback: Feedback, body: str, uploads: Sequence[attachments.Upload] = (), key: str | None = None) -> None:
    """The staff's answer, with its attachments: added to the conversation and emailed to the customer's
    own address in their language with a link to it; the conversation is then answered. The reply
    form sent again with its `key` (a double click) adds nothing and emails no one again."""
    db.session.execute(select(Feedback.id).where(Feedback.id == feedback.id).with_for_update())
    db.session.expire(feedback, ["replies"])  # read again under the lock: a copy sent at once may have added one
    if support.replied_with(feedback, key):
        return
    support.check_reply(body, uploads, body_field="body", empty=_l("Write your reply."))
    now = utcnow()
    answer = FeedbackReply(author="staff", body=body.strip(), created_at=now, idempotency_key=key)
    feedback.replies.append(answer)
    feedback.status, feedback.closed_at, feedback.last_activity_at = "answered", None, now
    feedback.unread_replies += 1
    audit.record("feedback.replied", feedback.customer_id, feedback=feedback.reference)
    customer = feedback.customer
    with attachments.stored(feedback, answer, list(uploads)) as files:
        if customer.email:
            outbox.queue_email(customer.email, "feedback_reply", customer.locale, customer.id, customer=customer,
                               feedback=feedback, reply=answer, files=[f.name for f in files],
                               link=outbox.link("support.conversation", reference=feedback.reference))
        _event("feedback.replied", feedback)
        db.session.commit()


def _event(topic: str, feedback: Feedback) -> None:
    outbox.queue_event(topic, feedback.customer_id, feedback_id=feedback.id, reference=feedback.reference,
                       kind=feedback.topic, status=feedback.status)


def end_subscription(feedback: Feedback, subscription_id: int, ends_on: date) -> bool:
    """End a subscription the notice names, on the given day; the customer gets it in writing.
    The day it ends on already changes nothing and tells no one again: False."""
    subscription = next((s for s in feedback.subscriptions if s.id == subscription_id), None)
    if subscription is None:
        raise NotFound()
    db.session.execute(select(Subscription.id).where(Subscription.id == subscription.id).with_for_update())
    if ends_on < subscription.starts_on:
        raise DomainError(_l("The end date is before the subscription began."), field="ends_on")
    if ends_on < today():
        raise DomainError(_l("The day has passed: a service ends today at the earliest."), field="ends_on")
    wished = feedback.wished_end_date
    if wished and ends_on < min(wished, subscription.ends_on or wished):
        # Ending sooner than the customer asked would take away a service they still want.
        raise DomainError(_l("The customer asked for the service until %(day)s: end it on that day or later.",
                             day=i18n.day(wished)), field="ends_on")
    if subscription.status in ("ended", "cancelled"):
        raise DomainError(_l("The subscription has ended already."), field="ends_on")
    if subscription.ends_on is not None and ends_on > subscription.ends_on:
        # A notice ends a service sooner, never later than its own (fixed-term) end.
        raise DomainError(_l("The subscription ends on %(day)s already.", day=i18n.day(subscription.ends_on)),
                          field="ends_on")
    if ordering.successor(subscription) is not None:
        raise DomainError(_l("An upgrade of this subscription is waiting: deliver or reject it first."),
                          field="ends_on")
    if subscription.ends_on == ends_on:
        return False
    subscription.ends_on = ends_on
    if feedback.status == "new":
        feedback.status = "in_progress"
    audit.record("subscription.ending", feedback.customer_id, subscription=subscription.id,
                 ends_on=ends_on, feedback=feedback.reference)
    # The operator's systems stop the service and its billing on that day, as the customer is told.
    outbox.queue_event("subscription.ending", feedback.customer_id, subscription_id=subscription.id,
                       product=subscription.product.code, ends_on=ends_on, feedback_reference=feedback.reference)
    customer = feedback.customer
    if customer.email:
        outbox.queue_email(customer.email, "subscription_ending", customer.locale, customer.id,
                           subscription=subscription)
    db.session.commit()
    return True
