"""Tiedotteet: announcements the staff publish on the customers' Etusivu."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.catalog import ProductGroup


class Announcement(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # Plain text; addresses in it become links when shown. Never HTML.
    body: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    # Null: every customer; otherwise customers with a subscription in force in this group.
    audience_group_id: Mapped[int | None] = mapped_column(ForeignKey("product_group.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    audience_group: Mapped[ProductGroup | None] = relationship()

    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="valid_range"),
        Index("ix_announcement_valid", "valid_from", "valid_until"),
        # An id is never given again (as Agreement's): a removal or edit sent from a page opened before
        # must not reach a new announcement that took the removed one's id.
        {"sqlite_autoincrement": True},
    )


class AnnouncementDismissal(db.Model):
    """A customer has closed the announcement; it is not shown to them again."""

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
