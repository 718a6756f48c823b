from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length

from app.forms import new_password_field


class LoginForm(FlaskForm):
    login = StringField(
        _l("Customer number or email address"),
        validators=[InputRequired(message=_l("Write your customer number or email address.")),
                    Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Write your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(message=_l("Write your email address.")),
                    Email(message=_l("Check the email address."), check_deliverability=False),
                    Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class SetPasswordForm(FlaskForm):
    new_password = new_password_field()


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[InputRequired(message=_l("Write the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none",
                   "spellcheck": "false"},
        description=_l("The six digits your authenticator app shows now, or one of your recovery codes."),
    )
