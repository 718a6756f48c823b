"""Form pieces shared by several areas, and the base of every form."""
import re
import uuid
from datetime import UTC
from functools import cache

import wtforms
from babel.support import Translations
from flask import g
from flask_babel import get_locale, get_timezone
from flask_wtf import FlaskForm  # noqa: TID251 (the one place it is derived from)
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import HiddenField, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.i18n import lazy_gettext as _l
from app.i18n import local_minute
from app.security import MAX_PASSWORD_LENGTH
from app.services import attachments
from app.validators import CHECK_THE_DATE, CHECK_THE_TIME, CONTROL_CHARACTERS, SPACES, YEARS, has_control_characters
from app.web import DB_INT_MAX


@cache
def wtforms_messages(locale: str) -> Translations:
    """WTForms' own messages in `locale`, read once per process: Flask-WTF reads the catalog from
    disk again in every request that makes a form (0.19 ms, 4 % of a MIX toggle)."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """Every form of the portal.

    When a service refuses what a valid form asked (a DomainError), the error handler rolls back
    and calls the view again; the refusal then comes back through `validate_on_submit()`, on its
    field or above the form. So a view draws a refused form exactly as one that failed its own
    validation, and never catches a DomainError itself.
    """

    # A refusal about something that is not a field of the form (a part of an uploaded file) is
    # shown above the form; a form whose refusals name such parts says which with this.
    names_other_fields = False

    class Meta:
        def get_translations(self, form):
            return wtforms_messages(str(get_locale()))

    def validate(self, extra_validators=None) -> bool:
        """Every text field is taken without the spaces around it (a text area also without the
        line breaks and tabs), so that a required one filled with spaces alone is empty (and said
        to be), and one left out of the request is empty text, not None. Every text field refuses
        control characters, so no form can forget to: they would reach an email, a provisioning
        event or Postgres, which stores no NUL. A text area lets line breaks and tabs through, as
        does a hidden field (one carries the checked import file to its confirmation, as it was).
        A password is never stored nor shown, and is taken as typed. A text area's line breaks are
        one character each, as the browser's `maxlength` and the counter count them (a browser sends
        each as CR LF)."""
        for field in self:
            if isinstance(field, StringField) and not isinstance(field, (PasswordField, HiddenField)):
                around = SPACES + "\t\r\n" if isinstance(field, TextAreaField) else SPACES
                field.data = (field.data or "").strip(around)
                if isinstance(field, TextAreaField):
                    field.data = field.data.replace("\r\n", "\n").replace("\r", "\n")
                if field.raw_data:  # what InputRequired looks at
                    field.raw_data = [field.data]
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and not isinstance(field, PasswordField) \
                    and has_control_characters(field.data, multiline=isinstance(field, (TextAreaField, HiddenField))):
                field.errors.append(CONTROL_CHARACTERS)
                valid = False
        if not valid:  # the service is not asked: its rules are, so that every refusal comes in one answer
            for name, message in self.refusals().items():
                if not self[name].errors:
                    self[name].errors.append(message)
        return valid

    def refusals(self) -> dict:
        """What the form's service would refuse of what it holds, by field (`outages.refusals`…): asked
        when the form's own checks refuse something. A field it could not read is None there."""
        return {}

    def validate_on_submit(self, extra_validators=None) -> bool:
        valid = super().validate_on_submit(extra_validators)
        refusal = g.pop("refusal", None)
        if refusal is None:
            return valid
        for name, message in refusal.errors.items():
            field = getattr(self, name, None) if name else None
            if field is not None:
                field.errors.append(message)
            else:
                self.form_errors.append(f"{name}: {message}" if name and self.names_other_fields else message)
        return False


class SelectField(wtforms.SelectField):
    """A choice from a list. A value not among the choices (only a request made by hand sends one) is
    refused in the portal's words, as the checkboxes' are (WTForms' own say it in their own way, and
    in English on a Finnish page)."""

    def __init__(self, *args, **kwargs):
        message = _l("Choose from the options shown.")
        super().__init__(*args, invalid_choice_message=message, invalid_value_message=message, **kwargs)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; the template draws them in a fieldset with their legend. A value
    not among them is refused in the portal's words (WTForms' own has no Finnish or Swedish)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid_choice_message=lambda count: str(_l("Choose from the options shown.")),
                         **kwargs)

    def __iter__(self):
        # A required choice is one box or more: no box is required by itself (each would be said to be).
        for option in super().__iter__():
            option.flags.required = False
            yield option


