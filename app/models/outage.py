"""Häiriötiedotteet: outages of the operator's network, their updates, and who was told of them."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import translated
from app.models.base import UTCDateTime, utcnow
from app.models.catalog import ProductGroup

SEVERITIES = ("minor", "major", "critical")
NOTICE_EVENTS = ("start", "resolve")
NOTICE_CHANNELS = ("email", "sms")

outage_group = db.Table(
    "outage_group",
    db.Column("outage_id", ForeignKey("outage.id", ondelete="CASCADE"), primary_key=True),
    db.Column("group_id", ForeignKey("product_group.id", ondelete="CASCADE"), primary_key=True),
)


class Outage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Finnish is required; Swedish and English stand in for it on those pages when written.
    title: Mapped[str] = mapped_column(String(200))
    title_sv: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_sv: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10), default="major")
    # True: every customer; otherwise the customers at one of the postal codes or municipalities.
    all_customers: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    estimated_fix_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # None chosen: every service is affected.
    groups: Mapped[list[ProductGroup]] = relationship(secondary=outage_group, order_by=ProductGroup.position)
    areas: Mapped[list["OutageArea"]] = relationship(cascade="all, delete-orphan", order_by="OutageArea.value")
    updates: Mapped[list["OutageUpdate"]] = relationship(
        cascade="all, delete-orphan", order_by="OutageUpdate.posted_at.desc()")

    __table_args__ = (
        CheckConstraint("severity IN ('minor', 'major', 'critical')", name="severity"),
        CheckConstraint("estimated_fix_at IS NULL OR estimated_fix_at >= started_at", name="fix_after_start"),
        # The public page: the current ones and those resolved in the last 30 days.
        Index("ix_outage_resolved_at", "resolved_at"),
    )

    def localized(self, field: str) -> str:
        return translated(self, field)[0]

    @property
    def updated_at(self) -> datetime:
        """When anything about it last changed: the feed's <updated>."""
        return max([self.started_at, self.created_at, *([self.resolved_at] if self.resolved_at else []),
                    *(u.posted_at for u in self.updates)])

    @property
    def postal_codes(self) -> list[str]:
        return [a.value for a in self.areas if a.kind == "postal_code"]

    @property
    def municipalities(self) -> list[str]:
        return [a.value for a in self.areas if a.kind == "municipality"]


class OutageArea(db.Model):
    """A postal code or a municipality (matched against the customer's city) the outage covers."""

    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (
        CheckConstraint("kind IN ('postal_code', 'municipality')", name="kind"),
        # The public search by postal code.
        Index("ix_outage_area_value", "kind", "value"),
    )


class OutageUpdate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id", ondelete="CASCADE"), index=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class OutageUpdateNotice(db.Model):
    """One customer told of one update of an outage (customers who asked for updates): as with
    OutageNotice, the primary key keeps a second one out."""

    update_id: Mapped[int] = mapped_column(ForeignKey("outage_update.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("channel IN ('email', 'sms')", name="channel"),)


class OutageNotice(db.Model):
    """One customer told of one event of one outage: the row and the message to them are
    written in one transaction, and the unique constraint keeps a second one out."""

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("outage_id", "customer_id", "event"),
        CheckConstraint("event IN ('start', 'resolve')", name="event"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
    )
