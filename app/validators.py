"""Form validators shared by several areas."""
import unicodedata

import phonenumbers
from wtforms.validators import ValidationError

from app.i18n import lazy_gettext as _l

# Line breaks and tabs belong in a message; every other control character (NUL above all) does not.
_ALLOWED_IN_TEXT = {"\n", "\r", "\t"}
BAD_PHONE = _l("Check the phone number, for example 040 123 4567 or +358 40 1234567.")


def _has_control(value: str, allowed: set[str]) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed for ch in value)


class NoControlCharacters:
    """Refuse control characters; `multiline` allows line breaks and tabs."""

    def __init__(self, multiline: bool = False):
        self.allowed = _ALLOWED_IN_TEXT if multiline else set()

    def __call__(self, form, field):
        if isinstance(field.data, str) and _has_control(field.data, self.allowed):
            raise ValidationError(_l("Remove the control characters from the text."))


def normalise_phone(value: str) -> str | None:
    """A Finnish or international phone number in international format, or None if it is not one.

    libphonenumber knows each country's numbering plan, so `040 123 4567`, `0401234567`,
    `+358 40 1234567` and `+46 70 123 45 67` are accepted and `040 12` is not.
    """
    try:
        number = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class PhoneNumber:
    """A valid phone number when one is given; the field's data becomes the international format."""

    def __call__(self, form, field):
        if not field.data:
            return
        normalised = normalise_phone(field.data)
        if normalised is None:
            raise ValidationError(BAD_PHONE)
        field.data = normalised
