"""What many test modules need: the demo rows by their business keys, counting rows and SQL
statements, the demo logins, and the worker run to the end."""
import re
import threading
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, func, select

from app import kept
from app.extensions import db
from app.models import Account, Customer, Invoice, OutboxMessage, Product
from app.services import invoices, outbox
from app.services.demo import DEMO_PDF
from app.services.two_factor import TOTP

# The demo logins (app/services/demo.py).
PASSWORDS = {"100001": "Lumi-Ranta-Kello-71", "100002": "Sade-Metsa-Tuoli-38", "100003": "Kuu-Joki-Lamppu-55",
             "100004": "Tuuli-Kivi-Poyta-12", "yllapito": "Hallinta-Demo-2026-x"}
STAFF_TOTP_SECRET = "26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE"


def invoice_body(**changes) -> dict:
    """An invoice as the billing system sends it (the API's body, the service's values before the
    base64 of the PDF); the Finance Finland barcode guide's reference and IBAN."""
    body = {"number": "2026-000123", "customer_number": "100002", "invoice_date": "2026-11-01",
            "due_date": "2026-11-15", "reference": "86851 62596 19897", "iban": "FI79 4405 2020 0360 82",
            "net_cents": 3984, "vat_cents": 1016, "gross_cents": 5000, "status": "open",
            "lines": [{"description": "Laajakaista 300M", "detail": "11/2026", "net_cents": 3187,
                       "vat_basis_points": 2550, "vat_cents": 813, "gross_cents": 4000},
                      {"description": "Reititinvuokra", "net_cents": 797, "vat_basis_points": 2550,
                       "vat_cents": 203, "gross_cents": 1000}],
            "pdf": DEMO_PDF}
    return {**body, **changes}


def record_invoice(**changes) -> Invoice:
    """The invoice recorded by the API's own service function."""
    values = invoice_body(**changes)
    for name in ("invoice_date", "due_date"):
        values[name] = date.fromisoformat(values[name])
    return invoices.record(values)[0]


def customer(number: str = "100001") -> Customer:
    return db.session.scalar(select(Customer).where(Customer.customer_number == number))


def customer_id(number: str = "100001") -> int:
    return db.session.scalar(select(Customer.id).where(Customer.customer_number == number))


def product(code: str) -> Product:
    return db.session.scalar(select(Product).where(Product.code == code))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@contextmanager
def statements():
    """The SQL statements run inside the block: `with statements() as seen: ...; len(seen)`. The reads
    of what each process keeps (app/kept.py) are left out: a page that comes first after a change makes
    them, not every page."""
    seen = []

    def collect(conn, _cursor, statement, parameters, _context, _executemany):
        if not kept.copy_read(conn):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", collect)


def another_writer_commits() -> None:
    """Another request's connection commits a change now (on SQLite, a read's transaction that began
    before it can then no longer become a write)."""
    other = db.engine.raw_connection()
    try:
        other.cursor().execute("UPDATE customer SET phone = '+358401234599' WHERE customer_number = '100002'")
        other.commit()
    finally:
        other.close()


def page_statements(client, url: str) -> int:
    """How many SQL statements the page at `url` takes."""
    with statements() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def emailed_link(topic: str) -> str:
    """The path of the link in the newest email of this kind, as its recipient would follow it
    (the worker is run first: a reset request is looked up there, which queues the email)."""
    deliver_all()
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)
                                 .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no {topic} email queued"
    return re.search(r"https?://[^/\s]+(/\S+)", message.payload["body"]).group(1)


def deliver_all() -> int:
    """Run the worker until nothing is due: a task may queue the email it decided on."""
    total = 0
    while sent := outbox.deliver_due():
        total += sent
    return total


def staff_login(client, username="yllapito", password=PASSWORDS["yllapito"], secret=STAFF_TOTP_SECRET):
    """A console session: the password, then a real TOTP code, as in production."""
    response = client.submit("/hallinta/kirjaudu", {"login": username, "password": password})
    assert response.status_code == 303, response.text
    response = client.submit("/kirjaudu/vahvistus", {"code": TOTP(secret).now()})
    assert response.status_code == 303, response.text
    # Another login in the same 30 seconds may use the same code again in these tests.
    db.session.query(Account).filter_by(username=username).update({"totp_last_step": 0})
    db.session.commit()
    return client


def run_together(app, work, count: int = 10) -> list:
    """Run `work(i)` in `count` threads released at once, each with its own app context, session
    and connection; each result or exception, in order."""
    db.session.commit()  # the test's own transaction would hold SQLite's write lock
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as error:  # noqa: BLE001 — reported to the test
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def refused(response):
    """A refused form as its reader gets it, to check what it says: with htmx (or for a GET) the
    answer itself, a 422; without JavaScript a 303 to the form's page, which shows the refusal once
    (post/redirect/get, app/web.py)."""
    if response.request.method != "POST" or response.request.headers.get("HX-Request-Type") == "partial":
        assert response.status_code == 422, (response.status_code, response.text[:300])
        return response
    assert response.status_code == 303, (response.status_code, response.text[:300])
    page = response.client.get(response.location)
    assert page.status_code == 200, page.status_code
    return page


# The smallest files of two types an attachment may be, by their first bytes (app/services/attachments.py).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def idempotency_key(page: str, prefix: str = "") -> str:
    """The key the page's form (its fields named with `prefix`) sends to be taken once however often it is sent."""
    return re.search(rf'name="{prefix}idempotency_key"[^>]*value="([^"]+)"', page).group(1)
