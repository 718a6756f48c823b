from flask_login import current_user
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from app.forms import Form, SelectField, code_field, new_password_field
from app.i18n import lazy_gettext as _l
from app.labels import LANGUAGES, OUTAGE_NOTICE_CHANNELS
from app.services import DomainError, TooManyAttempts, accounts
from app.validators import EmailAddress


def current_password_field(description=None) -> PasswordField:
    """Re-authentication: the current password proves it is the owner at the keyboard."""
    return PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Write your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"}, description=description,
    )


class Reauthenticated(Form):
    """A form that asks for the account's password again (the field named `asked_again`): when its own checks
    refuse something else, a wrong password is said in the same answer, counted as the service counts it."""

    asked_again = "password"

    def refusals(self) -> dict:
        typed = self[self.asked_again]
        if not typed.data or typed.errors:
            return {}
        try:
            accounts.check_password(current_user, typed.data, field=self.asked_again)
        except TooManyAttempts:
            raise
        except DomainError as refused:
            return refused.errors
        return {}


class PasswordChangeForm(Reauthenticated):
    asked_again = "current_password"
    current_password = current_password_field()
    new_password = new_password_field()


class EmailChangeForm(Reauthenticated):
    email = EmailField(
        _l("New email address"),
        validators=[InputRequired(message=_l("Write your new email address.")),
                    Length(max=254, message=_l("The address can be at most %(max)d characters long.")),
                    EmailAddress()],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = current_password_field(_l("We ask for it to make sure it is you."))


class LanguageForm(Form):
    locale = SelectField(_l("Language of service"), choices=list(LANGUAGES.items()), validate_choice=False)


class OutageNoticesForm(Form):
    outage_notices = SelectField(_l("Tell me of outages at my address"), choices=list(OUTAGE_NOTICE_CHANNELS.items()),
                                 validate_choice=False,
                                 description=_l("When an outage starts and when it is resolved."))
    outage_updates = BooleanField(_l("Tell me also of each update while it lasts"))


class TwoFactorEnableForm(Form):
    code = code_field(_l("Code from the app"), _l("The six digits the app shows now."), inputmode="numeric")


class TwoFactorDisableForm(Reauthenticated):
    password = current_password_field()
    code = code_field(_l("Code"),
                      _l("The six digits your authenticator app shows now, or one of your recovery codes."))


class ConfirmForm(Form):
    """A button and its CSRF token."""
