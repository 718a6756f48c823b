"""What a customer has: subscriptions, their MIX channel choices, and the orders behind them."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, is_valid_on, utcnow
from app.models.catalog import Channel, LicenceKey, Product
from app.models.customer import Customer


class Subscription(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    starts_on: Mapped[date]
    # Null: valid until further notice ("toistaiseksi").
    ends_on: Mapped[date | None]
    # pending: accepted but waiting for the operator (e.g. a licence key).
    status: Mapped[str] = mapped_column(String(10), default="active")
    # An upgrade links the new subscription to the one it replaced, and keeps the end date the
    # replaced one had (None: until further notice), so a rejected upgrade can put it back.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("subscription.id"))
    replaces_ends_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product] = relationship()
    replaces: Mapped["Subscription | None"] = relationship(remote_side=[id])
    licence_key: Mapped[LicenceKey | None] = relationship(back_populates="subscription")
    mix_choices: Mapped[list["MixChoice"]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("status IN ('active', 'pending', 'ended', 'cancelled')", name="status"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        Index("ix_subscription_customer_status", "customer_id", "status"),
    )

    @property
    def agreed_price_cents(self) -> int:
        """What the customer pays a month, as billing charges it: the price it was ordered at, which later
        price changes do not touch; the product's for one that came without an order (imported)."""
        return self.product.price_cents if self.ordered_price_cents is None else self.ordered_price_cents

    def is_in_force(self, day: date) -> bool:
        return self.status == "active" and is_valid_on(self.starts_on, self.ends_on, day)

    def state(self, day: date) -> str:
        """What the customer sees: in force, coming, ended, or cancelled (its order was rejected)."""
        if self.status == "cancelled":
            return "cancelled"
        if self.status == "ended" or (self.ends_on is not None and self.ends_on < day):
            return "ended"
        if self.status == "pending" or self.starts_on > day:
            return "coming"
        return "in_force"


class MixChoice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), index=True)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="mix_choices")
    channel: Mapped[Channel] = relationship()

    __table_args__ = (UniqueConstraint("subscription_id", "channel_id"),)


class Order(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscription.id"), index=True)
    replaces_subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscription.id"))
    kind: Mapped[str] = mapped_column(String(10), default="new")
    status: Mapped[str] = mapped_column(String(10), default="new", index=True)
    # One confirmation form, one order, however many times it is posted.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The price the customer saw and agreed to; later price changes do not touch it.
    price_cents: Mapped[int]
    vat_basis_points: Mapped[int]
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product] = relationship()
    subscription: Mapped[Subscription | None] = relationship(foreign_keys=[subscription_id])
    replaces_subscription: Mapped[Subscription | None] = relationship(foreign_keys=[replaces_subscription_id])

    __table_args__ = (
        CheckConstraint("kind IN ('new', 'upgrade')", name="kind"),
        CheckConstraint(
            "status IN ('new', 'pending', 'delivered', 'rejected')", name="status"
        ),
        Index("ix_order_customer_created", "customer_id", "created_at"),
    )


# The price of the order that made the subscription: a column of the subscription's own statement where a
# page shows the price (`undefer`), so no page reads the orders apart. Deferred elsewhere.
Subscription.ordered_price_cents = column_property(
    select(Order.price_cents).where(Order.subscription_id == Subscription.id).order_by(Order.id).limit(1)
    .scalar_subquery(), deferred=True)
