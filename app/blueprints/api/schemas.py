"""The API's request and response bodies: one declaration validates a request, shapes the answer
and becomes the OpenAPI document's schema."""
import base64
import binascii
import re
from datetime import UTC

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from app.i18n import lazy_gettext as _l
from app.models.customer import AGREEMENT_KINDS
from app.models.invoice import INVOICE_STATUSES
from app.models.outage import SEVERITIES
from app.services import DomainError, customer_import, inbox, invoices, outages
from app.services.catalog_admin import MAX_PRICE_CENTS
from app.services.customer_import import LIMITS
from app.validators import (
    CARD_NUMBER_PATTERN,
    CHECK_THE_DATE,
    CHECK_THE_TIME,
    CONTROL_CHARACTERS,
    FILLED_MULTILINE_TEXT_PATTERN,
    FILLED_TEXT_PATTERN,
    MULTILINE_TEXT_PATTERN,
    SPACES,
    TEXT_PATTERN,
    YEARS,
    has_control_characters,
)
from app.web import DB_INT_MAX

PAGE_LIMIT = 100


class Text(fields.String):
    """Text as the forms take it: without the spaces around it (so spaces alone are empty), no
    control characters (nor NUL, which Postgres cannot store); `multiline` text, as a form's text
    area, may hold line breaks and tabs. The document gives the rule as the field's pattern."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        # A text that must have a character (its Length's min) has one that is no space: spaces alone are empty.
        checks = kwargs.get("validate")
        filled = any(isinstance(check, validate.Length) and (check.min or 0) > 0
                     for check in (checks if isinstance(checks, list | tuple) else [checks]))
        patterns = {(False, False): TEXT_PATTERN, (True, False): MULTILINE_TEXT_PATTERN,
                    (False, True): FILLED_TEXT_PATTERN, (True, True): FILLED_MULTILINE_TEXT_PATTERN}
        metadata = {"pattern": patterns[multiline, filled], **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip(SPACES + "\t\r\n" if self.multiline else SPACES)
        if has_control_characters(text, self.multiline):
            raise ValidationError(str(CONTROL_CHARACTERS))
        return text


class Integer(fields.Integer):
    """An integer as JSON writes one. A number with a fraction (34.9) is refused, not cut to 34, and so is
    text ("3490", or "٣٤٩٠", which int() would read): a price or a rate sent wrong must not be taken as
    another. A whole number written with a point (3490.0) is an integer, as JSON Schema says."""

    def _validated(self, value):
        if isinstance(value, str) or isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Boolean(fields.Boolean):
    """JSON's true or false: "yes", "true" or 1 is refused, as a number sent as text is (an outage told
    to every customer is asked for as such, not by a value that happens to read as true)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class GroupCodes(fields.List):
    """Product groups named by their codes, read as their ids: a code of no group is refused on the
    field, with the body's other refusals (`outages.group_ids`, one statement)."""

    def __init__(self, **kwargs):
        super().__init__(Text(validate=validate.Length(max=40)), **kwargs)  # no NUL reaches the statement

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return outages.group_ids(super()._deserialize(value, attr, data, **kwargs))
        except DomainError as refusal:
            raise ValidationError(str(refusal.message)) from None


class QueryInteger(fields.Integer):
    """An integer in the address's query: ASCII digits only (int() would also read other scripts'),
    with a minus sign if it has one, so that -1 is told the field's range, not that it is no number."""

    def _validated(self, value):
        if not (isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value)):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


# validators.YEARS as the document says it (the whole day, so that a client's generator can write one)
YEARS_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class Day(fields.Date):
    """A day in `validators.YEARS`, as the console's date fields take it; the document gives the years as
    the field's pattern."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"pattern": YEARS_PATTERN, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if day.year not in YEARS:
            raise ValidationError(str(CHECK_THE_DATE))
        return day


DATE_AND_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:")
WITH_OFFSET = re.compile(r".*([Zz]|[+-][0-9]{2}:?[0-9]{2})")
NO_OFFSET = _l("Give the time with its offset from UTC, for example 2026-11-28T08:40:00+02:00 or "
               "2026-11-28T06:40:00Z.")


class UTCDateTimeField(fields.AwareDateTime):
    """A moment with its offset, as RFC 3339 writes it, in `validators.YEARS` (one at 9999-12-31T23:59
    is past what a local time can show). A time without an offset is refused: it could be UTC or the
    operator's local time, which differ by two or three hours."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not DATE_AND_TIME.match(value):  # a day alone is no moment
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        if isinstance(value, str) and not WITH_OFFSET.fullmatch(value):
            raise ValidationError(str(NO_OFFSET))
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment = moment.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError(str(CHECK_THE_TIME)) from error
        if moment.year not in YEARS:
            raise ValidationError(str(CHECK_THE_TIME))
        return moment


