"""More than one server: two gunicorn servers over one Postgres and one Redis, as behind a
load balancer without sticky sessions, and two outbox workers."""
import itertools
from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, WorkerHeartbeat
from bench.harness import CUSTOMER, Browser, Deployment
from tests.ops.conftest import queue_emails, unsent, wait_for

LOGIN_LIMIT = 10  # failed logins of one account (app/blueprints/auth/routes.py)
ADDRESS_LIMIT = 30  # failed logins from one address
ADDRESSES = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(scope="module")
def servers(ops_database, shared_limits):
    """Two servers with the same settings, behind a load balancer that sets X-Forwarded-For."""
    env = {**shared_limits, "TRUSTED_PROXIES": "1"}
    with Deployment(ops_database, data="keep", workers=1, env=env) as one, \
            Deployment(ops_database, data="keep", workers=1, env=env) as other:
        yield one, other


def client(url: str, address: str | None = None) -> Browser:
    """A browser behind the load balancer, from its own address (so tests keep apart in the limits)."""
    return Browser(url, {"X-Forwarded-For": address or next(ADDRESSES)})


def on(browser: Browser, url: str) -> Browser:
    """The same browser (its cookies, its address) with its next request routed to `url`."""
    browser.url = url
    return browser


def log_in(browser: Browser, login: str, password: str):
    return browser.send("/kirjaudu", {"login": login, "password": password,
                                      "csrf_token": browser.csrf_token("/kirjaudu")})


def logged_in(browser: Browser) -> bool:
    reply = browser.send("/")
    assert reply.status in (200, 302, 303), reply.status
    return reply.status == 200 and "Matti Virtanen" in reply.text


def test_a_session_works_on_every_server_and_a_logout_ends_it_on_all(servers):
    one, other = servers
    laptop = client(one.url)
    assert log_in(laptop, *CUSTOMER).status == 303
    assert logged_in(on(laptop, other.url)) and logged_in(on(laptop, one.url))
    phone = client(other.url)
    assert log_in(phone, *CUSTOMER).status == 303
    copied = client(other.url)  # the same cookie, sent again later (a stolen or copied one)
    for cookie in laptop.cookies:
        copied.cookies.set_cookie(cookie)

    assert on(laptop, one.url).send("/kirjaudu-ulos", {"csrf_token": laptop.csrf_token("/")}).status == 303
    assert not logged_in(copied)  # on the other server
    assert not logged_in(phone)  # another device, logged in on the other server
    assert not logged_in(on(laptop, other.url))


def test_failed_logins_count_together_on_every_server(servers):
    """Each server sees only half of the failures; together they reach the limits."""
    address = next(ADDRESSES)
    for attempt in range(LOGIN_LIMIT):
        reply = log_in(client(servers[attempt % 2].url, address), "100002", "wrong-password-again")
        assert (reply.status, reply.location) == (303, "/kirjaudu")  # back to the form, refused
    for server in servers:  # the account's limit, from any address
        assert log_in(client(server.url), "100002", "Sade-Metsa-Tuoli-38").status == 429

    for attempt in range(LOGIN_LIMIT, ADDRESS_LIMIT):  # unknown logins: no account's limit grows
        reply = log_in(client(servers[attempt % 2].url, address), f"tuntematon{attempt}", "wrong-password")
        assert (reply.status, reply.location) == (303, "/kirjaudu")  # back to the form, refused
    for server in servers:  # the address's limit, for any account
        assert log_in(client(server.url, address), *CUSTOMER).status == 429
    assert log_in(client(servers[0].url), *CUSTOMER).status == 303  # from another address


def test_two_workers_deliver_the_outbox_once(ops_db, workers, relay):
    """Both workers deliver at once: the relay holds its replies until it has mail from both."""
    n = 40  # two batches of 20
    relay.inbox.hold_while = lambda messages: len({m["From"] for m in messages}) < 2
    ids = queue_emails(n)
    ours = [workers.start_worker({"MAIL_FROM": f"Worker {name} <{name.lower()}@ipp.example>"}).pid
            for name in ("A", "B")]
    wait_for(lambda: unsent() == 0, "the outbox to be delivered")
    # Twice in many runs the outbox emptied while this relay got 20 or none of the messages: what the
    # rows and the workers' heartbeats say then is in the failure, to find who took them.
    rows = Counter((m.status, m.attempts, m.last_error[:80]) for m in db.session.scalars(select(OutboxMessage)))
    told = f"rows (status, attempts, error): {dict(rows)}; heartbeats: " \
           f"{list(db.session.scalars(select(WorkerHeartbeat.name)))}; our workers' pids: {ours}"
    assert not relay.inbox.released.is_set(), told  # both delivered: the hold ended by itself
    senders = Counter(m["From"].addresses[0].username for m in relay.messages)
    assert set(senders) == {"a", "b"}, told
    assert sum(senders.values()) == n, told
    message_ids = Counter(m["Message-ID"] for m in relay.messages)
    assert len(message_ids) == n and set(message_ids.values()) == {1}
    assert sorted(int(mid.split("-")[1].split(".")[0]) for mid in message_ids) == ids
