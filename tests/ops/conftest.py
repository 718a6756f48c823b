"""The portal deployed as the README's production section runs it, for the operations tests:
gunicorn servers and `flask worker` processes (bench/harness.py) over a Postgres database
of their own, Redis for the rate limits, an SMTP relay (aiosmtpd) on loopback."""
import asyncio
import os
import threading
import time
import uuid

import psycopg
import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import OutboxMessage
from app.services import demo, outbox
from bench.harness import Deployment
from tests.conftest import Mailbox, SMTPServer, free_port, unavailable

WAIT_SECONDS = 30  # the longest any step may take before the test gives up on it
RETRY_SECONDS = 0.3  # the workers' first retry; each next one waits twice as long


def wait_for(condition, what: str, seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return result


@pytest.fixture(scope="package")
def ops_app():
    """A throwaway Postgres schema, migrated, with the demo data; and the portal's code in the
    test process over it, to queue messages and to read what the servers wrote.

    Not the tables of TEST_DATABASE_URL themselves: the suite empties them around every test,
    which would pull the rows from under the running servers. A schema of its own in the same
    database (the servers find it by their search_path) rather than a database of its own:
    dropping a database makes Postgres checkpoint, which takes seconds on a busy server."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("Postgres only: runs when TEST_DATABASE_URL points to Postgres")
    schema = f"ops_{uuid.uuid4().hex[:12]}"
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": make_url(url).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)})
    try:
        with app.app_context():
            upgrade()
            demo.load()
            db.session.remove()
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with psycopg.connect(libpq, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="package")
def ops_database(ops_app) -> str:
    """The URL of the deployed database, for the servers and workers."""
    return ops_app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def ops_db(ops_app):
    """The deployed database's session, with an empty outbox."""
    with ops_app.app_context():
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
        yield db.session
        db.session.remove()


@pytest.fixture(scope="package")
def shared_limits():
    """Rate limits in Redis, under a key prefix of this run only (the Redis is shared)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {url}: {error}")
    prefix = f"ops-{uuid.uuid4().hex[:12]}"
    yield {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix}
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)


class Relay(Mailbox):
    """An SMTP relay that keeps what it receives, and holds its reply (250, after storing the
    message) while `hold_while(messages)` is true, until `release()`."""

    def __init__(self, hold_while=None):
        super().__init__()
        self.hold_while = hold_while
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        while self.hold_while and self.hold_while(self.messages) and not self.released.is_set():
            self.holding.set()
            await asyncio.sleep(0.02)
        return reply

    def release(self):
        self.released.set()


@pytest.fixture
def relay():
    """An SMTP relay on loopback for the workers; `relay.inbox.hold_while` holds its replies."""
    server = SMTPServer(free_port())
    server.inbox = Relay()
    server.start()
    yield server
    server.inbox.release()
    server.stop()


@pytest.fixture
def workers(ops_database, relay):
    """`flask worker` processes over the deployed database, sending to `relay`, quick to retry."""
    deployment = Deployment(ops_database, data="keep", env={
        "MAIL_BACKEND": "smtp", "SMTP_PORT": str(relay.port), "OUTBOX_POLL_SECONDS": "0.1",
        "OUTBOX_RETRY_SECONDS": str(RETRY_SECONDS),
    })
    yield deployment
    deployment.stop()


def queue_emails(n: int) -> list[int]:
    messages = [outbox._queue("email", "test", None, {"to": f"asiakas{i}@example.fi", "subject": f"Viesti {i}",
                                                      "body": "Hei!\n"}) for i in range(n)]
    db.session.commit()
    return [message.id for message in messages]


def unsent() -> int:
    """Messages not yet delivered (nor given up on); reads afresh each time."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status.in_(outbox.UNSENT)))


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`make test`) the deployed servers, workers and proxies of this package run
    on one worker, one module after another, as they would on one host: two deployments at once on
    a two-core machine starve each other's timeouts."""
    for item in items:
        if "tests/ops/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("ops"))