NOT_A_CURSOR = _l("Not a cursor of this API.")


class Cursor(fields.String):
    """Where the previous page ended, opaque to the client (the last customer number, encoded). The
    document says what one looks like (base64url without padding), so that no client sends an empty one."""

    def __init__(self, **kwargs):
        metadata = {"pattern": "^[A-Za-z0-9_-]+$", "minLength": 1, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            number = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise ValidationError(str(NOT_A_CURSOR)) from error
        if not number.isdigit() or len(number) > LIMITS["customer_number"]:
            raise ValidationError(str(NOT_A_CURSOR))
        return number


class ProblemFieldSchema(Schema):
    field = fields.String(required=True, metadata={"description": "The field, as a dotted path: `email`, "
                                                                  "`agreements.0.valid_until`"})
    detail = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details; `errors` names each field that was refused."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(ProblemFieldSchema))


# Customers ------------------------------------------------------------------------------------

class Row(Schema):
    """A row of the customer's with its id: read-only, so a list read and sent back in a PUT is
    taken as it is (the id is left out of what is loaded)."""

    id = Integer(dump_only=True, metadata={"description": "For ending or deleting this one"})

    @pre_load
    def _without_id(self, data, **kwargs):
        return {k: v for k, v in data.items() if k != "id"} if isinstance(data, dict) else data


class AgreementSchema(Row):
    kind = fields.String(required=True, validate=validate.OneOf(AGREEMENT_KINDS))
    valid_from = Day(required=True)
    valid_until = Day(allow_none=True, load_default=None, metadata={"description": "null: until further notice"})


class PayTvCardSchema(Row):
    card_number = Text(required=True, validate=validate.Length(min=1, max=40),
                       metadata={"pattern": CARD_NUMBER_PATTERN, "description": "Stored and answered in groups of four "
                                                                                "digits: 0100 2345 6789"})
    valid_until = Day(required=True)


class EndSchema(Schema):
    valid_until = Day(required=True, metadata={"description": "The last day it is in force"})


class AgreementsSchema(Schema):
    agreements = fields.List(fields.Nested(AgreementSchema), required=True, validate=validate.Length(max=50))


class PayTvCardsSchema(Schema):
    pay_tv_cards = fields.List(fields.Nested(PayTvCardSchema), required=True, validate=validate.Length(max=50))


def _limited(name: str, **kwargs) -> Text:
    """A contact field with the import's length limit (LIMITS), so both refuse the same."""
    return Text(validate=validate.Length(max=LIMITS[name]), **kwargs)


class CustomerInputSchema(Schema):
    """A customer as PUT by customer number; the import's rules apply (an empty email or language
    keeps the customer's own)."""

    name = Text(required=True, validate=validate.Length(min=1, max=LIMITS["name"]))
    street_address = _limited("street_address", load_default="")
    postal_code = _limited("postal_code", load_default="")
    city = _limited("city", load_default="")
    phone = _limited("phone", load_default="")
    email = _limited("email", load_default="", allow_none=True)
    language = fields.String(load_default="", validate=validate.OneOf(
        ("", "fi", "sv", "en"), error=_l("One of fi, sv and en; empty keeps the customer's own.")))

    @validates_schema(skip_on_field_errors=False)
    def _by_the_imports_rules(self, data: dict, **_kwargs) -> None:
        """The import's checks of the fields that were read (a postal code, a phone number…), so that
        their refusals come with the fields' own, not after them."""
        if found := customer_import.problems_of(data):
            raise ValidationError(found)


class CustomerSchema(Schema):
    customer_number = fields.String(required=True)
    name = fields.String(required=True)
    street_address = fields.String(required=True)
    postal_code = fields.String(required=True)
    city = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(allow_none=True, required=True)
    language = fields.String(attribute="locale", required=True)
    status = fields.String(required=True, validate=validate.OneOf(("active", "closed")))
    updated_at = fields.DateTime(required=True)
    agreements = fields.List(fields.Nested(AgreementSchema), required=True)
    pay_tv_cards = fields.List(fields.Nested(PayTvCardSchema), required=True)


class CustomerQuerySchema(Schema):
    updated_since = UTCDateTimeField(metadata={"description": "Only customers changed at or after this moment"})
    cursor = Cursor(metadata={"description": "`next_cursor` of the previous page"})
    limit = QueryInteger(load_default=50, validate=validate.Range(1, PAGE_LIMIT))


class CustomerPageSchema(Schema):
    items = fields.List(fields.Nested(CustomerSchema), required=True)
    next_cursor = Cursor(allow_none=True, required=True, metadata={"description": "null on the last page"})


class SubscriptionSchema(Schema):
    id = Integer(required=True)
    product = fields.String(attribute="product.code", required=True)
    status = fields.String(required=True)
    starts_on = Day(required=True)
    ends_on = Day(allow_none=True, required=True)


class SubscriptionsSchema(Schema):
    subscriptions = fields.List(fields.Nested(SubscriptionSchema), required=True)


# Orders and events ----------------------------------------------------------------------------

class OrderSchema(Schema):
    id = Integer(required=True)
    customer_number = fields.String(attribute="customer.customer_number", required=True)
    product = fields.String(attribute="product.code", required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    price_cents = Integer(required=True)
    reject_reason = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class PageQuerySchema(Schema):
    """A list read in pages by id: each page starts after the last id of the one before."""
    after = QueryInteger(load_default=0, validate=validate.Range(0, DB_INT_MAX),
                         metadata={"description": "Items with a greater id (the last id of the previous page)"})
    limit = QueryInteger(load_default=50, validate=validate.Range(1, PAGE_LIMIT))


class OrderQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(("new", "pending", "delivered", "rejected")))


class OrdersSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema), required=True)


