"""Conversations with customer service, written termination notices among them.

A conversation is the customer's first message (`Feedback`, which stays as written: it is the
receipt and, for a termination notice, the written proof) followed by its replies.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.account import Account
from app.models.base import UTCDateTime, utcnow
from app.models.customer import Customer
from app.models.subscription import Subscription


class Feedback(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    topic: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    contact_requested: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    # Termination notices: the end date the customer wishes.
    wished_end_date: Mapped[date | None]
    # Fault reports (vikailmoitus): the customer's service that has the fault, and since when.
    fault_subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscription.id", ondelete="SET NULL"))
    fault_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # new = received, answered = the last word is the staff's, done = closed.
    status: Mapped[str] = mapped_column(String(12), default="new")
    staff_note: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it was closed: a reply within REOPEN_DAYS of it opens the conversation again.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The staff's replies the customer has not seen yet: counted as they are sent and cleared when the
    # customer opens the conversation, so the menu of every page reads a number, not the replies.
    unread_replies: Mapped[int] = mapped_column(default=0, server_default="0")
    # The staff member who took it to handle ("Ota käsittelyyn"); gone with their account.
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))

    customer: Mapped[Customer] = relationship()
    handler: Mapped[Account | None] = relationship()
    subscriptions: Mapped[list[Subscription]] = relationship(secondary="feedback_subscription")
    fault_subscription: Mapped[Subscription | None] = relationship()
    replies: Mapped[list["FeedbackReply"]] = relationship(
        order_by="FeedbackReply.id", cascade="all, delete-orphan", passive_deletes=True)
    # Every message's attachments, the first message's and the replies', loaded in one statement.
    attachments: Mapped[list["Attachment"]] = relationship(
        order_by="Attachment.id", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        CheckConstraint(
            "topic IN ('feedback', 'billing', 'support', 'fault', 'termination', 'other')", name="topic"
        ),
        CheckConstraint("status IN ('new', 'in_progress', 'answered', 'done')", name="status"),
        Index("ix_feedback_status_created", "status", "created_at"),
        Index("ix_feedback_customer_activity", "customer_id", "last_activity_at"),
        Index("ix_feedback_customer_unread", "customer_id", "unread_replies"),
        Index("ix_feedback_handler_status", "handler_id", "status"),
    )

    def attachments_of(self, reply: "FeedbackReply | None" = None) -> list["Attachment"]:
        """The attachments of one message: a reply's, or (None) the first message's."""
        reply_id = reply.id if reply is not None else None
        return [a for a in self.attachments if a.reply_id == reply_id]


# The menu's count of the staff's replies the customer has not read, on every page: read with the
# session's customer (app/sessions.py) rather than by a statement of its own, over the customer/unread
# index, skipping the conversations with nothing new.
Customer.unread_replies = column_property(
    select(func.coalesce(func.sum(Feedback.unread_replies), 0))
    .where(Feedback.customer_id == Customer.id, Feedback.unread_replies > 0)
    .correlate_except(Feedback).scalar_subquery(), deferred=True)


class FeedbackSubscription(db.Model):
    """The subscriptions a termination notice names."""

    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    )
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True
    )


class FeedbackReply(db.Model):
    """A message after the first one in a conversation: the customer's or the staff's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The reply form's own key: the same form sent twice (a double click) is one reply.
    idempotency_key: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        CheckConstraint("author IN ('customer', 'staff')", name="author"),
        Index("ix_feedback_reply_feedback", "feedback_id", "id"),
        Index("ux_feedback_reply_key", "feedback_id", "idempotency_key", unique=True),
    )


class Attachment(db.Model):
    """A file sent with a message. The file lives outside the web root (ATTACHMENT_DIR) under
    `stored_name`, a random name; `name` is the uploaded one, kept only to show and to name the download."""

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    # The reply it came with; None: the conversation's first message.
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_reply.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    # As found from the content, never as the browser or the name said.
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reply: Mapped[FeedbackReply | None] = relationship()

    __table_args__ = (
        Index("ix_attachment_feedback", "feedback_id", "id"),
        Index("ix_attachment_reply", "reply_id"),
    )


class CannedReply(db.Model):
    """A short named text the staff start a reply from (Asetukset › Vastauspohjat)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = ({"sqlite_autoincrement": True},)  # as Announcement's: never a removed one's id
