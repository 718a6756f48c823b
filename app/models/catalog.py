"""What the operator sells: product groups, products, the MIX channel pool and licence keys."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import translated
from app.models.base import UTCDateTime


class Translated:
    """Name and description in Finnish (`name` is each model's own), with optional Swedish and
    English versions."""

    name_sv: Mapped[str | None] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    description_sv: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)

    def localized(self, field: str) -> str:
        return translated(self, field)[0]

    @property
    def label(self) -> str:
        return self.localized("name")

    @property
    def summary(self) -> str:
        return self.localized("description")


class ProductGroup(Translated, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    products: Mapped[list["Product"]] = relationship(
        back_populates="group", order_by="Product.position"
    )


class Product(Translated, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("product_group.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Monthly price including VAT, in cents; VAT in basis points (2550 = 25.5 %).
    price_cents: Mapped[int]
    vat_basis_points: Mapped[int] = mapped_column(default=2550)
    # Null: valid until further notice; otherwise a fixed term in months.
    term_months: Mapped[int | None]
    requires_pay_tv_card: Mapped[bool] = mapped_column(default=False)
    # Products of one family form an upgrade path ordered by rank.
    family: Mapped[str | None] = mapped_column(String(40), index=True)
    rank: Mapped[int | None]
    mix_size: Mapped[int | None]
    download_url: Mapped[str | None] = mapped_column(String(500))
    needs_licence_key: Mapped[bool] = mapped_column(default=False)
    mailbox_count: Mapped[int] = mapped_column(default=0)
    sellable: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    group: Mapped[ProductGroup] = relationship(back_populates="products")

    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("term_months IS NULL OR term_months > 0", name="term_positive"),
        CheckConstraint("mix_size IS NULL OR mix_size > 0", name="mix_size_positive"),
        CheckConstraint("(family IS NULL) = (rank IS NULL)", name="family_has_rank"),
    )

    @property
    def is_mix(self) -> bool:
        return self.mix_size is not None


# The usual genres of a channel pool, stored in Finnish, shown in the reader's language;
# a genre the staff write in themselves shows as written.
GENRES = {
    "Urheilu": _l("Sports"), "Elokuvat": _l("Films"), "Sarjat": _l("Series"),
    "Dokumentit": _l("Documentaries"), "Lapset": _l("Children"), "Musiikki": _l("Music"),
    "Elämäntyyli": _l("Lifestyle"), "Uutiset": _l("News"),
}


class Channel(Translated, db.Model):
    """A channel of the MIX pool."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    genre: Mapped[str] = mapped_column(String(60), default="")
    # A retired channel stays in existing choices but cannot be picked anew.
    retired: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def genre_label(self) -> str:
        return str(GENRES.get(self.genre, self.genre))


class LicenceKey(db.Model):
    """A licence key of a security product, free until given to a subscription."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscription.id"), unique=True
    )
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship()
    subscription: Mapped["Subscription | None"] = relationship(  # noqa: F821
        back_populates="licence_key"
    )