class RejectSchema(Schema):
    reason = Text(multiline=True, required=True, validate=validate.Length(min=1, max=2000),
                  metadata={"description": "Sent to the customer by email"})


class EventQuerySchema(PageQuerySchema):
    limit = QueryInteger(load_default=100, validate=validate.Range(1, PAGE_LIMIT))


class EventSchema(Schema):
    """The webhook's body, with the same id."""

    id = Integer(required=True)
    event = fields.String(required=True)
    customer_id = Integer(allow_none=True, required=True)
    data = fields.Dict(required=True)


class EventsSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)


# Catalog and licence keys ---------------------------------------------------------------------

class ProductSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    price_cents = Integer(required=True, metadata={"description": "Per month, VAT included"})
    vat_basis_points = Integer(required=True, metadata={"description": "2550 = 25.5 %"})
    term_months = Integer(allow_none=True, required=True, metadata={"description": "null: until further notice"})
    requires_pay_tv_card = fields.Boolean(required=True)
    mix_size = Integer(allow_none=True, required=True)
    needs_licence_key = fields.Boolean(required=True)
    sellable = fields.Boolean(required=True)


class PriceSchema(Schema):
    price_cents = Integer(required=True, validate=validate.Range(0, MAX_PRICE_CENTS - 1),
                          metadata={"description": "Per month, VAT included"})
    vat_basis_points = Integer(required=True, validate=validate.Range(0, 9999),
                               metadata={"description": "2550 = 25.5 %"})


class GroupSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    products = fields.List(fields.Nested(ProductSchema), required=True)


class GroupsSchema(Schema):
    groups = fields.List(fields.Nested(GroupSchema), required=True)


class ChannelSchema(Schema):
    id = Integer(required=True)
    name = fields.String(required=True)
    genre = fields.String(required=True)
    retired = fields.Boolean(required=True)


class ChannelsSchema(Schema):
    channels = fields.List(fields.Nested(ChannelSchema), required=True)


class LicenceKeysSchema(Schema):
    keys = fields.List(Text(), required=True, validate=validate.Length(min=1, max=10000),
                       metadata={"description": "One key per item; all are added, or none"})


class LicenceKeysAddedSchema(Schema):
    added = Integer(required=True)
    given = Integer(required=True, metadata={"description": "Waiting orders that got their key at once"})


