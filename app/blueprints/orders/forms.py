from wtforms import HiddenField
from wtforms.validators import InputRequired, Length

from app.forms import Form
from app.i18n import lazy_gettext as _l

# The hidden fields come from the page itself: only an old or altered page lacks them.
FORM_EXPIRED = _l("The form has expired. Check the order and confirm it again.")


def idempotency_key_field() -> HiddenField:
    """One key per confirmation page: posting the form again gives the same order."""
    return HiddenField(validators=[InputRequired(FORM_EXPIRED), Length(min=16, max=64, message=FORM_EXPIRED)])


class ConfirmOrderForm(Form):
    group = HiddenField(validators=[Length(max=40, message=FORM_EXPIRED)])
    idempotency_key = idempotency_key_field()


class UpgradeForm(Form):
    product = HiddenField(validators=[InputRequired(FORM_EXPIRED), Length(max=40, message=FORM_EXPIRED)])
    idempotency_key = idempotency_key_field()
