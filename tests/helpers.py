"""What many test modules need: the demo rows by their business keys, counting rows and SQL
statements, the demo logins, and the worker run to the end."""
from contextlib import contextmanager

from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Customer, Product
from app.services import outbox

# The demo logins (app/services/demo.py).
PASSWORDS = {"100001": "Lumi-Ranta-Kello-71", "100002": "Sade-Metsa-Tuoli-38", "100003": "Kuu-Joki-Lamppu-55",
             "100004": "Tuuli-Kivi-Poyta-12", "yllapito": "Hallinta-Demo-2026-x"}
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def customer(number: str = "100001") -> Customer:
    return db.session.scalar(select(Customer).where(Customer.customer_number == number))


def product(code: str) -> Product:
    return db.session.scalar(select(Product).where(Product.code == code))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@contextmanager
def statements():
    """The SQL statements run inside the block: `with statements() as seen: ...; len(seen)`."""
    seen = []

    def collect(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", collect)


def deliver_all() -> int:
    """Run the worker until nothing is due: a task may queue the email it decided on."""
    total = 0
    while sent := outbox.deliver_due():
        total += sent
    return total
