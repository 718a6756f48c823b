"""Faults: Postgres restarted under a load of orders, SMTP down, the provisioning endpoint
failing, and a worker killed in the middle of a batch."""
import secrets
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
from flask_babel import force_locale
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from app.errors import MESSAGES
from app.extensions import db
from app.models import Customer, Order, OutboxMessage, Product, ProductGroup
from app.services import outbox
from bench.harness import CUSTOMER, Browser, Deployment, Reply, logged_in
from tests.conftest import Client, WebhookReceiver
from tests.ops.conftest import RETRY_SECONDS, queue_emails, unsent, wait_for
from tests.ops.proxy import PostgresProxy

CUSTOMERS = [CUSTOMER, ("100002", "Sade-Metsa-Tuoli-38")]
OUTAGE_SECONDS = 1.5


def proxied(database: str) -> tuple[PostgresProxy, str]:
    """A `PostgresProxy` in front of `database`, and the URL that connects through it."""
    url = make_url(database)
    proxy = PostgresProxy((url.host, url.port or 5432))
    return proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def flaky(ops_database):
    """The portal under gunicorn, connected to Postgres through a `PostgresProxy`."""
    proxy, through = proxied(ops_database)
    with Deployment(through, data="keep", workers=2) as portal:
        yield proxy, portal
    proxy.down()


@pytest.fixture(scope="module")
def products(ops_app) -> list[str]:
    """Broadband products anyone with a billing agreement may order, one order each."""
    with ops_app.app_context():
        group = db.session.scalar(select(ProductGroup).where(ProductGroup.code == "broadband"))
        codes = [f"KUITU-{n}" for n in range(1, 21)]
        db.session.add_all(Product(group=group, code=code, name=f"Kuitu {code}", price_cents=2990)
                           for code in codes)
        db.session.commit()
        db.session.remove()
    return codes


@pytest.fixture
def unavailable_page(ops_app) -> str:
    """The title of the Finnish 503 page."""
    with ops_app.app_context(), force_locale("fi"):
        return str(MESSAGES[503][0])


@dataclass
class Shopper:
    """A logged-in customer's browser and the CSRF token of its session."""

    browser: Browser
    token: str

    @classmethod
    def log_in(cls, url: str, login: tuple[str, str]) -> "Shopper":
        browser = logged_in(url, *login)
        return cls(browser, browser.csrf_token("/tilaa"))

    def order(self, code: str, key: str) -> Reply:
        """Confirm an order (again, with the same `key`)."""
        return self.browser.send(f"/tilaa/{code}", {"csrf_token": self.token, "idempotency_key": key,
                                                    "group": "broadband"})


@dataclass
class Attempt:
    code: str
    key: str
    started: float
    reply: Reply


def order_until_confirmed(shopper: Shopper, codes: list[str], attempts: list[Attempt]) -> None:
    """A customer confirming orders, and confirming the same order again while the portal is down."""
    for code in codes:
        key = secrets.token_urlsafe(24)
        while True:
            attempt = Attempt(code, key, time.monotonic(), None)
            attempt.reply = shopper.order(code, key)
            attempts.append(attempt)
            if attempt.reply.status != 503:
                break
            time.sleep(0.05)


def assert_unavailable_page(reply: Reply, title: str) -> None:
    assert reply.status == 503
    assert '<html lang="fi">' in reply.text and f"<h1>{title}</h1>" in reply.text
    assert "Traceback" not in reply.text


def orders_by_key(ops_app) -> dict[str, tuple[int, str, str]]:
    with ops_app.app_context():
        rows = db.session.execute(select(Order.idempotency_key, Order.id, Customer.customer_number, Product.code)
                                  .join(Customer, Order.customer).join(Product, Order.product)
                                  .where(Product.code.like("KUITU-%"))).all()
        db.session.remove()
    return {key: (order_id, number, code) for key, order_id, number, code in rows}


