"""Invoices by invoice number: recorded from the billing system with their lines and PDF, their
payment status kept up to date, listed and read."""
from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from app.blueprints.api import idempotent, resource, schemas
from app.i18n import lazy_gettext as _l
from app.services import invoices

bp = resource("invoices", __name__, "Invoices the customers see and pay (scopes invoices:read, invoices:write)")


@bp.page("/invoices", schemas.InvoiceQuerySchema, schemas.InvoicesSchema)
def invoice_list(after: int, limit: int, customer_number: str | None = None):
    """Invoices in the order they were recorded after the id `after`, optionally of one customer."""
    return invoices.invoices_after(after, customer_number, limit)


@bp.call("POST", "/invoices", schemas.InvoiceSchema,
         status=201, body=schemas.InvoiceInputSchema, description="Recorded")
@bp.alt_response(200, schema=schemas.InvoiceSchema, description="This invoice was recorded already; nothing changed")
@idempotent
def invoice_create(values: dict):
    """Record an invoice the billing system made. The reference number and IBAN must pass their
    checksums and the totals be the sums of the lines. Sent again with the same number and contents,
    nothing changes (200); another invoice under a number already used is refused (422)."""
    invoice, created = invoices.record(values)
    return invoices.by_number(invoice.number), 201 if created else 200


@bp.call("POST", "/invoices/finvoice", schemas.InvoicesSchema, status=201,
         description="Recorded (at least one invoice was new)")
@bp.doc(requestBody={
    "required": True, "description": "A Finvoice 3.0 message, or several Finvoice elements under one root",
    "content": {"application/xml": {"schema": {"type": "string"}}}})
@bp.alt_response(200, schema=schemas.InvoicesSchema, description="Every invoice was recorded already; nothing changed")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")  # the body is no JSON for webargs to document it
@idempotent
def invoice_import():
    """Record the invoices of a Finvoice 3.0 file, all or none, with the same checks as the JSON
    POST; each refusal names the Finvoice element it is about."""
    if request.mimetype not in ("application/xml", "text/xml"):
        raise UnsupportedMediaType(_l("Send the Finvoice with Content-Type application/xml."))
    recorded = invoices.import_finvoice(request.get_data())
    items = [invoices.by_number(invoice.number) for invoice, _ in recorded]
    return {"items": items}, 201 if any(created for _, created in recorded) else 200


@bp.call("GET", "/invoices/<invoice_number>", schemas.InvoiceSchema)
def invoice_read(invoice_number: str):
    return invoices.by_number(invoice_number)


@bp.call("PATCH", "/invoices/<invoice_number>", schemas.InvoiceSchema, body=schemas.InvoiceStatusSchema)
def invoice_status(values: dict, invoice_number: str):
    """The payment status: open, paid, partially_paid, overdue or credited."""
    return invoices.set_status(invoice_number, values["status"])
