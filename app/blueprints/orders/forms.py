from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, Length


def idempotency_key_field() -> HiddenField:
    """One key per confirmation page: posting the form again gives the same order."""
    return HiddenField(validators=[InputRequired(), Length(min=16, max=64)])


class ConfirmOrderForm(FlaskForm):
    group = HiddenField(validators=[Length(max=40)])
    idempotency_key = idempotency_key_field()


class UpgradeForm(FlaskForm):
    product = HiddenField(validators=[InputRequired(), Length(max=40)])
    idempotency_key = idempotency_key_field()
