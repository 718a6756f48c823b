"""Customers, their agreements and pay-TV cards, and the terms the console's search matches."""
import re
import unicodedata
from datetime import date, datetime

import phonenumbers
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.base import UTCDateTime, is_valid_on, utcnow

AGREEMENT_KINDS = ("connection", "service", "billing")
# Phone numbers written without a country code are Finnish: 040 123 4567 is +358401234567.
PHONE_REGION = "FI"
MAX_NAME_ROTATIONS = 8


def search_words(text: str) -> str:
    """Text as the search compares it: lower case, accents off (ä→a, ö→o, å→a, é→e), words
    separated by single spaces, so "Mäki-Jokela" and "maki jokela" are the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", plain))


def name_terms(name: str) -> list[str]:
    """Every word of the name followed by the rest, so a prefix of any word finds the name:
    "Matti Virtanen" gives "matti virtanen" and "virtanen matti"."""
    words = search_words(name).split()[:MAX_NAME_ROTATIONS]
    return list(dict.fromkeys(" ".join(words[i:] + words[:i]) for i in range(len(words))))


def search_terms(name: str, phone: str) -> list[str]:
    """The customer_search_term rows of a customer with this name and phone."""
    terms = (*name_terms(name or ""), phone_e164(phone or ""))
    return list(dict.fromkeys(term[:200] for term in terms if term))


def phone_e164(phone: str) -> str:
    """A stored phone number in E.164 (+358401234567), however it was written; "" if none."""
    try:
        number = phonenumbers.parse(phone, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return phone_prefix(phone)
    if not phonenumbers.is_possible_number(number):
        return phone_prefix(phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_prefix(text: str) -> str:
    """The start of a phone number as typed (+358 40 123, 040 12, 00358 40…) in E.164, or ""
    if it does not look like one. phonenumbers needs whole numbers; this takes beginnings."""
    if not re.fullmatch(r"\s*\+?[\d\s().-]+", text):
        return ""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return ""
    if text.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):  # the trunk prefix of a national number
        return f"+{phonenumbers.country_code_for_region(PHONE_REGION)}{digits[1:]}"
    return "+" + digits  # written with its country code, without the plus


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
    # How the customer is told of an outage at their address: email, sms or none.
    outage_notices: Mapped[str] = mapped_column(String(5), default="email", server_default="email")
    # Also each update of an outage they were told of, not only its start and its end.
    outage_updates: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Any change to the record, its agreements or cards: what the API's `updated_since` asks for.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    agreements: Mapped[list["Agreement"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Agreement.id"
    )
    pay_tv_cards: Mapped[list["PayTvCard"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="PayTvCard.id"
    )
    account: Mapped["Account | None"] = relationship(back_populates="customer")  # noqa: F821
    search_terms: Mapped[list["CustomerSearchTerm"]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("status IN ('active', 'closed')", name="status"),
        CheckConstraint("outage_notices IN ('email', 'sms', 'none')", name="outage_notices"),
        # An outage's customers are found by postal code or municipality.
        Index("ix_customer_postal_code", "postal_code"),
        Index("ix_customer_city", "city"),
        # The console's search matches the start of the number or email here, and of a name
        # or phone term in customer_search_term. Postgres uses an index for LIKE 'abc%' only
        # through the pattern operator class (outside the C collation); SQLite ignores it.
        *[Index(f"ix_customer_{column}_prefix", column, postgresql_ops={column: "varchar_pattern_ops"})
          for column in ("customer_number", "email")],
    )

    @validates("customer_number", "name", "phone")
    def _keep_search_terms(self, key: str, value: str) -> str:
        """Whoever changes the name or phone (the console, the import, the demo) changes the terms too."""
        now = {"customer_number": self.customer_number, "name": self.name, "phone": self.phone, key: value}
        kept = {t.term: t for t in self.search_terms}
        self.search_terms = [kept.get(term) or CustomerSearchTerm(term=term)
                             for term in search_terms(now["name"], now["phone"])]
        for term in self.search_terms:
            term.customer_number = now["customer_number"]
        return value

    def has_agreement(self, kinds: tuple[str, ...], day: date) -> bool:
        return any(a.kind in kinds and a.is_valid_on(day) for a in self.agreements)

    def may_log_in(self, day: date) -> bool:
        """Seed S1: logging in needs a valid connection or service agreement."""
        return self.status == "active" and self.has_agreement(("connection", "service"), day)

    def valid_pay_tv_card(self, day: date) -> "PayTvCard | None":
        return next((c for c in self.pay_tv_cards if c.valid_until >= day), None)


class CustomerSearchTerm(db.Model):
    """What the console's search finds a customer by, besides the number and email: each
    rotation of the name (search_words) and the phone number in E.164. Kept by Customer."""

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The customer's number (it never changes), so results are put in order from this table alone.
    customer_number: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        # A search reads this index alone (an index-only scan): the term, the order, the customer.
        Index("ix_customer_search_term_prefix", "term", "customer_number", "customer_id",
              postgresql_ops={"term": "varchar_pattern_ops"}),
    )


class Agreement(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]

    customer: Mapped[Customer] = relationship(back_populates="agreements")

    __table_args__ = (
        CheckConstraint("kind IN ('connection', 'service', 'billing')", name="kind"),
        # An id is never given again (SQLite would reuse the highest after a delete): the API's
        # DELETE by id, retried after another row was added, must not remove the new one.
        {"sqlite_autoincrement": True},
    )

    def is_valid_on(self, day: date) -> bool:
        return is_valid_on(self.valid_from, self.valid_until, day)


class PayTvCard(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    card_number: Mapped[str] = mapped_column(String(40), unique=True)
    valid_until: Mapped[date]

    customer: Mapped[Customer] = relationship(back_populates="pay_tv_cards")

    __table_args__ = ({"sqlite_autoincrement": True},)  # as Agreement's
