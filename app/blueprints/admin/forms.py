import json

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.forms import (
    AttachmentsField,
    CheckboxesField,
    DayField,
    Form,
    IntegerField,
    OperatorTimeField,
    SelectField,
    form_key_field,
)
from app.i18n import lazy_gettext as _l
from app.labels import AGREEMENT_KINDS, FEEDBACK_STATUSES, LANGUAGES, OUTAGE_SEVERITIES
from app.services import DomainError, announcements, api_tokens, billing, catalog_admin, customers, outages, settings
from app.validators import BAD_PHONE, EmailAddress, MailDomain, PhoneNumber, PostalCode, Utf8Text


class CustomerForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write the name.")), Length(max=200)])
    street_address = StringField(_l("Street address"), validators=[Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=10), PostalCode()])
    city = StringField(_l("City"), validators=[Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Length(max=40, message=BAD_PHONE), PhoneNumber()],
                        render_kw={"type": "tel"})
    email = EmailField(_l("Email address"), validators=[
        Optional(), EmailAddress(), Length(max=254)])
    locale = SelectField(_l("Language"), choices=list(LANGUAGES.items()))
    # The details as the form showed them (`customers.shown`), so that a field left as it was is not written.
    shown = HiddenField()

    def contact(self) -> dict:
        return {name: self[name].data for name in customers.CONTACT_FIELDS}

    def shown_contact(self) -> dict | None:
        """The details the form was drawn with; None if the field was not sent as the page wrote it."""
        try:
            shown = json.loads(self.shown.data or "")
        except ValueError:
            return None
        return shown if isinstance(shown, dict) else None


class AgreementForm(Form):
    kind = SelectField(_l("Agreement"), choices=list(AGREEMENT_KINDS.items()))
    valid_from = DayField(_l("Valid from"), validators=[InputRequired(message=_l("Give the start date."))])
    valid_until = DayField(_l("Valid until"), validators=[Optional()],
                           description=_l("Empty: until further notice."))


class CardForm(Form):
    card_number = StringField(_l("Card number"), validators=[
        InputRequired(message=_l("Write the card number.")), Length(max=40)])
    valid_until = DayField(_l("Valid until"), validators=[InputRequired(message=_l("Give the end date."))])


class ActionForm(Form):
    """A button that changes something: only its CSRF token."""


class CloseForm(Form):
    confirm = BooleanField(_l("Yes, close the account"), validators=[
        InputRequired(message=_l("Tick the box to confirm."))])


class RejectForm(Form):
    reason = TextAreaField(_l("Reason for rejecting"), validators=[
        InputRequired(message=_l("Write the reason; it goes to the customer.")), Length(max=2000)],
        description=_l("Sent to the customer by email."))


class FeedbackForm(Form):
    # Not id="status": that is the layout's status region.
    status = SelectField(_l("Status"), id="feedback-status", choices=list(FEEDBACK_STATUSES.items()))
    staff_note = TextAreaField(_l("Internal note"), validators=[Length(max=5000)],
                               description=_l("Seen by the staff only."))


class StaffReplyForm(Form):
    idempotency_key = form_key_field()
    body = TextAreaField(_l("Reply to the customer"), validators=[
        InputRequired(message=_l("Write your reply.")), Length(max=5000)],
        render_kw={"rows": 6}, description=_l("Emailed to the customer with a link to the conversation."))
    attachments = AttachmentsField()


class CannedReplyForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write a name.")), Length(max=80)],
                       description=_l("Shown in the list on the reply form."))
    body = TextAreaField(_l("Text"), validators=[
        InputRequired(message=_l("Write the text.")), Length(max=5000)],
        render_kw={"rows": 5})


class EndSubscriptionForm(Form):
    ends_on = DayField(_l("Last day"), validators=[InputRequired(message=_l("Give the last day."))])


