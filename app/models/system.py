"""Operator settings, the audit log and the outbox."""
import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# Words of the operator's own services that customers may not take as mailbox addresses; staff
# edit the list under Asetukset (the names every mail domain needs are reserved in app/services/mailboxes.py).
DEFAULT_RESERVED_LOCAL_PARTS = "\n".join((
    "omahallinta", "asiakaspalvelu", "asiakastuki", "tuki", "laskutus", "myynti", "neuvonta", "tilaukset",
    "hallinta", "yllapito", "tietoturva", "verkko", "kundtjanst", "kundservice", "fakturering",
    "forsaljning", "customerservice", "helpdesk", "service",
))


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
    # One per line, as the staff wrote them; compared without case and separators.
    reserved_local_parts: Mapped[str] = mapped_column(Text, default=DEFAULT_RESERVED_LOCAL_PARTS)


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
    """An email, provisioning event or task, written with the change and carried out by `flask worker`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms | webhook | task
    topic: Mapped[str] = mapped_column(String(60))  # e.g. password_reset, order.created
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    # An email's one recipient (also in the payload), kept as a column to count what an address was sent.
    recipient: Mapped[str | None] = mapped_column(String(254))
    payload_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_recipient", "recipient", "created_at"),
    )

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)


class WorkerHeartbeat(db.Model):
    """A running `flask worker`, as last heard of: it writes `beat_at` every few seconds.

    In the database rather than in the process, so /metrics on any web server sees every
    worker, on whichever machine it runs."""

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RefusedPage(db.Model):
    """The page of a form refused without JavaScript, kept briefly for the GET the browser is sent to
    (post/redirect/get, app/web.py): the session holds the token, the page is read once."""

    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    # Where it is shown: the path and query of the form's page.
    path: Mapped[str] = mapped_column(String(2048))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
