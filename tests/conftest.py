"""Fixtures: the app on a real database (SQLite file, or TEST_DATABASE_URL), a real SMTP server,
a test client that fills forms with their CSRF tokens, and the demo data."""
import contextvars
import json
import os
import re
import socket
import threading
import time
from collections import Counter, namedtuple
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import psycopg
import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, limiter
from app.services import demo
from tests.helpers import PASSWORDS

IN_CI = os.environ.get("CI") == "true"
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def unavailable(reason: str):
    """A test that cannot run here: a failure in CI, a visible skip elsewhere."""
    if IN_CI:
        pytest.fail(f"cannot run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, to whom the envelope said it goes and over
    which connection (the client's address and port); it refuses the recipients in `refused`."""

    def __init__(self):
        self.messages = []
        self.recipients = []
        self.peers = []
        self.refused = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        self.peers.append(session.peer)
        return "250 OK"


class SMTPServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Mailbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.inbox.messages

    @property
    def recipients(self):
        """The envelope's recipients of each message, in the order of `messages`."""
        return self.inbox.recipients


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    if smtp_server.controller is None:
        smtp_server.start()
    for kept in (smtp_server.messages, smtp_server.recipients, smtp_server.inbox.peers, smtp_server.inbox.refused):
        kept.clear()
    return smtp_server


Hit = namedtuple("Hit", "event headers body status at")


class WebhookReceiver:
    """The operator's provisioning endpoint on loopback: it answers 500 to the first
    `failures` events of each customer, then 204, and keeps every request it got."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.requests: list[Hit] = []
        self.tries = Counter()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event = json.loads(body)
                receiver.tries[event["customer_id"]] += 1
                status = 500 if receiver.tries[event["customer_id"]] <= receiver.failures else 204
                receiver.requests.append(Hit(event, self.headers, body, status, time.monotonic()))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict]:
        """The events the endpoint accepted, in the order they arrived."""
        return [hit.event for hit in self.requests if hit.status < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(app):
    """The portal posting its provisioning events to a `WebhookReceiver` (signed with "s3cret")."""
    receiver = WebhookReceiver()
    app.config.update(PROVISIONING_WEBHOOK_URL=receiver.url, PROVISIONING_WEBHOOK_SECRET="s3cret")
    yield receiver
    app.config.update(PROVISIONING_WEBHOOK_URL="", PROVISIONING_WEBHOOK_SECRET="")
    receiver.close()


def database_url(tmp_path_factory) -> str:
    """A SQLite file of this process, or TEST_DATABASE_URL. Under pytest-xdist each worker empties
    its tables around every test, so each worker has a Postgres database of its own beside it
    (`test_gw0`, `test_gw1`…), made on first use."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    server = make_url(url)
    own = f"{server.database}_{worker}"
    with psycopg.connect(server.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone():
            admin.execute(f'CREATE DATABASE "{own}"')
    return server.set(database=own).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server):
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "SMTP_PORT": smtp_server.port,
        "MAIL_DIR": str(tmp_path_factory.mktemp("mail")),
        "ATTACHMENT_DIR": str(tmp_path_factory.mktemp("attachments")),
    })
    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
        except Exception as error:  # noqa: BLE001
            pytest.exit(f"test database unreachable: {error}", returncode=1)
        drop_everything()
        upgrade()  # the schema comes from the migrations, exactly as in production
        db.session.remove()
    return app


def drop_everything() -> None:
    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


def empty_tables() -> None:
    """Delete every row a test left, children first. On Postgres only the tables that hold rows are
    emptied and their sequences restarted: a TRUNCATE of all of them took 70 ms after every test,
    a check and a few DELETEs take a few."""
    names = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        held = set(db.session.execute(text(" UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT FROM \"{name}\")" for name in names))).scalars())
        names = [name for name in names if name in held]
    for name in names:
        db.session.execute(text(f'DELETE FROM "{name}"'))
    restarts = [f"setval(pg_get_serial_sequence('{name}', '{column.name}'), 1, false)"
                for name in names if db.engine.dialect.name == "postgresql"
                for column in db.metadata.tables[name].primary_key if column.autoincrement is not False
                and column.type.python_type is int]
    if restarts:
        db.session.execute(text("SELECT " + ", ".join(restarts)))
    db.session.commit()


@pytest.fixture(autouse=True)
def ctx(app):
    """Each test in its own app context over empty tables, with fresh rate limits."""
    with app.app_context():
        yield
        db.session.rollback()
        empty_tables()
        db.session.remove()
    limiter.reset()


@pytest.fixture
def postgres(app):
    """A test of Postgres behaviour. CI runs the suite twice, the second time with
    TEST_DATABASE_URL on Postgres (an unreachable one stops the run), so in the SQLite pass
    this is a skip, not a failure."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("Postgres only: runs when TEST_DATABASE_URL points to Postgres")


def csrf_token_of(page) -> str:
    """The CSRF token of a page the test client got."""
    match = CSRF.search(page.text)
    assert match, f"no CSRF token on {page.request.path}"
    return match.group(1) or match.group(2)


class Client(FlaskClient):
    """The test client as a browser would use the forms: with the page's CSRF token.

    Each request runs as it would in production: in an app context of its own (not the
    test's, so `g` and the database session are fresh), after the test's own transaction
    has ended (on SQLite an open transaction of the test would hold the write lock).
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        response.client = self  # tests.helpers.refused() follows a refusal as the browser would
        return response

    def csrf_token(self, page: str) -> str:
        return csrf_token_of(self.get(page))

    def submit(self, url: str, data: dict | None = None, page: str | None = None, htmx: bool = False, **kw):
        """Send the form of `page` (by default the page at `url`) to `url`, from that page, as a
        browser does: with its CSRF token and the page as Referer."""
        form = {**(data or {}), "csrf_token": self.csrf_token(page or url)}
        site = self.environ_base.get("HTTP_REFERER", "http://localhost/")  # https behind a proxy
        headers = {"Referer": urljoin(site, page or url), **(HTMX if htmx else {})}
        return self.post(url, data=form, headers=headers, **kw)

    def login(self, login: str = "100001", password: str = "Lumi-Ranta-Kello-71"):
        response = self.submit("/kirjaudu", {"login": login, "password": password})
        assert response.status_code == 303, response.text
        return response


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def make_client(app):
    """More clients: another browser, another device."""
    app.test_client_class = Client
    return app.test_client


@pytest.fixture
def demo_data(app):
    demo.load()
    return demo


@contextmanager
def serving(wsgi_app):
    """A WSGI app served over HTTP on loopback, in a thread: its URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on loopback, for the API probes (the browser's, tests/browser/conftest.py)."""
    with serving(app) as url:
        yield url


@pytest.fixture
def login(client, demo_data):
    """The client logged in as a demo customer: `login("100002")`."""
    def log_in(number: str = "100001"):
        client.login(number, PASSWORDS[number])
        return client
    return log_in


@pytest.fixture
def runner(app):
    return app.test_cli_runner()