class LicenceKeysForm(Form):
    product_id = SelectField(_l("Product"), coerce=int)
    keys = TextAreaField(_l("Keys"), validators=[Optional(), Length(max=200_000)],
                         description=_l("One key per line."), render_kw={"rows": 8, "spellcheck": "false"})
    keys_file = FileField(_l("Or a text file of keys"), validators=[Optional(), Utf8Text()],
                          render_kw={"accept": ".txt,.csv,text/plain"})

    def key_text(self) -> str:
        return self.keys_file.text if self.keys_file.data else (self.keys.data or "")


class FinvoiceForm(Form):
    """The invoices' refusals are named by their Finvoice element, which is not a field of this form."""

    names_other_fields = True
    file = FileField(_l("Finvoice file"), validators=[FileRequired(message=_l("Choose the file."))],
                     description=_l("Finvoice 3.0 from the billing system: one invoice or many in one file."),
                     render_kw={"accept": ".xml,application/xml,text/xml"})


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose the file.")), Utf8Text()],
                     description=_l("From the billing system: semicolon- or comma-separated, UTF-8, "
                                    "the first line names the columns."),
                     render_kw={"accept": ".csv,text/csv"})

    def text(self) -> str:
        return self.file.text


class ConfirmImportForm(Form):
    content = HiddenField(validators=[InputRequired()])


def in_other_languages(kind: str) -> tuple:
    """The Swedish and English versions of a name or a description, for the readers of those
    languages; left empty, they see the Finnish one."""
    note = _l("Empty: the Finnish text is shown.")
    if kind == "name":
        return (StringField(_l("Name in Swedish"), validators=[Length(max=100)], description=note),
                StringField(_l("Name in English"), validators=[Length(max=100)], description=note))
    return (TextAreaField(_l("Description in Swedish"), validators=[Length(max=2000)], description=note,
                          render_kw={"rows": 3}),
            TextAreaField(_l("Description in English"), validators=[Length(max=2000)], description=note,
                          render_kw={"rows": 3}))


def position_field() -> IntegerField:
    """Where a product, group or channel stands in its list; empty is the first place, 0."""
    return IntegerField(_l("Position"), default=0, empty=0, validators=[NumberRange(min=0, max=10000)])


def parsed_by(parse):
    """A field's check by the service's own reading of it (`parse(text, field)`), so that its refusal
    comes with the form's other messages, not after them."""
    def check(_form, field):
        try:
            parse(field.data or "", field.name)
        except DomainError as error:
            raise ValidationError(str(error.message)) from error
    return check


class ProductForm(Form):
    group_id = SelectField(_l("Product group"), coerce=int)
    code = StringField(_l("Code"), validators=[InputRequired(message=_l("Write the code.")), Length(max=40)])
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write the name.")), Length(max=100)])
    name_sv, name_en = in_other_languages("name")
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)], render_kw={"rows": 3})
    description_sv, description_en = in_other_languages("description")
    price = StringField(_l("Price per month with VAT (€)"), validators=[
        InputRequired(message=_l("Write the price in euros, e.g. 12,90.")), parsed_by(catalog_admin.parse_euros)],
        description=_l("Applies to new orders only."), render_kw={"inputmode": "decimal"})
    vat = StringField(_l("VAT %"), default="25,5", validators=[InputRequired(message=_l("Write the VAT rate.")),
                                                               parsed_by(catalog_admin.parse_percent)],
                      render_kw={"inputmode": "decimal"})
    term_months = IntegerField(_l("Fixed term in months"), validators=[Optional(), NumberRange(min=1, max=120)],
                               description=_l("Empty: until further notice."))
    requires_pay_tv_card = BooleanField(_l("Needs a valid pay-TV card"))
    family = StringField(_l("Family"), validators=[Length(max=40)],
                         description=_l("Products of one family form an upgrade path, e.g. mix."))
    rank = IntegerField(_l("Rank in the family"), validators=[Optional(), NumberRange(min=1, max=100)])
    mix_size = IntegerField(_l("MIX size (channels)"), validators=[Optional(), NumberRange(min=1, max=200)])
    download_url = StringField(_l("Download address"), validators=[Length(max=500)], render_kw={"type": "url"})
    needs_licence_key = BooleanField(_l("Needs a licence key"))
    mailbox_count = IntegerField(_l("Mailboxes included"), default=0, empty=0, validators=[NumberRange(min=0, max=50)])
    sellable = BooleanField(_l("On sale"), default=True)
    position = position_field()

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product  # the product edited (None: a new one), for the service's rules

    def values(self) -> dict:
        """The product's fields as `catalog_admin.save_product` takes them, beside the price and VAT."""
        return {k: v for k, v in self.data.items() if k not in ("csrf_token", "price", "vat")}

    def refusals(self) -> dict:
        """A price that is no number comes in the same answer as a MIX size its customers' choices exceed."""
        return catalog_admin.refusals(self.product, self.price.data or "", self.vat.data or "", **self.values())


