"""Customers from the billing system as CSV: every row checked first, then all imported at once.

Keyed by customer number, so importing the same file again updates rather than duplicates.
Agreements named in a row are added when the customer has none of that kind in force on
the given start date; nothing is ever removed by an import.
"""
import csv
import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Agreement, Customer
from app.models.customer import AGREEMENT_KINDS
from app.services import DomainError, audit
from app.validators import POSTAL_CODE, YEARS, has_control_characters, normalise_email, normalise_phone

COLUMNS = ("customer_number", "name", "street_address", "postal_code", "city", "phone", "email", "language",
           "agreements", "agreements_from")
REQUIRED = ("customer_number", "name")
LIMITS = {"customer_number": 20, "name": 200, "street_address": 200, "postal_code": 10, "city": 100,
          "phone": 40, "email": 254}
NUMBER = re.compile(r"[0-9]+")  # its length is one of LIMITS
MAX_ROWS = 20000


@dataclass
class Row:
    line: int
    values: dict[str, str]
    kinds: list[str] = field(default_factory=list)
    since: date | None = None
    exists: bool = False
    # The file's columns: a contact column the file leaves out keeps what is stored (the API's PUT has them all).
    present: frozenset[str] = frozenset(COLUMNS)


@dataclass
class Preview:
    rows: list[Row]
    errors: list[tuple[int, str]]

    @property
    def new(self) -> int:
        return sum(not r.exists for r in self.rows)

    @property
    def updated(self) -> int:
        return sum(r.exists for r in self.rows)


def _date(text: str) -> date:
    """A day as d.m.yyyy or yyyy-mm-dd."""
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _records(text: str):
    """(line number, cells) of every line of the file. Each line is a record of its own: no column
    takes a line break (it is a control character), so a quote left open is that line's error, not
    a field that swallows the lines after it and is reported on the last of them. The cells are
    None when the line cannot be read as CSV (a field over the csv module's limit of 131 072
    characters, or quotes that do not close on the line), so a bad line is a line error of the
    preview like any other."""
    lines = io.StringIO(text.lstrip("\ufeff"), newline=None)  # \r\n and \r end a line as \n does
    first = lines.readline()
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    for number, line in enumerate(itertools.chain([first], lines), 1):
        try:
            yield number, next(csv.reader([line.rstrip("\n")], delimiter=delimiter, strict=True), [])
        except csv.Error:
            yield number, None


def _check(row: Row) -> list[tuple[str, str]]:
    """(column, message) of every problem of the row."""
    v = row.values
    problems = [(c, str(_l("%(column)s is missing", column=c))) for c in REQUIRED if not v[c]]
    problems += [(c, str(_l("%(column)s is longer than %(n)d characters", column=c, n=n)))
                 for c, n in LIMITS.items() if len(v[c]) > n]
    problems += [(c, str(_l("%(column)s has control characters", column=c)))
                 for c in COLUMNS if has_control_characters(v[c])]
    if v["customer_number"] and not NUMBER.fullmatch(v["customer_number"]):
        problems.append(("customer_number", str(_l("customer_number must be digits"))))
    # As the forms take them: one plain address (`a,b@evil.example` would be two recipients), and a
    # phone number in international format.
    for column, normalise, problem in (("email", normalise_email, _l("email is not an email address")),
                                       ("phone", normalise_phone, _l("phone is not a phone number"))):
        if v[column]:
            normalised = normalise(v[column])
            if normalised is None:
                problems.append((column, str(problem)))
            else:
                v[column] = normalised
    if v["postal_code"] and not POSTAL_CODE.fullmatch(v["postal_code"]):
        problems.append(("postal_code", str(_l("postal_code is not five digits"))))
    if v["language"] not in ("", "fi", "sv", "en"):
        problems.append(("language", str(_l("language must be fi, sv or en"))))
    kinds = [k.strip() for k in re.split(r"[,\s]+", v["agreements"]) if k.strip()]
    unknown = [k for k in kinds if k not in AGREEMENT_KINDS]
    if unknown:
        problems.append(("agreements", str(_l("unknown agreement %(kind)s (connection, service or billing)",
                                              kind=unknown[0]))))
    row.kinds = [k for k in kinds if k in AGREEMENT_KINDS]
    if v["agreements_from"]:
        try:
            row.since = _date(v["agreements_from"])
        except ValueError:
            problems.append(("agreements_from", str(_l("agreements_from is not a date (d.m.yyyy)"))))
        else:
            if row.since.year not in YEARS:  # the years every date field takes (`validators.YEARS`)
                problems.append(("agreements_from", str(_l("agreements_from is not in the years 1900–2199"))))
    elif row.kinds:
        problems.append(("agreements_from", str(_l("agreements_from is missing"))))
    return problems


