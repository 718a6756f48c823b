"""Tokens of the operator API (/api/v1): what other systems of the operator sign in with."""
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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

    @property
    def last_moment(self) -> datetime | None:
        """The last second it works: its last day, as the console shows it (it expires as the next
        day begins)."""
        return self.expires_at - timedelta(seconds=1) if self.expires_at else None

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class ApiIdempotencyKey(db.Model):
    """A POST sent with an Idempotency-Key: sent again, it is answered as the first time, not done twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    # The method, path and body it was first sent with: the same key for another request is an error.
    request_digest: Mapped[str] = mapped_column(String(64))
    # Null while the first request is still being answered.
    status_code: Mapped[int | None]
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("token_id", "key", name="uq_api_idempotency_key_token_key"),)
