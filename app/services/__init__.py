"""The portal's rules, as plain functions over the models.

A service fails one way: it raises `DomainError` (a rule said no, with the field it concerns)
or one of its kinds below. It never touches the request or answers HTTP itself; one error
handler (app/errors.py) turns a refusal into the page, and the API blueprint into a problem
response. A public service function that changes data is one unit of work: it commits before
it returns; private helpers only flush.
"""
from datetime import datetime

from app.extensions import db
from app.i18n import lazy_gettext as _l


class DomainError(Exception):
    """A rule said no; `message` is translated and shown to the user, next to `field` if given.

    `errors` holds every refusal of one request, field by field (None: the request as a whole),
    so that a form shows all its problems at once.
    """

    status = 422

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.errors = {field: message}

    @classmethod
    def of(cls, errors: dict) -> "DomainError":
        """Several refusals at once, each on its field."""
        field, message = next(iter(errors.items()))
        error = cls(message, field)
        error.errors = dict(errors)
        return error


class NotFound(DomainError):
    """No such object, or not this user's: the same answer for both, so nothing is revealed."""

    status = 404

    def __init__(self, what: object = None):
        super().__init__(_l("The page does not exist or you do not have access to it."))
        self.what = what


class TooManyAttempts(DomainError):
    """Too many wrong passwords or codes: nothing is checked until `retry_at`."""

    status = 429

    def __init__(self, retry_at: datetime):
        super().__init__(_l("Too many attempts. Please wait a while before trying again."))
        self.retry_at = retry_at


def get(model, object_id: int):
    """The `model` row with this id, or NotFound."""
    row = db.session.get(model, object_id)
    if row is None:
        raise NotFound(object_id)
    return row
