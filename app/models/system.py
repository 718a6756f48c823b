"""Operator settings, the audit log and the outbox."""
import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class OperatorSettings(db.Model):
    """The one row of the operator's own details, shown to customers and used in emails."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="Operaattori")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Customer service's opening hours in Finnish; Swedish and English readers see theirs, or the Finnish.
    hours: Mapped[str] = mapped_column(String(200), default="")
    hours_sv: Mapped[str] = mapped_column(String(200), default="")
    hours_en: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    mail_domain: Mapped[str] = mapped_column(String(190), default="example.fi")
    vat_basis_points: Mapped[int] = mapped_column(default=2550)


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    # Kept as text so the log still reads right after an account is gone.
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(60), index=True)
    details_json: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def details(self) -> dict[str, Any]:
        return json.loads(self.details_json)


class OutboxMessage(db.Model):
    """An email or provisioning event, written with the change and delivered by `flask worker`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    topic: Mapped[str] = mapped_column(String(60))  # e.g. password_reset, order.created
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    payload_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)
