"""Finvoice 3.0: the invoices a Finnish billing system sends, read into the fields the portal keeps.

Parsed with defusedxml (the standard library's parser with DTDs, entity declarations and external
references refused): a Finvoice has no DTD, so any file that declares one is refused whole, which
stops entity expansion ("billion laughs") and external entities (XXE) before anything is read.

The element names are those of the Finvoice 3.0 message (Finanssiala): InvoiceDetails/InvoiceNumber,
InvoiceDate and PaymentTermsDetails/InvoiceDueDate (Format="CCYYMMDD"), InvoiceTotalVatExcludedAmount,
InvoiceTotalVatAmount, InvoiceTotalVatIncludedAmount, BuyerPartyDetails/BuyerPartyIdentifier (the
customer number), EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID (IBAN),
EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier (the reference), and each
InvoiceRow's ArticleName, RowVatExcludedAmount, RowVatRatePercent, RowVatAmount and RowAmount.
Amounts are written with a decimal comma ("48,83").
"""
import re
from datetime import date
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from app.i18n import lazy_gettext as _l
from app.models import InvoiceLine
from app.services import DomainError
from app.validators import CONTROL_CHARACTERS, has_control_characters

# Where each field of the portal's invoice is in a Finvoice, so that an error names the element.
ELEMENTS = {
    "number": "InvoiceDetails/InvoiceNumber",
    "customer_number": "BuyerPartyDetails/BuyerPartyIdentifier",
    "invoice_date": "InvoiceDetails/InvoiceDate",
    "due_date": "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate",
    "reference": "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier",
    "iban": "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID",
    "net_cents": "InvoiceDetails/InvoiceTotalVatExcludedAmount",
    "vat_cents": "InvoiceDetails/InvoiceTotalVatAmount",
    "gross_cents": "InvoiceDetails/InvoiceTotalVatIncludedAmount",
}
ROW_ELEMENTS = {
    "description": "ArticleName",
    "net_cents": "RowVatExcludedAmount",
    "vat_basis_points": "RowVatRatePercent",
    "vat_cents": "RowVatAmount",
    "gross_cents": "RowAmount",
}
INVOICE_NUMBER = re.compile(r"[0-9A-Za-z-]{1,40}")
AMOUNT = re.compile(r"^(-?)([0-9]{1,9})(?:,([0-9]{1,2}))?$")  # ASCII digits: int() reads other scripts' too


class _Wrong(Exception):
    def __init__(self, message):
        self.message = message


# The longest text of an element the portal keeps (an invoice line's column), as the API's JSON takes it.
LONGEST = {"ArticleName": InvoiceLine.__table__.c.description.type.length}


def _text(parent: Element, path: str) -> str:
    """An element's text, by the rules of a text the API's JSON sends: without the spaces around it,
    no control characters (a right-to-left override would turn a line round on Laskut)."""
    found = parent.find(path)
    if found is None or not (found.text or "").strip():
        raise _Wrong(_l("The element is missing or empty."))
    text = found.text.strip()
    if has_control_characters(text):
        raise _Wrong(CONTROL_CHARACTERS)
    if len(text) > LONGEST.get(path, len(text)):
        raise _Wrong(_l("At most %(n)d characters.", n=LONGEST[path]))
    return text


NOT_AN_AMOUNT = _l("Not an amount such as 48,83.")


def _cents(text: str, hundredths: int = 2, wrong=NOT_AN_AMOUNT) -> int:
    match = AMOUNT.match(text)
    if match is None:
        raise _Wrong(wrong)
    sign, whole, fraction = match.groups()
    value = int(whole) * 10 ** hundredths + int((fraction or "").ljust(hundredths, "0"))
    return -value if sign else value


def _date(parent: Element, path: str) -> date:
    text = _text(parent, path)
    if parent.find(path).get("Format") != "CCYYMMDD" or not re.fullmatch(r"[0-9]{8}", text):
        raise _Wrong(_l("Not a date in the format CCYYMMDD."))
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise _Wrong(_l("Not a date in the format CCYYMMDD.")) from None


READERS = {"invoice_date": _date, "due_date": _date}
AMOUNTS = {"net_cents", "vat_cents", "gross_cents"}


def _read(parent: Element, elements: dict, where: str, problems: dict) -> dict:
    values = {}
    for name, path in elements.items():
        try:
            if name in READERS:
                values[name] = READERS[name](parent, path)
            elif name in AMOUNTS:
                values[name] = _cents(_text(parent, path))
            elif name == "vat_basis_points":
                # "25,5" % -> 2550 basis points
                values[name] = _cents(_text(parent, path), wrong=_l("Not a VAT rate such as 25,5."))
            else:
                values[name] = _text(parent, path)
        except _Wrong as wrong:
            problems[where + path] = wrong.message
    return values


def _invoice(root: Element, where: str, problems: dict) -> dict:
    values = {**_read(root, ELEMENTS, where, problems), "status": "open", "pdf": None}
    if not INVOICE_NUMBER.fullmatch(values.get("number", "-")):
        problems[where + ELEMENTS["number"]] = _l("1-40 letters, digits or hyphens.")
    rows = root.findall("InvoiceRow")
    if not rows:
        problems[where + "InvoiceRow"] = _l("The invoice has no rows.")
    values["lines"] = [_read(row, ROW_ELEMENTS, f"{where}InvoiceRow[{i + 1}]/", problems)
                       for i, row in enumerate(rows)]
    return values


def parse(data: bytes) -> list[dict]:
    """The invoices of a Finvoice file (one Finvoice, or several under one root), as `invoices.record` takes them.

    Every wrong element is named at once (keys such as "Finvoice[2]/InvoiceDetails/InvoiceDate");
    a file that is not well-formed, declares a DTD or entities, or holds no Finvoice is refused whole.
    """
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise DomainError(_l("The file declares a DTD or entities, which a Finvoice never has."),
                          field="file") from None
    except ParseError as error:
        raise DomainError(_l("The file is not well-formed XML (line %(line)s).", line=error.position[0]),
                          field="file") from None
    if root.tag == "Finvoice":
        found = [(root, "")]
    else:
        found = [(child, f"Finvoice[{i + 1}]/") for i, child in enumerate(root.findall("Finvoice"))]
    if not found:
        raise DomainError(_l("The file holds no Finvoice message."), field="file")
    problems = {}
    invoices = []
    for element, where in found:
        if element.get("Version") != "3.0":
            problems[where + "@Version"] = _l("Only Finvoice version 3.0 is read.")
        invoices.append(_invoice(element, where, problems))
    if problems:
        raise DomainError.of(problems)
    return invoices


def element_of(index: int, many: bool, field: str) -> str:
    """The Finvoice element of the portal's field (e.g. "lines.0.gross_cents"), to name it in an error."""
    where = f"Finvoice[{index + 1}]/" if many else ""
    parts = field.split(".")
    if parts[0] == "lines" and len(parts) == 3:
        return f"{where}InvoiceRow[{int(parts[1]) + 1}]/{ROW_ELEMENTS.get(parts[2], parts[2])}"
    return where + ELEMENTS.get(parts[0], parts[0])
