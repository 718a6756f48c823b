"""Login accounts of customers and staff."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.customer import Customer

ROLES = ("customer", "staff", "admin")


class Account(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), unique=True
    )
    # Staff log in with a username; customers with their number or email.
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(10), default="customer")
    # Null until an invited customer sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # The last accepted TOTP time step: a code is accepted once, never replayed.
    totp_last_step: Mapped[int] = mapped_column(default=0)
    # Part of the session cookie: bumping it ends every session of the account.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer | None] = relationship(back_populates="account")
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("role IN ('customer', 'staff', 'admin')", name="role"),
        CheckConstraint(
            "(role = 'customer') = (customer_id IS NOT NULL)", name="customer_iff_role"
        ),
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def name(self) -> str:
        return self.customer.name if self.customer else self.display_name


class RecoveryCode(db.Model):
    """A single-use two-factor recovery code, stored hashed.

    `lookup` (a keyed digest of the code, app.security.keyed_digest) finds the one row a code can
    be, so a guess costs one indexed read and at most one argon2 check. Codes made before it
    existed have none and are checked the old way, each hash in turn (app/services/two_factor.py).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    lookup: Mapped[str | None] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(back_populates="recovery_codes")
