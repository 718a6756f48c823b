"""The portal's rules, as plain functions over the models."""


class DomainError(Exception):
    """A rule said no; `message` is translated and shown to the user, next to `field` if given."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
