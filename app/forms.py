"""Form pieces shared by several areas."""
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from app.security import MAX_PASSWORD_LENGTH


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("New password"),
        validators=[InputRequired(message=_l("Write a new password.")),
                    Length(max=MAX_PASSWORD_LENGTH,
                           message=_l("The password can be at most %(max)d characters long."))],
        render_kw={"autocomplete": "new-password", "minlength": 12, "maxlength": MAX_PASSWORD_LENGTH},
        description=_l("At least 12 characters. Several unrelated words are easy to remember and hard to guess."),
    )
