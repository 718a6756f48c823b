"""Invoices: recorded from the operator's billing system, read by the customer who owes them.

The billing system makes the invoices; the portal keeps what it sends (the API's POST), checks
that the customer can pay with it (the reference's and the IBAN's checksums, the VAT sums),
follows its payment status, and shows each invoice to its own customer only.
"""
from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload, undefer

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Customer, Invoice, InvoiceLine, InvoicePreferenceRequest
from app.models.invoice import INVOICE_CHANNELS, UNPAID
from app.services import DomainError, NotFound, audit, finvoice, outbox, payments
from app.validators import CHECK_THE_DATE, YEARS

# What an invoice's lines and totals must agree on, field by field.
TOTALS = ("net_cents", "vat_cents", "gross_cents")
PDF_MAGIC = b"%PDF-"


def _problems(values: dict) -> dict:
    """Every reason the billing system's invoice cannot be shown for paying, by field."""
    problems = {}
    if not payments.is_valid_reference(values["reference"]):
        problems["reference"] = _l("The reference number's check digits do not match.")
    if not payments.is_valid_iban(values["iban"]):
        problems["iban"] = _l("The IBAN's check digits do not match.")
    for name in ("invoice_date", "due_date"):
        if values[name].year not in YEARS:
            problems[name] = CHECK_THE_DATE
    if values["due_date"] < values["invoice_date"] and "due_date" not in problems:
        problems["due_date"] = _l("The due date is before the invoice date.")
    for i, line in enumerate(values["lines"]):
        if line["gross_cents"] != line["net_cents"] + line["vat_cents"]:
            problems[f"lines.{i}.gross_cents"] = _l("The amount with VAT is not the amount without VAT plus VAT.")
        # Within a cent of the exact VAT either way: a billing system may round a line's VAT its own way.
        if abs(line["vat_cents"] * 10_000 - line["net_cents"] * line["vat_basis_points"]) > 10_000:
            problems[f"lines.{i}.vat_cents"] = _l("The VAT is not the line's VAT rate of its amount without VAT.")
    for name in TOTALS:
        if values[name] != sum(line[name] for line in values["lines"]):
            problems[name] = _l("The total is not the sum of the lines.")
    if values["gross_cents"] < 0 and "gross_cents" not in problems:  # Etusivu would ask the customer to pay it
        problems["gross_cents"] = _l("The total is below zero: a credit note is not an invoice to pay.")
    if values.get("pdf") is not None and not values["pdf"].startswith(PDF_MAGIC):
        problems["pdf"] = _l("The file is not a PDF.")
    return problems


def _same(invoice: Invoice, customer: Customer, values: dict) -> bool:
    """Whether a resent invoice is the one already recorded (its status may have moved on since)."""
    lines = [{k: getattr(line, k) for k in ("description", "detail", "net_cents", "vat_basis_points", "vat_cents",
                                             "gross_cents")} for line in invoice.lines]
    return (invoice.customer_id == customer.id and invoice.invoice_date == values["invoice_date"]
            and invoice.due_date == values["due_date"]
            and invoice.reference == payments.reference_of(values["reference"])
            and invoice.iban == payments.compact(values["iban"]) and invoice.pdf == values.get("pdf")
            and all(getattr(invoice, name) == values[name] for name in TOTALS)
            and lines == [{"detail": "", **line} for line in values["lines"]])


def _find(number: str) -> Invoice | None:
    return db.session.scalar(select(Invoice).options(selectinload(Invoice.lines), undefer(Invoice.pdf))
                             .where(Invoice.number == number))


# Postgres's transaction-level advisory lock that invoice writes take in turn (any number: the
# portal takes no other).
INVOICE_WRITERS_LOCK = 8_104_221