class GroupForm(Form):
    code = StringField(_l("Code"), validators=[InputRequired(message=_l("Write the code.")), Length(max=40)])
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write the name.")), Length(max=100)])
    name_sv, name_en = in_other_languages("name")
    position = position_field()


class ChannelForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write the name.")), Length(max=100)])
    name_sv, name_en = in_other_languages("name")
    genre = StringField(_l("Genre"), validators=[Length(max=60)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)], render_kw={"rows": 3})
    description_sv, description_en = in_other_languages("description")
    position = position_field()


class AnnouncementForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Write the title.")), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[InputRequired(message=_l("Write the text.")), Length(max=5000)],
                         description=_l("Plain text; web addresses become links."), render_kw={"rows": 6})
    valid_from = DayField(_l("Shown from"), validators=[InputRequired(message=_l("Give the start date."))])
    valid_until = DayField(_l("Shown until"), validators=[Optional()], description=_l("Empty: until removed."))
    audience_group_id = SelectField(_l("Shown to"), coerce=int)

    def refusals(self) -> dict:
        """An end before the start comes in the same answer as a missing title."""
        return announcements.refusals(self.valid_from.data, self.valid_until.data, self.audience_group_id.data)


class OutageForm(Form):
    title = StringField(_l("Title in Finnish"), validators=[
        InputRequired(message=_l("Write the title.")), Length(max=200)])
    title_sv = StringField(_l("Title in Swedish"), validators=[Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description in Finnish"), validators=[Length(max=5000)], render_kw={"rows": 4})
    description_sv = TextAreaField(_l("Description in Swedish"), validators=[Length(max=5000)], render_kw={"rows": 4})
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=5000)], render_kw={"rows": 4})
    severity = SelectField(_l("Severity"), choices=list(OUTAGE_SEVERITIES.items()), default="major")
    group_ids = CheckboxesField(_l("Affected services"), coerce=int, description=_l("None chosen: every service."))
    all_customers = BooleanField(_l("All customers"))
    postal_codes = StringField(_l("Postal codes"), validators=[Length(max=5000)],
                               description=_l("Separated by commas or spaces, e.g. 33100, 33200."))
    municipalities = StringField(_l("Municipalities"), validators=[Length(max=2000)],
                                 description=_l("Separated by commas, written as in the customers' addresses."))
    started_at = OperatorTimeField(_l("Started"), validators=[InputRequired(message=_l("Give the start time."))])
    estimated_fix_at = OperatorTimeField(_l("Estimated fix"), validators=[Optional()])

    def refusals(self) -> dict:
        """A missing place comes in the same answer as a mistyped time."""
        fields = {name: self[name].data for name in ("all_customers", "severity", "started_at", "estimated_fix_at")}
        places = outages.postal_codes(self.postal_codes.data), outages.municipalities(self.municipalities.data)
        return outages.refusals(fields, *places)


class OutageUpdateForm(Form):
    text = TextAreaField(_l("Update"), validators=[
        InputRequired(message=_l("Write the update.")), Length(max=5000)], render_kw={"rows": 3})


