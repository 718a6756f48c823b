from flask_wtf import FlaskForm
from wtforms import SelectField


class ChannelToggleForm(FlaskForm):
    """One channel's toggle: the state the customer asks for (1 chosen, 0 not chosen)."""

    chosen = SelectField(choices=["1", "0"])