def _reference_owners(references: set[str]) -> dict[str, set[int]]:
    """The customers whose invoices already carry each of these reference numbers, in one statement.

    Invoice writes take turns from here to their commit: two customers' invoices with one new reference
    number, sent at the same moment, would each find no owner and both be stored (a constraint cannot say
    "one customer's"). On SQLite the writer lock already orders them; billing systems send invoices in
    batches, so the turns cost nothing a customer sees."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INVOICE_WRITERS_LOCK})
    owners = defaultdict(set)
    for reference, customer_id in db.session.execute(
            select(Invoice.reference, Invoice.customer_id).where(Invoice.reference.in_(references)).distinct()):
        owners[reference].add(customer_id)
    return owners


# A reference number tells the bank's payment to whom it belongs: one customer's invoices may share one
# (a customer's standing reference), two customers' may not.
OTHERS_REFERENCE = _l("Another customer's invoice has this reference number: their payments could not be told apart.")


def record(values: dict) -> tuple[Invoice, bool]:
    """The billing system's invoice, with its lines and PDF; returns it and whether it is new.

    Keyed by the invoice number: the same invoice sent again changes nothing (a retry after a
    lost answer), but another invoice under a number already used is refused.
    """
    problems = _problems(values)
    customer = db.session.scalar(select(Customer).where(Customer.customer_number == values["customer_number"]))
    if customer is None:
        problems["customer_number"] = _l("There is no customer with this number.")
    elif "reference" not in problems:
        reference = payments.reference_of(values["reference"])
        if _reference_owners({reference})[reference] - {customer.id}:
            problems["reference"] = OTHERS_REFERENCE
    if problems:
        raise DomainError.of(problems)
    existing = _find(values["number"])
    if existing is None:
        try:
            existing = _create(customer, values)
            db.session.commit()
        except IntegrityError:  # the same number recorded by a request answered at the same moment
            db.session.rollback()
            existing = _find(values["number"])
            if existing is None:
                raise
        else:
            return existing, True
    if not _same(existing, customer, values):
        raise DomainError(_l("An invoice with this number has already been recorded with other contents."),
                          field="number")
    return existing, False


def _create(customer: Customer, values: dict) -> Invoice:
    invoice = Invoice(
        customer=customer, number=values["number"], invoice_date=values["invoice_date"],
        due_date=values["due_date"], reference=payments.reference_of(values["reference"]),
        iban=payments.compact(values["iban"]), status=values["status"], pdf=values.get("pdf"),
        lines=[InvoiceLine(position=i, **{"detail": "", **line}) for i, line in enumerate(values["lines"])],
        **{name: values[name] for name in TOTALS})
    db.session.add(invoice)
    db.session.flush()
    audit.record("invoice.recorded", customer.id, invoice=invoice.number)
    return invoice


def import_finvoice(data: bytes) -> list[tuple[Invoice, bool]]:
    """The invoices of a Finvoice 3.0 file, each with whether it is new: all of them or none.

    The same checks as `record` (an invoice sent again changes nothing), each refusal named by the
    Finvoice element it came from; the console's upload and the API's XML body both come here.
    """
    parsed = finvoice.parse(data)
    many = len(parsed) > 1
    numbers = Counter(values["number"] for values in parsed)
    # A month's file may hold thousands: its customers and recorded invoices in one statement each.
    customers = {c.customer_number: c for c in db.session.scalars(
        select(Customer).where(Customer.customer_number.in_({values["customer_number"] for values in parsed})))}
    recorded = {i.number: i for i in db.session.scalars(
        select(Invoice).options(selectinload(Invoice.lines), undefer(Invoice.pdf))
        .where(Invoice.number.in_(list(numbers))))}
    references = {payments.reference_of(values["reference"]) for values in parsed}
    owners = _reference_owners(references)
    in_file = defaultdict(set)  # the file's own customers of each reference number
    for values in parsed:
        in_file[payments.reference_of(values["reference"])].add(values["customer_number"])
    problems = {}
    for i, values in enumerate(parsed):
        found = _problems(values)
        customer, existing = customers.get(values["customer_number"]), recorded.get(values["number"])
        reference = payments.reference_of(values["reference"])
        if customer is None:
            found["customer_number"] = _l("There is no customer with this number.")
        elif "reference" not in found and (owners[reference] - {customer.id} or len(in_file[reference]) > 1):
            found["reference"] = OTHERS_REFERENCE
        if numbers[values["number"]] > 1:
            found["number"] = _l("The file holds two invoices with this number.")
        if existing is not None and customer is not None and not _same(existing, customer, values):
            found["number"] = _l("An invoice with this number has already been recorded with other contents.")
        problems.update({finvoice.element_of(i, many, field): message for field, message in found.items()})
    if problems:
        raise DomainError.of(problems)
    results = [(recorded[values["number"]], False) if values["number"] in recorded
               else (_create(customers[values["customer_number"]], values), True) for values in parsed]
    db.session.commit()
    return results


def by_number(number: str) -> Invoice:
    """The invoice with this number, lines and customer loaded, or NotFound."""
    invoice = db.session.scalar(select(Invoice).options(selectinload(Invoice.lines), joinedload(Invoice.customer))
                                .where(Invoice.number == number))
    if invoice is None:
        raise NotFound(number)
    return invoice


def set_status(number: str, status: str) -> Invoice:
    """The payment status the billing system reports (paid, partially paid, overdue, credited)."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.number == number).with_for_update())
    if invoice is None:
        raise NotFound(number)
    if invoice.status != status:
        audit.record("invoice.status", invoice.customer_id, invoice=number, old=invoice.status, new=status)
        invoice.status = status
    db.session.commit()
    return by_number(number)


