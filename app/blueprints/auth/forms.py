from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from app.forms import Form, code_field, new_password_field
from app.i18n import lazy_gettext as _l


def _login_field(label: str, message: str, max_length: int = 254) -> StringField:
    """What a person logs in or asks a reset link with: a username the browser may fill in."""
    return StringField(label, validators=[InputRequired(message=message), Length(max=max_length)],
                       render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})


def _password_field() -> PasswordField:
    """Made where each login form declares it: WTForms orders fields as they were made, and the password
    comes after the login."""
    return PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Write your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class LoginForm(Form):
    login = _login_field(_l("Customer number or email address"), _l("Write your customer number or email address."))
    password = _password_field()


class StaffLoginForm(LoginForm):
    """The same login; staff name themselves by username."""

    login = _login_field(_l("Username"), _l("Write your username."), max_length=64)
    password = _password_field()


class ForgotPasswordForm(Form):
    login = _login_field(_l("Email address or customer number"), _l("Write your email address or customer number."))


class SetPasswordForm(Form):
    new_password = new_password_field()


class SecondFactorForm(Form):
    code = code_field(_l("Code"), _l("The six digits your authenticator app shows now, or one of your recovery "
                                     "codes."), inputmode="text")


class TotpSetupForm(Form):
    code = code_field(_l("Code"), _l("The six digits your authenticator app shows for the new account."),
                      inputmode="numeric")