def preview(text: str) -> Preview:
    """Every row read and checked; `errors` lists (line number, message), sorted by line."""
    records = _records(text)
    _, header = next(records, (0, []))
    header = [h.strip().lower() for h in header or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DomainError(_l("The first line must name the columns; missing: %(columns)s",
                             columns=", ".join(missing)), field="file")
    rows, errors, numbers, emails = [], [], {}, {}
    for line, record in records:
        if record is None:
            errors.append((line, str(_l("the line cannot be read: a field is over %(n)d characters long or its "
                                        "quotes do not close", n=csv.field_size_limit()))))
            continue
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            raise DomainError(_l("At most %(n)d rows at a time.", n=MAX_ROWS), field="file")
        if len(record) != len(header):
            errors.append((line, str(_l("%(n)d columns instead of %(m)d", n=len(record), m=len(header)))))
            continue
        values = {c: record[header.index(c)].strip() if c in header else "" for c in COLUMNS}
        values["email"] = values["email"].lower()
        row = Row(line, values, present=frozenset(header) & frozenset(COLUMNS))
        problems = [message for _column, message in _check(row)]
        number = values["customer_number"]
        if number in numbers:
            problems.append(str(_l("customer %(number)s is on line %(line)d too", number=number, line=numbers[number])))
        numbers.setdefault(number, line)
        if values["email"] and values["email"] in emails:
            problems.append(str(_l("email is on line %(line)d too", line=emails[values["email"]])))
        emails.setdefault(values["email"], line)
        errors += [(line, p) for p in problems]
        rows.append(row)
    _check_database(rows, errors)
    if not rows and not errors:
        raise DomainError(_l("The file has no customers."), field="file")
    return Preview(rows, sorted(errors))


def _check_database(rows: list[Row], errors: list) -> None:
    """Two statements whatever the row count: which numbers exist, and whose the emails are."""
    numbers = [r.values["customer_number"] for r in rows]
    existing = set(db.session.scalars(select(Customer.customer_number).where(Customer.customer_number.in_(numbers))))
    for row in rows:
        row.exists = row.values["customer_number"] in existing
    owners = _email_owners([r.values["email"] for r in rows if r.values["email"]])
    for row in rows:
        owner = owners.get(row.values["email"])
        if owner and owner != row.values["customer_number"]:
            errors.append((row.line, str(_l("email belongs to customer %(number)s", number=owner))))


def _email_owners(emails: list[str]) -> dict[str, str]:
    """The customer number each of these addresses belongs to, in one statement."""
    return dict(db.session.execute(
        select(Customer.email, Customer.customer_number).where(Customer.email.in_(emails))
    ).tuples().all()) if emails else {}


def _save(customer: Customer, row: Row) -> None:
    """A checked row onto its customer (new or not): the one way the import and the API write a customer.

    An empty email or language keeps the customer's own, as does a column the file does not have;
    agreements are added, never removed."""
    v = row.values
    for column in ("name", "street_address", "postal_code", "city", "phone"):
        if column in row.present:
            setattr(customer, column, v[column])
    customer.email = v["email"] or customer.email
    customer.locale = v["language"] or customer.locale or "fi"
    for kind in row.kinds:
        if not any(a.kind == kind and a.is_valid_on(row.since) for a in customer.agreements):
            customer.agreements.append(Agreement(kind=kind, valid_from=row.since))


def problems_of(values: dict[str, str]) -> dict[str, str]:
    """The first problem of each of these columns by a row's checks (not the ones that ask the database),
    for the API to say with the other refusals of its body."""
    row = Row(0, {c: str(values.get(c) or "").strip() for c in COLUMNS})
    return {column: message for column, message in dict(reversed(_check(row))).items() if column in values}


def upsert_customer(values: dict[str, str]) -> tuple[Customer, bool]:
    """One customer by number, as a row of the import (the API's PUT): the same checks, the same
    conflict rule for email, the same `_save`. Returns the customer and whether it is new."""
    row = Row(0, {c: str(values.get(c) or "").strip() for c in COLUMNS})
    row.values["email"] = row.values["email"].lower()
    problems = dict(reversed(_check(row)))  # the first problem of each field
    number, email = row.values["customer_number"], row.values["email"]
    owner = _email_owners([email]).get(email) if email and "email" not in problems else None
    if owner and owner != number:
        problems["email"] = str(_l("email belongs to customer %(number)s", number=owner))
    if problems:
        raise DomainError.of(problems)
    customer = db.session.scalar(select(Customer).options(selectinload(Customer.agreements))
                                 .where(Customer.customer_number == number).with_for_update())
    created = customer is None
    if created:
        customer = Customer(customer_number=number)
        db.session.add(customer)
    before = _saved_values(customer)
    _save(customer, row)
    # Audited with what changed, and only if something did: the same PUT again is no event.
    if changed := sorted(name for name, value in _saved_values(customer).items() if created or before[name] != value):
        db.session.flush()
        audit.record("customer.upserted", customer.id, new=created, fields=changed)
    db.session.commit()
    return customer, created


def _saved_values(customer: Customer) -> dict:
    """What `_save` writes of a customer, to tell what it changed."""
    return {"name": customer.name, "street_address": customer.street_address, "postal_code": customer.postal_code,
            "city": customer.city, "phone": customer.phone, "email": customer.email, "locale": customer.locale,
            "agreements": len(customer.agreements)}


def import_customers(text: str) -> Preview:
    """All rows in one transaction, or nothing when any row is wrong."""
    result = preview(text)
    if result.errors:
        raise DomainError(_l("The file has errors; nothing was imported."), field="file")
    by_number = {c.customer_number: c for c in db.session.scalars(
        select(Customer).options(selectinload(Customer.agreements))
        .where(Customer.customer_number.in_([r.values["customer_number"] for r in result.rows]))
        .with_for_update())}
    imported = []
    for row in result.rows:
        v = row.values
        customer = by_number.get(v["customer_number"])
        if customer is None:
            customer = Customer(customer_number=v["customer_number"])
            db.session.add(customer)
        imported.append((row, customer))
        _save(customer, row)
    db.session.flush()
    for row, customer in imported:
        audit.record("customer.imported", customer.id, line=row.line, new=not row.exists)
    db.session.commit()
    return result
