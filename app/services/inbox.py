"""Palautteet ja irtisanomiset: the feedback inbox, and ending subscriptions on written notice."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import i18n
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Feedback, Subscription
from app.models.base import utcnow
from app.services import DomainError, NotFound, audit, ordering, outbox

STATUSES = ("new", "in_progress", "answered", "done")


def _filtered(statement, status: str | None, kind: str | None):
    if status:
        statement = statement.where(Feedback.status == status)
    if kind == "termination":
        statement = statement.where(Feedback.topic == "termination")
    elif kind == "feedback":
        statement = statement.where(Feedback.topic != "termination")
    return statement


def inbox(status: str | None, kind: str | None, page: int, per_page: int = 25):
    """Oldest first (the status/created index serves it)."""
    statement = (select(Feedback).options(joinedload(Feedback.customer))
                 .order_by(Feedback.created_at, Feedback.id))
    return db.paginate(_filtered(statement, status, kind), page=page, per_page=per_page, error_out=False)


def after(feedback_id: int, status: str | None, kind: str | None, limit: int) -> list[Feedback]:
    """Messages with an id above `feedback_id`, in id order (the API's pages)."""
    statement = (select(Feedback).options(joinedload(Feedback.customer),
                                          selectinload(Feedback.subscriptions).joinedload(Subscription.product))
                 .where(Feedback.id > feedback_id).order_by(Feedback.id).limit(limit))
    return list(db.session.scalars(_filtered(statement, status, kind)))


def get(feedback_id: int) -> Feedback:
    feedback = db.session.scalar(
        select(Feedback).where(Feedback.id == feedback_id)
        .options(joinedload(Feedback.customer),
                 selectinload(Feedback.subscriptions).joinedload(Subscription.product)))
    if feedback is None:
        raise NotFound()
    return feedback


def update(feedback: Feedback, status: str, note: str) -> None:
    if status not in STATUSES:
        raise DomainError(_l("Choose a status."), field="status")
    if status != feedback.status:
        feedback.last_activity_at = utcnow()
        feedback.closed_at = feedback.last_activity_at if status == "done" else None
    feedback.status = status
    feedback.staff_note = note.strip()
    audit.record("feedback.updated", feedback.customer_id, feedback=feedback.reference, status=status)
    db.session.commit()


def end_subscription(feedback: Feedback, subscription_id: int, ends_on: date) -> None:
    """End a subscription the notice names, on the given day; the customer gets it in writing."""
    subscription = next((s for s in feedback.subscriptions if s.id == subscription_id), None)
    if subscription is None:
        raise NotFound()
    db.session.execute(select(Subscription.id).where(Subscription.id == subscription.id).with_for_update())
    if ends_on < subscription.starts_on:
        raise DomainError(_l("The end date is before the subscription began."), field="ends_on")
    if subscription.status in ("ended", "cancelled"):
        raise DomainError(_l("The subscription has ended already."), field="ends_on")
    if subscription.ends_on is not None and ends_on > subscription.ends_on:
        # A notice ends a service sooner, never later than its own (fixed-term) end.
        raise DomainError(_l("The subscription ends on %(day)s already.", day=i18n.day(subscription.ends_on)),
                          field="ends_on")
    if ordering.successor(subscription) is not None:
        raise DomainError(_l("An upgrade of this subscription is waiting: deliver or reject it first."),
                          field="ends_on")
    subscription.ends_on = ends_on
    if feedback.status == "new":
        feedback.status = "in_progress"
    audit.record("subscription.ending", feedback.customer_id, subscription=subscription.id,
                 ends_on=ends_on, feedback=feedback.reference)
    customer = feedback.customer
    if customer.email:
        outbox.queue_email(customer.email, "subscription_ending", customer.locale, customer.id,
                           subscription=subscription)
    db.session.commit()
