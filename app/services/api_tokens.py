"""Tokens of the operator API: made and revoked by an admin, shown once, kept as a hash."""
import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import get_timezone
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import ApiToken
from app.models.base import today, utcnow
from app.services import DomainError, NotFound, audit

# Resource groups of /api/v1; a token may read or write each. A group added to the API
# is a line here.
GROUPS = {
    "customers": _l("Customers, agreements, pay-TV cards and subscriptions"),
    "orders": _l("Orders and provisioning events"),
    "catalog": _l("Catalog and licence keys"),
    "feedback": _l("Feedback and termination notices"),
    "invoices": _l("Invoices and their payment status"),
    "outages": _l("Outages and their updates"),  # "Read:" and "Change:" say what may be done
}
SCOPES = tuple(f"{group}:{access}" for group in GROUPS for access in ("read", "write"))
PREFIX = "oh_"
# last_used_at is a hint for the admin, not a log: written at most this often per token, so a
# busy integration does not turn every read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name,
                                                            ApiToken.id)))


def refusals(name: str, scopes: list[str], expires_on: date | None) -> dict:
    """What `create` refuses, by field."""
    problems = {}
    if not name.strip():
        problems["name"] = _l("Write a name.")
    if not scopes or not set(scopes) <= set(SCOPES):
        problems["scopes"] = _l("Choose at least one permission.")
    if expires_on is not None and expires_on < today():  # its last day: today is one
        problems["expires_on"] = _l("The last valid day cannot be in the past.")
    return problems


def create(name: str, scopes: list[str], expires_on: date | None) -> str:
    """A new token; the only time its text exists outside the caller is this return value."""
    if problems := refusals(name, scopes, expires_on):
        raise DomainError.of(problems)
    name = name.strip()
    text = PREFIX + secrets.token_urlsafe(32)
    # It works through its last day, in the operator's time: it expires as the next day begins.
    # (pytz: localize; a zone given to combine() brings its first offset, Helsinki's mean time +1:40.)
    next_day = datetime.combine(expires_on + timedelta(days=1), time.min) if expires_on else None
    expires_at = get_timezone().localize(next_day).astimezone(UTC) if next_day else None
    token = ApiToken(name=name, scopes=" ".join(s for s in SCOPES if s in scopes), token_hash=digest(text),
                     expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", None, token=token.id, name=name, scopes=token.scopes, expires_on=expires_on)
    db.session.commit()
    return text


def revoke(token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoked", None, token=token.id, name=token.name)
    db.session.commit()


def authenticate(text: str) -> ApiToken | None:
    """The usable token with this text, its use noted; None for anything else (unknown, expired, revoked)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(text)))
    now = utcnow()
    if token is None or not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        try:
            db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
            db.session.commit()
        except OperationalError:
            # SQLite: a read's transaction cannot become a write once another writer has committed
            # ("database is locked" at once, not after a wait). The note can wait for the next
            # request; the request itself must not fail for it.
            db.session.rollback()
    return token