def invoices_after(after: int, customer_number: str | None, limit: int) -> list[Invoice]:
    """Invoices with an id above `after`, in id order (the API's pages), optionally of one customer."""
    statement = (select(Invoice).options(selectinload(Invoice.lines), joinedload(Invoice.customer))
                 .where(Invoice.id > after).order_by(Invoice.id).limit(limit))
    if customer_number:
        statement = statement.join(Customer).where(Customer.customer_number == customer_number)
    return list(db.session.scalars(statement))


def of_customer(customer_id: int) -> list[Invoice]:
    """The customer's invoices, newest first (the PDFs are not loaded)."""
    return list(db.session.scalars(select(Invoice).where(Invoice.customer_id == customer_id)
                                   .order_by(Invoice.invoice_date.desc(), Invoice.id.desc())))


def owned(customer_id: int, invoice_id: int) -> Invoice:
    """The customer's own invoice with its lines, or NotFound (also when it is someone else's)."""
    invoice = db.session.scalar(select(Invoice).options(selectinload(Invoice.lines))
                                .where(Invoice.id == invoice_id, Invoice.customer_id == customer_id))
    if invoice is None:
        raise NotFound(invoice_id)
    return invoice


def pdf_of(customer_id: int, invoice_id: int) -> tuple[str, bytes]:
    """The file name and bytes of the customer's own invoice's PDF, or NotFound."""
    row = db.session.execute(select(Invoice.number, Invoice.pdf)
                             .where(Invoice.id == invoice_id, Invoice.customer_id == customer_id)).first()
    if row is None or row.pdf is None:
        raise NotFound(invoice_id)
    return f"lasku-{row.number}.pdf", row.pdf


def barcode(invoice: Invoice) -> str | None:
    return payments.virtual_barcode(invoice.iban, invoice.gross_cents, invoice.reference, invoice.due_date)



# Etusivu asks on every visit: built once, as subscriptions.SUBSCRIPTIONS.
OVERDUE = select(Invoice).where(
    Invoice.customer_id == bindparam("customer_id"), Invoice.status.in_(UNPAID),
    (Invoice.due_date < bindparam("day")) | (Invoice.status == "overdue")).order_by(Invoice.due_date, Invoice.id)


def overdue_of(customer_id: int, day: date) -> list[Invoice]:
    """The customer's invoices not paid in full whose due date has passed, or which the billing system
    reports overdue, oldest first (for Etusivu). The due date decides as well as the status: the billing
    system may report it a day late."""
    return list(db.session.scalars(OVERDUE, {"customer_id": customer_id, "day": day}))


def preference_of(customer_id: int) -> InvoicePreferenceRequest | None:
    """The customer's latest request of how to get their invoices, if any."""
    return db.session.scalar(select(InvoicePreferenceRequest).where(InvoicePreferenceRequest.customer_id == customer_id)
                             .order_by(InvoicePreferenceRequest.requested_at.desc(), InvoicePreferenceRequest.id.desc())
                             .limit(1))


def request_preference(customer: Customer, channel: str) -> InvoicePreferenceRequest:
    """Pass the customer's wish on to the billing system (the event) and the staff (the record).
    Asking again for what was asked last is refused: nothing new would reach anyone."""
    if channel not in INVOICE_CHANNELS:
        raise DomainError(_l("Choose how you want your invoices."), field="channel")
    if channel == "email" and not customer.email:
        raise DomainError(_l("We have no email address of yours; add one under User details first."),
                          field="channel")
    # The same request sent twice at once: asked once. (Not `refresh`: it would lock with the joins the
    # session's customer was loaded with, and Postgres locks no row on an outer join's nullable side.)
    db.session.scalars(select(Customer).where(Customer.id == customer.id).with_for_update()
                       .execution_options(populate_existing=True)).one()
    latest = preference_of(customer.id)
    if latest is not None and latest.channel == channel:
        raise DomainError(_l("You have asked for this already; the request is with customer service."),
                          field="channel")
    request = InvoicePreferenceRequest(customer_id=customer.id, channel=channel)
    db.session.add(request)
    db.session.flush()
    audit.record("invoice_preference.requested", customer.id, channel=channel)
    outbox.queue_event("invoice_preference.requested", customer.id, customer_number=customer.customer_number,
                       channel=channel, email=customer.email if channel == "email" else None)
    db.session.commit()
    return request
