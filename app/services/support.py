"""Asiakaspalvelu: conversations with customer service, written termination notices among them
(seed S12, S15).

The portal never ends a subscription: a termination notice is stored, receipted to the
customer by email as the written proof, and handed to the staff as an event. Its first message
stays as written; what follows in the conversation is a `FeedbackReply`.
"""
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.labels import TOPICS
from app.models import Customer, Feedback, FeedbackReply
from app.models.base import today, utcnow
from app.services import DomainError, NotFound, attachments, audit, outbox, subscriptions
from app.services.attachments import Upload
from app.sqlite import writing

MESSAGES_PER_HOUR = 10
MAX_MESSAGE_LENGTH = 5000
REOPEN_DAYS = 30
RECENT_CONVERSATIONS = 20


@dataclass
class Message:
    topic: str
    message: str
    contact_requested: bool = False
    contact_email: str = ""
    contact_phone: str = ""
    subscription_ids: list[int] = field(default_factory=list)
    wished_end_date: date | None = None
    fault_subscription_id: int | None = None
    fault_started_at: datetime | None = None
    idempotency_key: str | None = None
    attachments: list[Upload] = field(default_factory=list)


def send(customer_id: int, msg: Message) -> Feedback:
    """Store the message with a reference, audit it, queue the receipt and the staff event."""
    # Scoped to the customer: a key copied from someone else's form finds nothing of theirs.
    key = f"{customer_id}:{msg.idempotency_key}" if msg.idempotency_key else None
    if key:
        earlier = _earlier(customer_id, key)
        if earlier is not None:
            return earlier  # the same form posted again: one message
    customer = db.session.scalars(select(Customer).where(Customer.id == customer_id).with_for_update()).one()
    # Back to the form and Send: the page gave the form a new key, the words are the same. (A browser
    # keeps no chosen file over Back: a message with files is one of its own. A termination or fault
    # report names services: the same words may be sent of another one, never to be dropped.)
    if not msg.attachments and msg.topic not in SERVICE_TOPICS and (again := _sent_again(customer.id, msg)):
        return again
    _check(customer, msg)
    feedback = Feedback(
        customer_id=customer.id, reference=_reference(), topic=msg.topic, message=msg.message.strip(),
        contact_requested=msg.contact_requested or msg.topic == "termination",
        contact_email=msg.contact_email.strip().lower(), contact_phone=msg.contact_phone.strip(),
        wished_end_date=msg.wished_end_date if msg.topic == "termination" else None,
        idempotency_key=key, created_at=utcnow(),
    )
    feedback.last_activity_at = feedback.created_at
    if msg.topic == "termination":
        feedback.subscriptions = _own_subscriptions_in_force(customer.id, msg.subscription_ids)
    elif msg.topic == "fault":
        [feedback.fault_subscription] = _own_subscriptions_in_force(
            customer.id, [msg.fault_subscription_id], field="fault_subscription")
        feedback.fault_started_at = msg.fault_started_at
    db.session.add(feedback)
    try:
        db.session.flush()
    except IntegrityError:  # a parallel copy of the same form won the race
        db.session.rollback()
        earlier = _earlier(customer_id, key or "")
        if earlier is None:
            raise
        return earlier
    with attachments.stored(feedback, None, msg.attachments):
        _announce(customer, feedback)
        db.session.commit()
    return feedback


# A message of the same topic and words as one the customer sent this recently is that one sent again.
SENT_AGAIN_WITHIN = timedelta(minutes=10)
SERVICE_TOPICS = ("termination", "fault")


def _sent_again(customer_id: int, msg: Message) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(
        Feedback.customer_id == customer_id, Feedback.topic == msg.topic, Feedback.message == msg.message.strip(),
        Feedback.created_at >= utcnow() - SENT_AGAIN_WITHIN).order_by(Feedback.id.desc()).limit(1))


def _earlier(customer_id: int, key: str) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.idempotency_key == key,
                                                    Feedback.customer_id == customer_id))


def _check(customer: Customer, msg: Message) -> None:
    since = utcnow() - timedelta(hours=1)
    sent = db.session.scalar(select(func.count()).select_from(Feedback).where(
        Feedback.customer_id == customer.id, Feedback.created_at >= since))
    if sent >= MESSAGES_PER_HOUR:
        raise DomainError(_l(
            "You have sent %(n)d messages within an hour, which is the most we accept. "
            "Please try again later or call our customer service.", n=MESSAGES_PER_HOUR))
    if errors := refusals(msg):
        raise DomainError.of(errors)


def refusals(msg: Message) -> dict:
    """What `send` refuses of a message's fields, by field. The form asks too when its own checks
    refuse something, so that every refusal comes in one answer."""
    errors = {}
    if msg.topic not in TOPICS:
        errors["topic"] = _l("Choose a topic.")
    if problem := body_problem(msg.message):
        errors["message"] = problem
    if problem := attachments.problem(msg.attachments):
        errors["attachments"] = problem
    if msg.topic == "termination":
        if not msg.subscription_ids:
            errors["subscriptions"] = _l("Choose the services you want to terminate.")
        if msg.wished_end_date is None:
            errors["wished_end_date"] = _l("Give the date you want the services to end.")
        elif msg.wished_end_date < today():
            errors["wished_end_date"] = _l("The end date cannot be in the past.")
    if msg.topic == "fault":
        if msg.fault_subscription_id is None:
            errors["fault_subscription"] = _l("Choose the service that has the fault.")
        if msg.fault_started_at is None:
            errors["fault_started_at"] = _l("Give the time the fault started.")
        elif msg.fault_started_at > utcnow():
            errors["fault_started_at"] = _l("The fault cannot have started in the future.")
    if msg.contact_requested or msg.topic == "termination":
        if not msg.contact_email.strip():
            errors["contact_email"] = _l("Write your email address.")
        if not msg.contact_phone.strip():
            errors["contact_phone"] = _l("Write your phone number.")
    return errors


