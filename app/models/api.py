"""Tokens of the operator API (/api/v1): what other systems of the operator sign in with."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose system it is ("Laskutus", "Verkonhallinta"); the audit log names writes after it.
    name: Mapped[str] = mapped_column(String(100))
    # Space-separated, e.g. "customers:read customers:write".
    scopes: Mapped[str] = mapped_column(String(500), default="")
    # SHA-256 of the token: the token is random and long, so a slow hash would add nothing,
    # and a keyed lookup must be one indexed equality.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
