from wtforms import HiddenField
from wtforms.validators import AnyOf

from app.forms import Form
from app.i18n import lazy_gettext as _l


class ChannelToggleForm(Form):
    """One channel's toggle: the state the customer asks for (1 chosen, 0 not chosen). The value is the
    pressed toggle's own, so only a request made by hand sends another: it is said in the picker's alert."""

    chosen = HiddenField(validators=[AnyOf(("1", "0"), message=_l(
        "The request did not say whether to add or remove the channel. Choose the channel again."))])