def test_postgres_restart_during_a_load_of_orders(flaky, products, ops_app, unavailable_page, relay):
    """While Postgres is away every request gets the 503 page; the portal reconnects by itself
    (pool pre-ping) and every order it confirmed is in the database, once. The worker sending
    the receipts waits it out too; the one receipt it may have been sending at the cut goes
    again (same Message-ID) when its lease runs out."""
    proxy, portal = flaky
    with ops_app.app_context():
        canary = queue_emails(1)
    worker = portal.start_worker({"MAIL_BACKEND": "smtp", "SMTP_PORT": str(relay.port),
                                  "OUTBOX_POLL_SECONDS": "0.1", "OUTBOX_LEASE_SECONDS": "2"})
    wait_for(lambda: relay.messages, "the worker to start")
    shoppers = [Shopper.log_in(portal.url, login) for login in CUSTOMERS]
    attempts: list[Attempt] = []
    codes = products[:8]
    load = [threading.Thread(target=order_until_confirmed, args=(shopper, codes, attempts))
            for shopper in shoppers]
    for thread in load:
        thread.start()
    wait_for(lambda: sum(a.reply.status == 303 for a in attempts) >= 4, "the first orders")
    proxy.down()
    time.sleep(OUTAGE_SECONDS)
    proxy.up()
    back = time.monotonic()
    for thread in load:
        thread.join()

    statuses = Counter(a.reply.status for a in attempts)
    assert set(statuses) == {303, 503} and statuses[303] == len(codes) * len(shoppers)
    for attempt in attempts:
        if attempt.reply.status == 503:
            assert_unavailable_page(attempt.reply, unavailable_page)
    assert all(a.reply.status == 303 for a in attempts if a.started > back)
    stored = orders_by_key(ops_app)
    for attempt in attempts:
        if attempt.reply.status == 303:
            order_id, _number, code = stored[attempt.key]
            assert attempt.reply.location.endswith(f"/tilaus/{order_id}") and code == attempt.code
    assert sorted((number, code) for _id, number, code in stored.values()) == sorted(
        (number, code) for number, _password in CUSTOMERS for code in codes)

    def receipts_sent() -> set[int]:
        assert worker.poll() is None, "the worker stopped"
        return unsent() == 0 and set(db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.topic == "order_receipt")))

    with ops_app.app_context():
        receipts = wait_for(receipts_sent, "the receipts")
    worker.terminate()
    copies = Counter(message_number(m) for m in relay.messages)
    assert set(copies) == receipts | set(canary) and sum(copies.values()) - len(copies) <= 1


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_connection_lost_at_commit(flaky, products, ops_app, unavailable_page, when):
    """The order's COMMIT is lost before it reaches Postgres (nothing written) or after (written,
    unconfirmed): either way a 503, and confirming again gives exactly one order."""
    proxy, portal = flaky
    shopper = Shopper.log_in(portal.url, CUSTOMER)
    code, key = products[10 if when == "before" else 11], secrets.token_urlsafe(24)
    proxy.lose_next_order_commit(when)
    assert_unavailable_page(shopper.order(code, key), unavailable_page)
    assert (key in orders_by_key(ops_app)) == (when == "after")
    again = shopper.order(code, key)
    assert again.status == 303
    order_id, number, stored_code = orders_by_key(ops_app)[key]
    assert again.location.endswith(f"/tilaus/{order_id}") and (number, stored_code) == (CUSTOMER[0], code)


def test_the_proxy_loses_the_commit_of_a_prepared_order(ops_database):
    """After five runs on one connection psycopg sends the order's INSERT by a prepared
    statement's name: the proxy still knows it, so the test above cannot pass by a missed
    COMMIT on a connection that has taken orders before."""
    proxy, through = proxied(ops_database)
    libpq = make_url(through).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(libpq) as connection:
            connection.execute('CREATE TEMPORARY TABLE "order" (n integer)')  # before the schema's
            for n in range(8):
                connection.execute('INSERT INTO "order" VALUES (%s)', (n,))
                connection.commit()
            proxy.lose_next_order_commit("before")
            connection.execute('INSERT INTO "order" VALUES (%s)', (8,))
            with pytest.raises(psycopg.OperationalError):
                connection.commit()
    finally:
        proxy.down()


