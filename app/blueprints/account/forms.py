from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from app.forms import new_password_field
from app.services.profile import LANGUAGES
from app.validators import NoControlCharacters


def current_password_field(description=None) -> PasswordField:
    """Re-authentication: the current password proves it is the owner at the keyboard."""
    return PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Write your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"}, description=description,
    )


def code_field(label, description, **render_kw) -> StringField:
    return StringField(
        label, validators=[InputRequired(message=_l("Write the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none",
                   **render_kw},
        description=description,
    )


class PasswordChangeForm(FlaskForm):
    current_password = current_password_field()
    new_password = new_password_field()


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New email address"),
        validators=[InputRequired(message=_l("Write your new email address.")),
                    Length(max=254, message=_l("The address can be at most %(max)d characters long.")),
                    NoControlCharacters(),
                    Email(message=_l("Check the email address."), check_deliverability=False)],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = current_password_field(_l("We ask for it to make sure it is you."))


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=list(LANGUAGES.items()), validate_choice=False)


class TwoFactorEnableForm(FlaskForm):
    code = code_field(_l("Code from the app"), _l("The six digits the app shows now."), inputmode="numeric")


class TwoFactorDisableForm(FlaskForm):
    password = current_password_field()
    code = code_field(_l("Code"),
                      _l("The six digits your authenticator app shows now, or one of your recovery codes."))


class ConfirmForm(FlaskForm):
    """A button and its CSRF token."""
