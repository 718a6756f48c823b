"""Form pieces shared by several areas."""
import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length

from app.security import MAX_PASSWORD_LENGTH
from app.web import DB_INT_MAX


def show_error(form, error) -> None:
    """A rule's refusal (a DomainError) next to its field, or above the form when it names none."""
    (getattr(form, error.field).errors if error.field else form.form_errors).append(error.message)


class IntegerField(wtforms.IntegerField):
    """A whole number an INTEGER column holds. WTForms would take a longer one and then overflow
    in NumberRange's float check (a 500); here it is refused next to the field."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > DB_INT_MAX:
            self.data = None
            raise ValueError(str(_l("The number is too large.")))


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("New password"),
        validators=[InputRequired(message=_l("Write a new password.")),
                    Length(max=MAX_PASSWORD_LENGTH,
                           message=_l("The password can be at most %(max)d characters long."))],
        render_kw={"autocomplete": "new-password", "minlength": 12, "maxlength": MAX_PASSWORD_LENGTH},
        description=_l("At least 12 characters. Several unrelated words are easy to remember and hard to guess."),
    )
