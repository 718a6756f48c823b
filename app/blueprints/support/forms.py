
from wtforms import (
    BooleanField,
    EmailField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.forms import AttachmentsField, CheckboxesField, DayField, Form, OperatorTimeField, SelectField, form_key_field
from app.i18n import lazy_gettext as _l
from app.labels import TOPICS
from app.services import support
from app.services.support import MAX_MESSAGE_LENGTH, Message
from app.validators import BAD_PHONE, EmailAddress, PhoneNumber


def _is_id(value: str) -> bool:
    """A choice's value as the form writes it: ASCII digits (str.isdigit also takes "²", no number)."""
    return value.isascii() and value.isdigit()


def _message_field(label, rows: int) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[InputRequired(message=_l("Write your message.")),
                    Length(max=MAX_MESSAGE_LENGTH, message=_l("The message can be at most %(max)d characters long."))],
        render_kw={"rows": rows, "maxlength": MAX_MESSAGE_LENGTH},
        description=_l("At most %(n)d characters.", n=MAX_MESSAGE_LENGTH),
    )


class ReplyForm(Form):
    idempotency_key = form_key_field()
    message = _message_field(_l("Your reply"), rows=5)
    attachments = AttachmentsField()


class FeedbackForm(Form):
    idempotency_key = form_key_field()
    topic = SelectField(_l("Topic"), choices=list(TOPICS.items()), validate_choice=False)
    message = _message_field(_l("Message"), rows=8)
    attachments = AttachmentsField()
    subscriptions = CheckboxesField(_l("Services to terminate"), choices=[], validate_choice=False)
    wished_end_date = DayField(_l("Wished end date"), validators=[Optional()],
                                description=_l("The services end on this day at the earliest."))
    fault_subscription = SelectField(_l("Service with the fault"), choices=[], validate_choice=False)
    fault_started_at = OperatorTimeField(_l("When the fault started"), validators=[Optional()],
                                         description=_l("Day and time, as closely as you know."))
    contact_requested = BooleanField(_l("I want to be contacted"))
    contact_email = EmailField(
        _l("Email address"),
        validators=[Optional(), Length(max=254, message=_l("The address can be at most %(max)d characters long.")),
                    EmailAddress()],
        render_kw={"autocomplete": "email"},
    )
    contact_phone = StringField(
        _l("Phone number"),
        validators=[Optional(), Length(max=40, message=BAD_PHONE), PhoneNumber()],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
        description=_l("For example 040 123 4567 or +358 40 1234567."),
    )

    def validate_subscriptions(self, field) -> None:
        if not all(_is_id(value) for value in field.data or []):
            raise ValidationError(_l("Choose only your own services that are in force."))

    def validate_fault_subscription(self, field) -> None:
        if field.data and not _is_id(field.data):
            raise ValidationError(_l("Choose only your own services that are in force."))

    def refusals(self) -> dict:
        """A termination's missing services come in the same answer as a mistyped phone number."""
        return support.refusals(self.message_to_send())

    def message_to_send(self) -> Message:
        """The message as written; a choice that is no id (refused on its field) is left out."""
        return Message(
            topic=self.topic.data, message=self.message.data or "", contact_requested=self.contact_requested.data,
            contact_email=self.contact_email.data or "", contact_phone=self.contact_phone.data or "",
            subscription_ids=[int(i) for i in self.subscriptions.data or [] if _is_id(i)],
            wished_end_date=self.wished_end_date.data,
            fault_subscription_id=int(f) if _is_id(f := self.fault_subscription.data or "") else None,
            fault_started_at=self.fault_started_at.data, idempotency_key=self.idempotency_key.data or None,
            attachments=self.attachments.data or [])