# Feedback and termination notices -------------------------------------------------------------

class FeedbackSchema(Schema):
    id = Integer(required=True)
    reference = fields.String(required=True)
    customer_number = fields.String(attribute="customer.customer_number", required=True)
    topic = fields.String(required=True)
    message = fields.String(required=True)
    contact_requested = fields.Boolean(required=True)
    contact_email = fields.String(required=True)
    contact_phone = fields.String(required=True)
    wished_end_date = Day(allow_none=True, required=True)
    subscriptions = fields.Pluck(SubscriptionSchema, "id", many=True, required=True,
                                 metadata={"description": "Ids of the subscriptions a termination notice names"})
    fault_subscription_id = Integer(allow_none=True, required=True,
                                    metadata={"description": "The subscription a fault report names"})
    fault_started_at = fields.DateTime(allow_none=True, required=True,
                                       metadata={"description": "When the fault a fault report tells of started"})
    status = fields.String(required=True)
    staff_note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class FeedbackQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(inbox.STATUSES))
    kind = fields.String(validate=validate.OneOf(("feedback", "termination")))


class FeedbackListSchema(Schema):
    items = fields.List(fields.Nested(FeedbackSchema), required=True)


class FeedbackStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(inbox.STATUSES))
    staff_note = Text(multiline=True, validate=validate.Length(max=5000),
                      metadata={"description": "Left out, the note stays as it is"})


class EndSubscriptionSchema(Schema):
    ends_on = Day(required=True, metadata={"description": "The last day of the subscription"})


# Invoices -------------------------------------------------------------------------------------

# Each amount at most 100 000 € either way (a credit note's are negative), at most 100 lines:
# any sum of them still fits the database's integer.
LINE_CENTS = validate.Range(-10_000_000, 10_000_000)
TOTAL_CENTS = validate.Range(-1_000_000_000, 1_000_000_000)
INVOICE_NUMBER = validate.Regexp(r"^[0-9A-Za-z-]{1,40}$", error=_l("1–40 letters, digits or hyphens."))


class Base64Bytes(fields.String):
    """A file in a JSON body, as base64."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return base64.b64decode(super()._deserialize(value, attr, data, **kwargs), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationError(str(_l("Not base64."))) from error


class Barcode(fields.String):
    """The invoice's virtual barcode, computed from the invoice (null when the barcode cannot carry it)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return invoices.barcode(obj)


class InvoiceLineSchema(Schema):
    description = Text(required=True, validate=validate.Length(min=1, max=200))
    detail = Text(load_default="", validate=validate.Length(max=100),
                  metadata={"description": "Period or quantity as the billing system words it"})
    net_cents = Integer(required=True, validate=LINE_CENTS)
    vat_basis_points = Integer(required=True, validate=validate.Range(0, 10000),
                               metadata={"description": "2550 = 25.5 %"})
    vat_cents = Integer(required=True, validate=LINE_CENTS)
    gross_cents = Integer(required=True, validate=LINE_CENTS, metadata={"description": "net + VAT"})


class InvoiceInputSchema(Schema):
    """An invoice of the billing system; the totals are the sums of the lines."""

    number = fields.String(required=True, validate=INVOICE_NUMBER)
    customer_number = Text(required=True, validate=validate.Length(min=1, max=LIMITS["customer_number"]))
    invoice_date = Day(required=True)
    due_date = Day(required=True)
    reference = Text(required=True, validate=validate.Length(min=1, max=40),
                     metadata={"description": "Finnish (1234561) or RF creditor reference (RF18 5390 0754 7034)"})
    iban = Text(required=True, validate=validate.Length(min=1, max=50))
    net_cents = Integer(required=True, validate=TOTAL_CENTS)
    vat_cents = Integer(required=True, validate=TOTAL_CENTS)
    gross_cents = Integer(required=True, validate=TOTAL_CENTS)
    status = fields.String(load_default="open", validate=validate.OneOf(INVOICE_STATUSES))
    lines = fields.List(fields.Nested(InvoiceLineSchema), required=True, validate=validate.Length(min=1, max=100))
    pdf = Base64Bytes(allow_none=True, load_default=None, metadata={"format": "byte",
                                                                    "description": "The PDF copy, base64"})


