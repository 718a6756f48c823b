"""Form validators shared by several areas."""
import re
import sys
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

from app.i18n import lazy_gettext as _l

# Line breaks and tabs belong in a message. Every other control or format character (NUL, ESC,
# bidirectional overrides) does not, nor do the Unicode line and paragraph separators U+2028 and
# U+2029: some readers break the line there and others do not, so a text could show one thing
# on the page and another where it is sent on (a mail header, the provisioning event).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def _refused_class() -> str:
    """The refused characters as the body of a regular expression's class, read once from Unicode's
    categories. Written so that Python and JSON Schema (ECMA-262) read it alike: the API's document
    gives the same pattern to its clients and to Schemathesis."""
    def char(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)

    ranges, start = [], None
    for code in range(sys.maxunicode + 2):
        refused = code <= sys.maxunicode and unicodedata.category(chr(code)) in _REFUSED_CATEGORIES
        if refused and start is None:
            start = code
        elif not refused and start is not None:
            ranges.append(char(start) if start == code - 1 else f"{char(start)}-{char(code - 1)}")
            start = None
    return "".join(ranges)


# Read once per process (about 0.1 s: Unicode's 1.1 million code points): the API's document
# needs the class when its schemas are registered, so it cannot wait for a first use.
_REFUSED = _refused_class()
TEXT_PATTERN = f"^[^{_REFUSED}]*$"
MULTILINE_TEXT_PATTERN = f"^(?:[\\t\\n\\r]|[^{_REFUSED}])*$"
_ONE_LINE, _LINES = re.compile(TEXT_PATTERN), re.compile(MULTILINE_TEXT_PATTERN)
_SURROGATE = re.compile("[\ud800-\udfff]")
# The space characters (Unicode's category Zs: the space, the no-break space, the ideographic
# space…), every one of them below U+3001. A text field is taken without them around it.
SPACES = "".join(c for c in map(chr, range(0x3001)) if unicodedata.category(c) == "Zs")
# The same rules for a text that must not be empty once its spaces are gone: one character at least
# that is neither refused nor a space (JSON Schema has no lookahead to say "not spaces alone").
_SOMETHING = "[^" + _REFUSED + "".join(f"\\u{ord(c):04x}" for c in SPACES) + "]"
FILLED_TEXT_PATTERN = f"^[^{_REFUSED}]*{_SOMETHING}[^{_REFUSED}]*$"
FILLED_MULTILINE_TEXT_PATTERN = f"^(?:[\\t\\n\\r]|[^{_REFUSED}])*{_SOMETHING}(?:[\\t\\n\\r]|[^{_REFUSED}])*$"
CONTROL_CHARACTERS = _l("Remove the control characters from the text.")
BAD_PHONE = _l("Check the phone number, for example 040 123 4567 or +358 40 1234567.")
# A Finnish postal code: outages are told by it, so a customer's must match an outage's exactly.
# A date outside these years is a slip of the keyboard (an agreement from the year 1, a card valid until
# 9999), which would reach the customers' pages, emails and an invoice's barcode.
YEARS = range(1900, 2200)
CHECK_THE_DATE = _l("Check the date.")
CHECK_THE_TIME = _l("Check the time.")
POSTAL_CODE = re.compile(r"[0-9]{5}")  # not \d, which takes the digits of every script ("٣٣١٠٠")
BAD_POSTAL_CODE = _l("A postal code is five digits, for example 33100.")


def has_control_characters(value: str, multiline: bool = False) -> bool:
    """True when the text holds a character no field takes; `multiline` allows line breaks and tabs.
    Half a UTF-16 surrogate pair (JSON can write one, "\\ud800") is no character at all: it cannot
    be stored as UTF-8. It is looked for apart from the pattern, which clients read in UTF-16."""
    return (_LINES if multiline else _ONE_LINE).fullmatch(value) is None or _SURROGATE.search(value) is not None


def normalise_email(value: str) -> str | None:
    """One plain address in lower case, or None. No display name, no quoted local part and no
    list: `a,b@example.fi` is not an address, so it can never become two recipients. ASCII only:
    an address with other letters needs SMTPUTF8 of every server on the way, and its email (a
    confirmation link, a receipt) would not arrive."""
    if not value.isascii():
        return None
    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=False).normalized.lower()
    except EmailNotValidError:
        return None


CHECK_THE_EMAIL = _l("Check the email address.")
NOT_ASCII_EMAIL = _l("Check the email address: letters such as ä, ö and å cannot be in one.")


class EmailAddress:
    """A form's email address: one the portal can send to (`normalise_email`)."""

    def __call__(self, form, field) -> None:
        if field.data and normalise_email(field.data) is None:
            raise ValidationError(CHECK_THE_EMAIL if field.data.isascii() else NOT_ASCII_EMAIL)


# 6–20 ASCII digits, a space or a dash allowed between any two, as a number is printed on a card.
CARD_NUMBER_PATTERN = "^(?:[0-9][ -]?){5,19}[0-9]$"
BAD_CARD_NUMBER = _l("A card number is 6–20 digits, for example 0100 2345 6789.")


def normalise_card_number(value: str) -> str | None:
    """A pay-TV card's number as it is stored and shown, its digits in groups of four ("0100 2345 6789"),
    however it was written (`CARD_NUMBER_PATTERN`), or None: "0100-2345-6789" is the same card, so it
    cannot be given to a second customer."""
    value = value.strip(SPACES)
    if not re.fullmatch(CARD_NUMBER_PATTERN, value):
        return None
    digits = re.sub("[ -]", "", value)
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def normalise_domain(value: str) -> str | None:
    """A domain name as DNS and the mail servers write it (lower case, an international name in its
    ASCII form: äänekoski.fi is xn--nekoski-4waa.fi), or None. email_validator's rules for the part
    after the @ sign: labels of letters, digits and hyphens, at least one full stop."""
    try:
        return validate_email(f"postmaster@{value}", check_deliverability=False).ascii_domain.lower()
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


BAD_DOMAIN = _l("Write a domain name, for example ipp.fi.")


class MailDomain:
    """A domain name; the field's data becomes the form the mail servers are given (`normalise_domain`)."""

    def __call__(self, form, field):
        normalised = normalise_domain(field.data or "")
        if normalised is None:
            raise ValidationError(BAD_DOMAIN)
        field.data = normalised


class Utf8Text:
    """An uploaded text file in UTF-8 (a byte order mark allowed); the field's `text` is what it says.
    A file in another encoding (Latin-1 from an older spreadsheet) is refused: read as UTF-8 with
    replacements, its ä and ö would be stored as "�"."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.text = field.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_l('The file is not UTF-8: save it as UTF-8 text (in a spreadsheet program, '
                                     '"CSV UTF-8").')) from None


class PostalCode:
    """A Finnish postal code (five digits) when one is given."""

    def __call__(self, form, field):
        if field.data and not POSTAL_CODE.fullmatch(field.data):
            raise ValidationError(BAD_POSTAL_CODE)


class SaidByService:
    """A field that must be filled, where the service says so among its other refusals of the same
    request (a mailbox's address and password): only marks the field required (its `required`
    attribute), so the form's own validation does not stop the request before every refusal is
    known."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        """Nothing here: the service refuses an empty value, with the request's other refusals."""
