"""Column helpers shared by the model modules."""
from datetime import UTC, date, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The operator's calendar day; dates of agreements and subscriptions follow it."""
    return day_of(utcnow())


def day_of(moment: datetime) -> date:
    """The operator's calendar day at `moment`."""
    from flask_babel import get_timezone

    try:
        return moment.astimezone(get_timezone()).date()
    except RuntimeError:  # outside an app context (unit tests of pure helpers)
        return moment.astimezone().date()


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def is_valid_on(valid_from: date | None, valid_until: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_until is None or day <= valid_until)
