"""Mailboxes under the operator's domain, in tables Dovecot and Postfix query directly.

Forwarding and aliases are rows of `mail_alias` (address -> goto), as PostfixAdmin keeps
them, so `virtual_alias_maps` is one SELECT.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.customer import Customer


class Mailbox(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)
    local_part: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str] = mapped_column(String(190), index=True)
    # A Dovecot scheme-prefixed hash: {ARGON2ID}$argon2id$... or {BLF-CRYPT}$2y$...
    password_hash: Mapped[str] = mapped_column(String(255))
    quota_mb: Mapped[int] = mapped_column(default=5120)
    active: Mapped[bool] = mapped_column(default=True)
    keep_copy: Mapped[bool] = mapped_column(default=True)
    autoreply_enabled: Mapped[bool] = mapped_column(default=False)
    autoreply_subject: Mapped[str] = mapped_column(String(200), default="")
    autoreply_body: Mapped[str] = mapped_column(Text, default="")
    autoreply_from: Mapped[date | None]
    autoreply_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    aliases: Mapped[list["MailAlias"]] = relationship(
        back_populates="mailbox", cascade="all, delete-orphan", order_by="MailAlias.id"
    )

    __table_args__ = (CheckConstraint("quota_mb > 0", name="quota_positive"),)

    @property
    def alias_rows(self) -> list["MailAlias"]:
        return [a for a in self.aliases if a.kind == "alias"]

    @property
    def forward_to(self) -> list[str]:
        """Where the mail is sent on; the mailbox's own address there is the kept copy."""
        return [a.goto for a in self.aliases if a.kind == "forward" and a.goto != self.address]


class MailAlias(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"), index=True)
    # alias: another address delivering to the mailbox; forward: the mailbox's mail sent on.
    kind: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(254), index=True)
    goto: Mapped[str] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)

    mailbox: Mapped[Mailbox] = relationship(back_populates="aliases")

    __table_args__ = (
        CheckConstraint("kind IN ('alias', 'forward')", name="kind"),
        UniqueConstraint("address", "goto"),
    )