class AttachmentsField(MultipleFileField):
    """Files sent with a message, read as `attachments.Upload`s; the field left empty is no files.
    What cannot be attached is said next to the field, every file's reason at once."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label or _l("Attachments"), description=_l(
            "Optional. At most %(n)d pictures (PNG, JPEG, GIF, WebP) or PDF files, each at most %(mb)d MB.",
            n=attachments.MAX_FILES, mb=attachments.MAX_BYTES // (1024 * 1024)),
            render_kw={"accept": attachments.ACCEPT}, **kwargs)

    def process_formdata(self, valuelist):
        self.data = [attachments.upload(f.filename, f.stream) for f in valuelist if isinstance(f, FileStorage) and f]

    def pre_validate(self, form):
        if problem := attachments.problem(self.data or []):
            raise ValidationError(problem)


WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class IntegerField(wtforms.IntegerField):
    """A whole number an INTEGER column holds, in ASCII digits: int() would also read other scripts'
    digits, and WTForms would take a longer number and then overflow in NumberRange's float check (a
    500). A number it cannot take gets one message next to the field, not that and the range's too.
    `empty` is what the field left empty means (None: no number, for Optional() or the range to judge)."""

    def __init__(self, *args, empty: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty = empty

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip(SPACES)
        self.data = self.empty
        if not text:
            return
        if not WHOLE_NUMBER.fullmatch(text):
            self.data = None
            raise ValueError(str(_l("Write a whole number, e.g. 12.")))
        if abs(number := int(text)) > DB_INT_MAX:
            self.data = None
            raise ValueError(str(_l("The number is too large.")))
        self.data = number

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class _ParsedPlainly:
    """A date or time that does not parse is answered in the portal's own words, and so is one
    outside `validators.YEARS`."""

    not_parsed = CHECK_THE_DATE

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.not_parsed) from error
        if self.data is not None and self.data.year not in YEARS:
            self.data = None
            raise ValueError(self.not_parsed)


class DayField(_ParsedPlainly, wtforms.DateField):
    pass


class OperatorTimeField(_ParsedPlainly, wtforms.DateTimeLocalField):
    """A time as the staff read it, in the operator's time zone; the value is in UTC."""

    not_parsed = CHECK_THE_TIME

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = get_timezone().localize(self.data).astimezone(UTC)  # pytz: localize, not replace

    def _value(self) -> str:
        """What was typed, or the value in the operator's time as the control writes it (2026-11-24T14:05):
        shown in UTC, a time saved again unchanged would move by the zone's offset."""
        if self.raw_data:
            return " ".join(self.raw_data)
        return local_minute(self.data) if self.data else ""


def form_key_field() -> HiddenField:
    """The key of a form as its page drew it: the same form sent twice (a double click) is taken
    once. A request without one is simply taken."""
    return HiddenField(default=lambda: uuid.uuid4().hex, validators=[Length(max=40)])


def new_password_field(label=None, required=None) -> PasswordField:
    """`required`: a validator in place of InputRequired (`SaidByService` where the service refuses an
    empty password together with the form's other refusals)."""
    return PasswordField(
        label or _l("New password"),
        validators=[required or InputRequired(message=_l("Write a new password.")),
                    Length(max=MAX_PASSWORD_LENGTH,
                           message=_l("The password can be at most %(max)d characters long."))],
        render_kw={"autocomplete": "new-password", "minlength": 12, "maxlength": MAX_PASSWORD_LENGTH},
        description=_l("At least 12 characters. Several unrelated words are easy to remember and hard to guess."),
    )


def code_field(label, description, **render_kw) -> StringField:
    """A code from the authenticator app (or, where one is accepted, a recovery code)."""
    return StringField(
        label, validators=[InputRequired(message=_l("Write the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none",
                   **render_kw},
        description=description,
    )
