"""Form validators shared by several areas."""
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

from app.i18n import lazy_gettext as _l

# Line breaks and tabs belong in a message. Every other control or format character (NUL, ESC,
# bidirectional overrides) does not, nor do the Unicode line and paragraph separators U+2028 and
# U+2029: some readers break the line there and others do not, so a text could show one thing
# on the page and another where it is sent on (a mail header, the provisioning event).
_ALLOWED_IN_TEXT = {"\n", "\r", "\t"}
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
CONTROL_CHARACTERS = _l("Remove the control characters from the text.")
BAD_PHONE = _l("Check the phone number, for example 040 123 4567 or +358 40 1234567.")


def has_control_characters(value: str, multiline: bool = False) -> bool:
    """True when the text holds a character no field takes; `multiline` allows line breaks and tabs."""
    allowed = _ALLOWED_IN_TEXT if multiline else set()
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in allowed for ch in value)


class NoControlCharacters:
    """Refuse control characters; `multiline` allows line breaks and tabs."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_characters(field.data, self.multiline):
            raise ValidationError(CONTROL_CHARACTERS)


def normalise_email(value: str) -> str | None:
    """One plain address in lower case, or None. No display name, no quoted local part and no
    list: `a,b@example.fi` is not an address, so it can never become two recipients."""
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


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