class InvoiceSchema(Schema):
    id = Integer(required=True)
    number = fields.String(required=True)
    customer_number = fields.String(attribute="customer.customer_number", required=True)
    invoice_date = Day(required=True)
    due_date = Day(required=True)
    reference = fields.String(required=True)
    iban = fields.String(required=True)
    net_cents = Integer(required=True)
    vat_cents = Integer(required=True)
    gross_cents = Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(INVOICE_STATUSES))
    lines = fields.List(fields.Nested(InvoiceLineSchema), required=True)
    has_pdf = fields.Boolean(required=True)
    virtual_barcode = Barcode(allow_none=True, required=True,
                              metadata={"description": "Version 4 or 5 of the Finnish bank barcode guide"})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class InvoiceQuerySchema(PageQuerySchema):
    customer_number = Text(validate=validate.Length(min=1, max=LIMITS["customer_number"]))


class InvoicesSchema(Schema):
    items = fields.List(fields.Nested(InvoiceSchema), required=True)


class InvoiceStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(INVOICE_STATUSES))


# Outages ----------------------------------------------------------------------------------------

class OutageUpdateSchema(Schema):
    posted_at = fields.DateTime(required=True)
    text = fields.String(required=True)


class OutageUpdateInputSchema(Schema):
    text = Text(multiline=True, required=True, validate=validate.Length(min=1, max=5000))


class OutageSchema(Schema):
    id = Integer(required=True)
    title = fields.String(required=True)
    title_sv = fields.String(allow_none=True, required=True)
    title_en = fields.String(allow_none=True, required=True)
    description = fields.String(required=True)
    description_sv = fields.String(allow_none=True, required=True)
    description_en = fields.String(allow_none=True, required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    all_customers = fields.Boolean(required=True)
    postal_codes = fields.List(fields.String(), required=True)
    municipalities = fields.List(fields.String(), required=True)
    groups = fields.Pluck(GroupSchema, "code", many=True, required=True,
                          metadata={"description": "Product groups affected; none: every service"})
    started_at = fields.DateTime(required=True)
    estimated_fix_at = fields.DateTime(allow_none=True, required=True)
    resolved_at = fields.DateTime(allow_none=True, required=True, metadata={"description": "null: still on"})
    closing_note = fields.String(required=True)
    updates = fields.List(fields.Nested(OutageUpdateSchema), required=True, metadata={"description": "Newest first"})


class OutageInputSchema(Schema):
    """An outage as the console's form takes it; the affected customers are told by the worker."""

    title = Text(required=True, validate=validate.Length(min=1, max=200))
    title_sv = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    title_en = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    description = Text(multiline=True, load_default="", validate=validate.Length(max=5000))
    description_sv = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=5000))
    description_en = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=5000))
    severity = fields.String(load_default="major", validate=validate.OneOf(SEVERITIES))
    all_customers = Boolean(load_default=False)
    postal_codes = fields.List(Text(validate=validate.Length(max=10)), load_default=list,
                               validate=validate.Length(max=1000))
    municipalities = fields.List(Text(validate=validate.Length(min=1, max=100)), load_default=list,
                                 validate=validate.Length(max=200))
    groups = GroupCodes(load_default=list, validate=validate.Length(max=50),
                        metadata={"description": "Codes of the affected product groups; none: every service"})
    started_at = UTCDateTimeField(required=True)
    estimated_fix_at = UTCDateTimeField(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _by_the_outages_rules(self, data: dict, **_kwargs) -> None:
        """The service's rules of the fields that were read (a place, the estimated fix after the start),
        so that their refusals come with the fields' own, not after them."""
        if found := outages.refusals(data, data.get("postal_codes"), data.get("municipalities")):
            raise ValidationError({field: str(message) for field, message in found.items()})


class OutageQuerySchema(PageQuerySchema):
    current = fields.Boolean(metadata={"description": "true: only those on now (begun, not resolved), as the public "
                                                      "page shows them; false: only resolved ones. One that begins "
                                                      "later is in neither."})


class OutagesSchema(Schema):
    items = fields.List(fields.Nested(OutageSchema), required=True)


class OutageResolveSchema(Schema):
    closing_note = Text(multiline=True, load_default="", validate=validate.Length(max=5000))