@pytest.fixture
def direct(ops_database):
    """The portal's code in the test process, connected through a `PostgresProxy`; the test
    client logs in and sends forms as the tests outside this package do."""
    proxy, through = proxied(ops_database)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": through})
    app.test_client_class = Client
    yield proxy, app
    proxy.down()
    with app.app_context():
        db.engine.dispose()


@contextmanager
def postgres_stops_after_a_commit(proxy: PostgresProxy, app):
    """The connections through `proxy` close under the first statement `app` sends after its
    next COMMIT: its session is in a transaction again when Postgres goes away."""
    with app.app_context():
        engine = db.engine
    committed = threading.Event()

    def after_commit(session):
        # The listener hears every app's sessions (the test client commits the test's own).
        if session.get_bind() is engine:
            committed.set()

    def before_statement(*_args):
        if committed.is_set():
            proxy.down()

    event.listen(db.session, "after_commit", after_commit)
    event.listen(engine, "before_cursor_execute", before_statement)
    try:
        yield
    finally:
        event.remove(db.session, "after_commit", after_commit)
        event.remove(engine, "before_cursor_execute", before_statement)


def test_a_connection_lost_after_the_page_is_made(direct):
    """Postgres going away between the view and the end of the request fails the session's
    closing ROLLBACK; the finished page goes out as it was, not as a 500."""
    proxy, app = direct

    @app.after_request
    def restart_postgres(response):
        proxy.down()
        return response

    reply = app.test_client().get("/kirjaudu")
    assert reply.status_code == 200 and "<form" in reply.text


def test_an_error_page_while_postgres_is_away_is_drawn_without_it(direct):
    """A missing page and a form without its token are what they are, database or not: their pages
    name the operator, read from the database, and were a 500 while it was away."""
    proxy, app = direct
    proxy.down()
    try:
        client = app.test_client()
        missing = client.get("/ei-tallaista-sivua")
        assert missing.status_code == 404 and "Sivua ei löydy" in missing.text
        assert client.post("/kirjaudu", data={"login": "100001"}).status_code == 400
    finally:
        proxy.up()


def test_a_connection_lost_after_the_order_is_committed(direct, products, ops_app, unavailable_page):
    """The order is stored but the receipt cannot be read: the 503 page, drawn without the
    customer and operator the request had read (a commit expired them), and confirming again
    shows the one order."""
    proxy, app = direct
    client = app.test_client()
    client.login(*CUSTOMER)
    code, key = products[12], secrets.token_urlsafe(24)
    form = {"idempotency_key": key, "group": "broadband", "csrf_token": client.csrf_token(f"/tilaa/{code}")}
    with postgres_stops_after_a_commit(proxy, app):
        reply = client.post(f"/tilaa/{code}", data=form)
    assert reply.status_code == 503 and f"<h1>{unavailable_page}</h1>" in reply.text
    proxy.up()
    again = client.post(f"/tilaa/{code}", data=form)
    order_id, _number, _code = orders_by_key(ops_app)[key]
    assert again.status_code == 303 and again.location.endswith(f"/tilaus/{order_id}")


def test_a_database_lost_while_the_worker_sends_is_not_the_messages_fault(direct, ops_db):
    """Postgres going away between leasing a message and reading it is the database's failure:
    the worker waits it out (run_worker's pause) and the message keeps its lease, untried, to
    go again when the lease runs out; it is not counted against the message."""
    proxy, app = direct
    [message_id] = queue_emails(1)
    with app.app_context(), postgres_stops_after_a_commit(proxy, app), pytest.raises(OperationalError):
        outbox.run_worker(poll_seconds=0, once=True)
    message = db.session.get(OutboxMessage, message_id)
    assert (message.status, message.attempts, message.last_error) == ("sending", 0, "")