def body_problem(body: str, empty: str = _l("Write your message.")):
    """Why a message or reply cannot be sent as written, or None; `empty` says what to write."""
    if not body.strip():
        return empty
    if len(body) > MAX_MESSAGE_LENGTH:
        return _l("The message can be at most %(n)d characters long.", n=MAX_MESSAGE_LENGTH)
    return None


def _own_subscriptions_in_force(customer_id: int, ids: list[int], field: str = "subscriptions"):
    """The customer's own subscriptions in force with these ids; any other id (someone else's) is refused."""
    chosen = {s.id: s for s in subscriptions.in_force(subscriptions.subscriptions_of(customer_id), today())
              if s.id in set(ids)}
    if len(chosen) != len(set(ids)):
        raise DomainError(_l("Choose only your own services that are in force."), field=field)
    return list(chosen.values())


def _reference() -> str:
    """Short enough to read over the phone: the day and six random characters."""
    return f"{today():%y%m%d}-{secrets.token_hex(3).upper()}"


def _announce(customer: Customer, feedback: Feedback) -> None:
    termination = feedback.topic == "termination"
    audit.record("termination.received" if termination else "feedback.received", customer.id,
                 reference=feedback.reference, topic=feedback.topic)
    # The receipt, with the customer's own words in it, goes to the account's address only: the
    # contact fields are where the staff call back, and anyone could write someone else's there.
    if customer.email:
        outbox.queue_email(customer.email, "termination_receipt" if termination else "feedback_receipt",
                           customer.locale, customer.id, customer=customer, feedback=feedback,
                           topic=TOPICS[feedback.topic])
    outbox.queue_event(
        "termination.received" if termination else "feedback.received", customer.id,
        feedback_id=feedback.id, reference=feedback.reference, kind=feedback.topic,
        customer_number=customer.customer_number,
        subscription_ids=[s.id for s in feedback.subscriptions],
        wished_end_date=feedback.wished_end_date,
        # A fault report says which service and since when; other messages keep the payload they had.
        **({"fault_subscription_id": feedback.fault_subscription_id,
            "fault_started_at": feedback.fault_started_at.isoformat()} if feedback.topic == "fault" else {}),
    )


def find(customer_id: int, reference: str, lock: bool = False) -> Feedback:
    """The customer's own conversation with its replies; NotFound for anyone else's."""
    statement = (select(Feedback).where(Feedback.customer_id == customer_id, Feedback.reference == reference)
                 .options(selectinload(Feedback.replies), selectinload(Feedback.attachments)))
    feedback = db.session.scalar(statement.with_for_update(of=Feedback) if lock else statement)
    if feedback is None:
        raise NotFound(reference)
    return feedback


def open_conversation(customer_id: int, reference: str) -> Feedback:
    """The customer's conversation as they open it: the staff's replies in it are read from now on."""
    feedback = find(customer_id, reference)
    if feedback.unread_replies:
        with writing():
            feedback.unread_replies = 0
            db.session.commit()
    return feedback


def conversations_of(customer_id: int) -> list[Feedback]:
    """The customer's latest conversations, the most recently active first."""
    return list(db.session.scalars(
        select(Feedback).where(Feedback.customer_id == customer_id)
        .order_by(Feedback.last_activity_at.desc(), Feedback.id.desc()).limit(RECENT_CONVERSATIONS)))


def can_reply(feedback: Feedback, now: datetime) -> bool:
    """Open, or closed less than REOPEN_DAYS ago: after that a new message starts a new conversation."""
    return feedback.closed_at is None or now - feedback.closed_at <= timedelta(days=REOPEN_DAYS)


def reply(customer_id: int, reference: str, body: str, uploads: Sequence[Upload] = (),
          key: str | None = None) -> Feedback:
    """The customer's reply, with its attachments; it opens a closed conversation again and waits for the staff.
    The reply form sent again with its `key` (a double click) adds nothing (`replied_with`)."""
    feedback = find(customer_id, reference, lock=True)
    if replied_with(feedback, key):
        return feedback
    now = utcnow()
    if not can_reply(feedback, now):
        raise DomainError(_l("This conversation was closed more than %(n)d days ago. "
                             "Please send a new message.", n=REOPEN_DAYS), field="message")
    check_reply(body, uploads)
    answer = FeedbackReply(author="customer", body=body.strip(), created_at=now, idempotency_key=key)
    feedback.replies.append(answer)
    feedback.status, feedback.closed_at, feedback.last_activity_at = "new", None, now
    feedback.unread_replies = 0  # answered on the page that shows them
    audit.record("feedback.reply", customer_id, reference=feedback.reference)
    with attachments.stored(feedback, answer, list(uploads)):
        db.session.commit()
    return feedback


def replied_with(feedback: Feedback, key: str | None) -> bool:
    """Whether a reply of the conversation came from the form with this key: the same form sent
    again, by the customer or the staff. The caller holds the conversation's row lock, so a second
    copy waits for the first and finds it."""
    return bool(key) and any(r.idempotency_key == key for r in feedback.replies)


def check_reply(body: str, uploads: Sequence[Upload], body_field: str = "message",
                empty: str = _l("Write your message.")) -> None:
    """A reply's text (on `body_field`) and files, the customer's or the staff's: every refusal at once."""
    errors = {}
    if problem := body_problem(body, empty):
        errors[body_field] = problem
    if problem := attachments.problem(list(uploads)):
        errors["attachments"] = problem
    if errors:
        raise DomainError.of(errors)