class OutageResolveForm(Form):
    closing_note = TextAreaField(_l("Closing note"), validators=[Length(max=5000)], render_kw={"rows": 3})


class OperatorForm(Form):
    name = StringField(_l("Operator name"), validators=[InputRequired(message=_l("Write the name.")), Length(max=100)])
    phone = StringField(_l("Customer service phone"), validators=[Length(max=40)], render_kw={"type": "tel"})
    hours = StringField(_l("Opening hours"), validators=[
        InputRequired(message=_l("Write the opening hours.")), Length(max=200)], description=_l("In Finnish."))
    hours_sv = StringField(_l("Opening hours in Swedish"), validators=[Length(max=200)],
                           description=_l("Empty: the Finnish text is shown."))
    hours_en = StringField(_l("Opening hours in English"), validators=[Length(max=200)],
                           description=_l("Empty: the Finnish text is shown."))
    email = EmailField(_l("Customer service email"), validators=[
        Optional(), EmailAddress(), Length(max=254)])
    mail_domain = StringField(_l("Mail domain"), validators=[InputRequired(message=_l("Write the domain.")),
                                                             Length(max=190), MailDomain()],
                              description=_l("The customers' mailboxes are under this domain."))
    reserved_local_parts = TextAreaField(
        _l("Reserved addresses"), validators=[Length(max=20_000)], render_kw={"rows": 6, "spellcheck": "false"},
        description=_l("Addresses before the @ sign that customers cannot take for a mailbox or an alias, one per "
                       "line. Capitals, full stops, hyphens and underscores do not matter: myynti also reserves "
                       "My.Ynti and my_ynti."))


STAFF_ROLES = [("staff", _l("Customer service")), ("admin", _l("Admin"))]


class StaffForm(Form):
    username = StringField(_l("Username"), validators=[InputRequired(message=_l("Write your username.")),
                                                       Length(max=64)], render_kw={"autocomplete": "off"})
    display_name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write the name.")), Length(max=200)])
    role = SelectField(_l("Role"), choices=STAFF_ROLES)
    new_password = PasswordField(_l("First password"), validators=[InputRequired(message=_l("Write a new password.")),
                                                               Length(max=256)],
                             description=_l("Give it to the member in person; "
                                            "two-factor login is set up at the first login."),
                             render_kw={"autocomplete": "new-password"})

    def refusals(self) -> dict:
        """A weak password comes in the same answer as a missing name."""
        return settings.staff_refusals(self.username.data or "", self.display_name.data or "", self.role.data or "",
                                       self.new_password.data or "")


class StaffChangeForm(Form):
    role = SelectField(_l("Role"), choices=STAFF_ROLES)


class MonthForm(Form):
    """The billing page's month: a GET form in the address, so the page can be linked to."""

    class Meta:
        csrf = False

    kuukausi = StringField(_l("Month"), validators=[
        DataRequired(message=_l("Give the month as YYYY-MM, e.g. 2026-11.")), parsed_by(billing.parse_month)],
        render_kw={"type": "month"})


SCOPE_CHOICES = [choice for group, what in api_tokens.GROUPS.items() for choice in (
    (f"{group}:read", _l("Read: %(what)s", what=what)), (f"{group}:write", _l("Change: %(what)s", what=what)))]


class ApiTokenForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write a name.")), Length(max=100)],
                       description=_l("Whose system uses it, e.g. Billing. "
                                      "Changes it makes are logged under this name."))
    scopes = CheckboxesField(_l("Permissions"), choices=SCOPE_CHOICES,
                             validators=[InputRequired(message=_l("Choose at least one permission."))])
    expires_on = DayField(_l("Valid until"), validators=[Optional()],
                          description=_l("Empty: until revoked."))

    def refusals(self) -> dict:
        """A day past comes in the same answer as a missing name."""
        return api_tokens.refusals(self.name.data or "", self.scopes.data or [], self.expires_on.data)
