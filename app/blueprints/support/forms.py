import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.support import MAX_MESSAGE_LENGTH, TOPIC_LABELS
from app.validators import BAD_PHONE, NoControlCharacters, PhoneNumber


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Check the date.")) from error


class FeedbackForm(FlaskForm):
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex, validators=[Length(max=40)])
    topic = SelectField(_l("Topic"), choices=list(TOPIC_LABELS.items()), validate_choice=False)
    message = TextAreaField(
        _l("Message"),
        validators=[InputRequired(message=_l("Write your message.")),
                    Length(max=MAX_MESSAGE_LENGTH, message=_l("The message can be at most %(max)d characters long.")),
                    NoControlCharacters(multiline=True)],
        render_kw={"rows": 8, "maxlength": MAX_MESSAGE_LENGTH},
        description=_l("At most %(n)d characters.", n=MAX_MESSAGE_LENGTH),
    )
    subscriptions = CheckboxesField(_l("Services to terminate"), choices=[], validate_choice=False)
    wished_end_date = DayField(_l("Wished end date"), validators=[Optional()],
                                description=_l("The services end on this day at the earliest."))
    contact_requested = BooleanField(_l("I want to be contacted"))
    contact_email = EmailField(
        _l("Email address"),
        validators=[Optional(), Length(max=254, message=_l("The address can be at most %(max)d characters long.")),
                    NoControlCharacters(),
                    Email(message=_l("Check the email address."), check_deliverability=False)],
        render_kw={"autocomplete": "email"},
    )
    contact_phone = StringField(
        _l("Phone number"),
        validators=[Optional(), Length(max=40, message=BAD_PHONE), NoControlCharacters(), PhoneNumber()],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
        description=_l("For example 040 123 4567 or +358 40 1234567."),
    )
