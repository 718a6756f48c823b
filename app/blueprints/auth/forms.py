from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from app.forms import Form, code_field, new_password_field
from app.i18n import lazy_gettext as _l


def _password_field():
    """Made where each login form declares it: WTForms orders fields as they were made, and the password
    comes after the login."""
    return PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Write your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class LoginForm(Form):
    login = StringField(
        _l("Customer number or email address"),
        validators=[InputRequired(message=_l("Write your customer number or email address.")),
                    Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = _password_field()


class StaffLoginForm(LoginForm):
    """The same login; staff name themselves by username."""

    login = StringField(
        _l("Username"),
        validators=[InputRequired(message=_l("Write your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = _password_field()


class ForgotPasswordForm(Form):
    login = StringField(
        _l("Email address or customer number"),
        validators=[InputRequired(message=_l("Write your email address or customer number.")), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )


class SetPasswordForm(Form):
    new_password = new_password_field()


class SecondFactorForm(Form):
    code = code_field(_l("Code"), _l("The six digits your authenticator app shows now, or one of your recovery "
                                     "codes."), inputmode="text")


class TotpSetupForm(Form):
    code = code_field(_l("Code"), _l("The six digits your authenticator app shows for the new account."),
                      inputmode="numeric")