def test_mail_waits_while_smtp_is_down_then_goes_once(ops_db, workers, relay):
    relay.stop()
    ids = queue_emails(5)
    workers.start_worker()
    tried = select(func.min(OutboxMessage.attempts))
    wait_for(lambda: unsent() == 5 and db.session.scalar(tried) >= 2, "two tries of every message")
    for message in db.session.scalars(select(OutboxMessage)):
        assert message.status == "pending" and message.sent_at is None
        assert "ConnectionRefusedError" in message.last_error
    assert relay.messages == []

    relay.start()
    wait_for(lambda: unsent() == 0, "the mail to go")
    assert sorted(message_number(m) for m in relay.messages) == ids  # each once
    assert all(m.status == "sent" and m.attempts >= 3 for m in db.session.scalars(select(OutboxMessage)))


def message_number(email) -> int:
    """The outbox row of an email, from its Message-ID <outbox-ID.TIMESTAMP@omahallinta>."""
    return int(email["Message-ID"].removeprefix("<outbox-").split(".")[0])


def test_events_are_retried_with_backoff_and_kept_in_order_per_customer(ops_db, workers):
    receiver = WebhookReceiver(failures=2)  # each customer's first event is refused twice
    first, second = db.session.scalars(select(Customer.id).order_by(Customer.id).limit(2))
    for customer_id, step in [(first, 1), (second, 1), (first, 2), (first, 3), (second, 2), (second, 3)]:
        outbox.queue_event("mix.changed", customer_id, step=step)
    db.session.commit()
    workers.start_worker({"PROVISIONING_WEBHOOK_URL": receiver.url, "PROVISIONING_WEBHOOK_SECRET": "s3cret"})
    try:
        wait_for(lambda: unsent() == 0, "the events to go")
    finally:
        receiver.close()

    delivered = receiver.delivered()
    assert Counter(event["id"] for event in delivered).most_common(1)[0][1] == 1 and len(delivered) == 6
    for customer_id in (first, second):
        assert [e["data"]["step"] for e in delivered if e["customer_id"] == customer_id] == [1, 2, 3]
        tries = [hit.at for hit in receiver.requests if hit.event["customer_id"] == customer_id
                 and hit.event["data"]["step"] == 1]
        assert len(tries) == 3
        assert tries[1] - tries[0] >= RETRY_SECONDS and tries[2] - tries[1] >= 2 * RETRY_SECONDS  # backoff


def test_a_worker_killed_mid_batch_loses_nothing(ops_db, workers, relay):
    """SIGKILL while the relay holds its answer to the 5th message of the batch.

    What is guaranteed: each message is marked sent in a commit of its own right after the
    relay accepts it, so the four before the kill are not sent again, and the rest of the
    batch goes when the dead worker's lease runs out. The one message in flight was accepted
    by the relay but never marked sent: it goes again, with the same Message-ID, so the
    receiving side can drop the copy. At least once, and at most that one message twice."""
    ids = queue_emails(12)
    relay.inbox.hold_while = lambda messages: len(messages) == 5
    quick_lease = {"OUTBOX_LEASE_SECONDS": "2"}
    killed = workers.start_worker(quick_lease)
    wait_for(relay.inbox.holding.is_set, "the fifth message")
    killed.kill()
    killed.wait()
    relay.inbox.release()
    in_flight = message_number(relay.messages[4])
    db.session.rollback()
    assert Counter(db.session.scalars(select(OutboxMessage.status))) == {"sent": 4, "sending": 8}

    workers.start_worker(quick_lease)
    wait_for(lambda: unsent() == 0, "the rest of the batch")
    received = Counter(message_number(m) for m in relay.messages)
    assert sorted(received) == ids
    assert {n for n, copies in received.items() if copies > 1} == {in_flight}
    assert received[in_flight] == 2
