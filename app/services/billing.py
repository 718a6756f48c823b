"""Laskutus (S7): the month's charges for the billing system, prorated by days in force.

Every subscription in force on at least one day of the month gives one line; which days
those are is decided in one place, `billed_days`. The amount is
the monthly price (the price of the customer's order, so later price changes do not touch
it) times days in force / days in the month, in cents, rounded half up to a whole cent. The
price includes VAT; the VAT part of the amount is amount × rate / (100 % + rate), rounded
half up. Customer totals are sums of the rounded lines.
"""
import calendar
import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.models import Customer, Order, Product, Subscription
from app.services import DomainError
from app.validators import YEARS

# Statuses that were in force on their days; pending and cancelled subscriptions never are.
BILLED = ("active", "ended")


@dataclass
class Line:
    product_code: str
    product_name: str
    starts_on: date
    ends_on: date | None
    days: int
    monthly_cents: int
    amount_cents: int
    vat_basis_points: int
    vat_cents: int


@dataclass
class CustomerCharges:
    customer_number: str
    name: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def vat_cents(self) -> int:
        return sum(line.vat_cents for line in self.lines)


# 2026-11: what a month is (the console's form and its export addresses read it with parse_month); the
# digits 0-9 only (\d would take other scripts' digits, which int() reads but no header may carry), and
# nothing after it.
MONTH = r"[0-9]{4}-(0[1-9]|1[0-2])\Z"


def parse_month(text: str, field: str = "month") -> tuple[date, date]:
    """'2026-11' -> the first and last day of November 2026; a month of `validators.YEARS` only."""
    try:
        if not re.match(MONTH, text.strip()):
            raise ValueError(text)
        year, month = (int(part) for part in text.strip().split("-"))
        if year not in YEARS:  # the years every date field takes
            raise ValueError(text)
        first = date(year, month, 1)
    except (ValueError, TypeError) as error:
        raise DomainError(_l("Give the month as YYYY-MM, e.g. 2026-11."), field=field) from error
    return first, date(year, month, calendar.monthrange(year, month)[1])


def round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def prorate(monthly_cents: int, days: int, days_in_month: int) -> int:
    return round_half_up(monthly_cents * days, days_in_month)


def vat_part(amount_cents: int, basis_points: int) -> int:
    """The VAT included in a price with VAT."""
    return round_half_up(amount_cents * basis_points, 10000 + basis_points)


def billed_days(starts_on: date, ends_on: date | None, successor_starts_on: date | None,
                first: date, last: date) -> int:
    """How many days of the month [first, last] a subscription is charged for.

    Both its first and last day count. Within an upgrade family every day is billed once: the
    switch day belongs to the new subscription, so one that an upgrade replaced is charged up to
    the day before its successor started (an upgrade on the day it began leaves it nothing).
    """
    end = min(ends_on or last, last)
    if successor_starts_on is not None:
        end = min(end, successor_starts_on - timedelta(days=1))
    return max(0, (end - max(starts_on, first)).days + 1)


def charges(month: str, customer_id: int | None = None) -> list[CustomerCharges]:
    """One statement over subscriptions, their successors, customers, products and the orders' price snapshots;
    with `customer_id`, that customer's only.

    Pending subscriptions are not in force yet; cancelled ones (a rejected order) never were.
    """
    first, last = parse_month(month)
    days_in_month = (last - first).days + 1
    successor = aliased(Subscription)
    statement = (
        select(Customer.customer_number, Customer.name, Product.code, Product.name,
               Subscription.starts_on, Subscription.ends_on, successor.starts_on,
               func.coalesce(Order.price_cents, Product.price_cents),
               func.coalesce(Order.vat_basis_points, Product.vat_basis_points))
        .join(Customer, Customer.id == Subscription.customer_id)
        .join(Product, Product.id == Subscription.product_id)
        .outerjoin(Order, Order.subscription_id == Subscription.id)
        .outerjoin(successor, (successor.replaces_id == Subscription.id)
                   & successor.status.in_(BILLED))
        .where(Subscription.status.in_(BILLED),
               Subscription.starts_on <= last,
               or_(Subscription.ends_on.is_(None), Subscription.ends_on >= first))
        .order_by(Customer.customer_number, Subscription.starts_on, Subscription.id)
    )
    if customer_id is not None:
        statement = statement.where(Subscription.customer_id == customer_id)
    rows = db.session.execute(statement).all()
    result: list[CustomerCharges] = []
    for number, name, code, product_name, starts_on, ends_on, successor_starts_on, price, vat in rows:
        days = billed_days(starts_on, ends_on, successor_starts_on, first, last)
        if not days:
            continue
        if not result or result[-1].customer_number != number:
            result.append(CustomerCharges(number, name))
        amount = prorate(price, days, days_in_month)
        result[-1].lines.append(Line(code, product_name, starts_on, ends_on, days, price, amount, vat,
                                     vat_part(amount, vat)))
    return result


def month_so_far(customer_id: int, day: date) -> CustomerCharges | None:
    """The customer's charges of the month of `day` as the export would give them now (Tulevat
    veloitukset): the same function, so the page and the billing system agree to the cent."""
    found = charges(f"{day:%Y-%m}", customer_id)
    return found[0] if found else None


def _percent(basis_points: int) -> str:
    return f"{basis_points / 100:g}".replace(".", ",")


def to_csv(month: str, customers: list[CustomerCharges]) -> str:
    """Semicolon-separated UTF-8 with a BOM: Excel in Finnish opens it in the right columns."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Month"), _("Customer number"), _("Product code"), _("Product"), _("Days in force"),
                     _("Monthly price (cents)"), _("Amount (cents)"), _("VAT %"), _("VAT (cents)")])
    for customer in customers:
        for line in customer.lines:
            writer.writerow([month, customer.customer_number, line.product_code, line.product_name, line.days,
                             line.monthly_cents, line.amount_cents, _percent(line.vat_basis_points),
                             line.vat_cents])
        writer.writerow([month, customer.customer_number, "", _("Total"), "", "", customer.total_cents, "",
                         customer.vat_cents])
    return out.getvalue()


def to_json(month: str, customers: list[CustomerCharges]) -> str:
    return json.dumps({
        "month": month,
        "total_cents": sum(c.total_cents for c in customers),
        "vat_cents": sum(c.vat_cents for c in customers),
        "customers": [{"customer_number": c.customer_number, "name": c.name, "total_cents": c.total_cents,
                       "vat_cents": c.vat_cents, "lines": [asdict(line) for line in c.lines]}
                      for c in customers],
    }, ensure_ascii=False, indent=1, default=str)
