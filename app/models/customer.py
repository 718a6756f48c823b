"""Customers, their agreements and pay-TV cards."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, is_valid_on, utcnow

AGREEMENT_KINDS = ("connection", "service", "billing")


class Customer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    street_address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Stored lower-case; the login accepts it, so it is unique.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # An email change waits here until the link sent to the new address is followed.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    pending_email_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(String(5), default="fi")
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreements: Mapped[list["Agreement"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Agreement.id"
    )
    pay_tv_cards: Mapped[list["PayTvCard"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="PayTvCard.id"
    )
    account: Mapped["Account | None"] = relationship(back_populates="customer")  # noqa: F821

    __table_args__ = (
        CheckConstraint("status IN ('active', 'closed')", name="status"),
        # The console's search matches the start of the number, email, phone or lower-cased
        # name. Postgres uses an index for LIKE 'abc%' only through the pattern operator
        # class (outside the C collation); SQLite ignores the operator class.
        *[Index(f"ix_customer_{column}_prefix", column, postgresql_ops={column: "varchar_pattern_ops"})
          for column in ("customer_number", "email", "phone")],
    )

    def has_agreement(self, kinds: tuple[str, ...], day: date) -> bool:
        return any(a.kind in kinds and a.is_valid_on(day) for a in self.agreements)

    def may_log_in(self, day: date) -> bool:
        """Seed S1: logging in needs a valid connection or service agreement."""
        return self.status == "active" and self.has_agreement(("connection", "service"), day)

    def valid_pay_tv_card(self, day: date) -> "PayTvCard | None":
        return next((c for c in self.pay_tv_cards if c.valid_until >= day), None)


# Postgres only: SQLite does not use an index for LIKE on lower(name).
Index("ix_customer_name_prefix", func.lower(Customer.name).label("name_lower"),
      postgresql_ops={"name_lower": "text_pattern_ops"}).ddl_if(dialect="postgresql")


class Agreement(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]

    customer: Mapped[Customer] = relationship(back_populates="agreements")

    __table_args__ = (
        CheckConstraint("kind IN ('connection', 'service', 'billing')", name="kind"),
    )

    def is_valid_on(self, day: date) -> bool:
        return is_valid_on(self.valid_from, self.valid_until, day)


class PayTvCard(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    card_number: Mapped[str] = mapped_column(String(40), unique=True)
    valid_until: Mapped[date]

    customer: Mapped[Customer] = relationship(back_populates="pay_tv_cards")
