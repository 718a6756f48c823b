from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from app.forms import new_password_field


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Write your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field()
