from wtforms import SelectField

from app.forms import Form


class ChannelToggleForm(Form):
    """One channel's toggle: the state the customer asks for (1 chosen, 0 not chosen)."""

    chosen = SelectField(choices=["1", "0"])
