"""API upsert: customers with their agreements PUT through /api/v1 to gunicorn, as a billing system syncs them.

    .venv/bin/python -m bench.api_upsert [--customers 100000] [--connections 8] [--workers 4]
                                         [--database-url URL]

Migrates the database (SQLite in a temporary directory, or an empty Postgres database named by
--database-url) and loads the demo, makes a token with the customers scopes, serves the portal
with gunicorn on loopback as the README runs it (the per-token rate limit lifted for the run) and
sends each new customer as the integration guide does: `PUT /customers/{number}` and then `PUT
/customers/{number}/agreements`, from `--connections` client threads, each on its own keep-alive
connection. Prints progress once a minute (SIGTERM stops the run early), then customers/s and the
p50/p95/p99 of a customer (both requests) and of each request, and counts the customers and
agreements that arrived.

Meanwhile, once a minute, a customer and a staff member open the pages the sync could slow down
(`PROBES`: Etusivu, Tilaa, Tilatut palvelut, the console's overview and customer list and search):
each page's compressed size against the 8 KB budget, its SQL statements (in-process) and the time
to its answer are printed at the end, so a budget that gives way as the customers grow shows.
"""
import argparse
import http.client
import json
import signal
import statistics
import threading
import time

from sqlalchemy import create_engine, text

from app import create_app
from app.services import api_tokens
from bench.harness import Deployment, sqlite_url
from bench.portal import Page, Portal, table

HTML_BUDGET = 8 * 1024
PROBES = [Page("customer", "/"), Page("customer", "/tilaa"), Page("customer", "/tilatut-palvelut"),
          Page("console", "/hallinta/"), Page("console", "/hallinta/asiakkaat"),
          Page("console", "/hallinta/asiakkaat?q=Asiakas+4242")]

FIRST_NUMBER = 700000
AGREEMENTS = {"agreements": [{"kind": "connection", "valid_from": "2026-01-01", "valid_until": None},
                             {"kind": "billing", "valid_from": "2026-01-01", "valid_until": None}]}


def customer(n: int) -> tuple[str, dict]:
    number = str(FIRST_NUMBER + n)
    return number, {"name": f"Asiakas {n}", "street_address": f"Hämeenkatu {n % 200 + 1}", "postal_code": "33100",
                    "city": "Tampere", "phone": f"040 {n:07d}", "email": f"asiakas{n}@example.fi",
                    "language": "fi"}


def make_token(database_url: str, secret_key: str) -> str:
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key})
    with app.app_context():
        return api_tokens.create("Benchmark", ["customers:read", "customers:write"], None)


class Client(threading.Thread):
    """Sends customers `numbers` over one keep-alive connection; records the time of each request."""

    def __init__(self, port: int, token: str, numbers: range, stop: threading.Event):
        super().__init__()
        self.port, self.numbers, self.stop = port, numbers, stop
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.customer_ms, self.put_ms, self.agreements_ms = [], [], []
        self.failures: list[str] = []

    def put(self, connection, path: str, body: dict, times: list) -> None:
        started = time.perf_counter()
        connection.request("PUT", path, json.dumps(body), self.headers)
        response = connection.getresponse()
        answer = response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status not in (200, 201):
            self.failures.append(f"PUT {path}: {response.status} {answer[:200]!r}")

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for n in self.numbers:
            if self.stop.is_set():
                break
            number, body = customer(n)
            started = time.perf_counter()
            self.put(connection, f"/api/v1/customers/{number}", body, self.put_ms)
            self.put(connection, f"/api/v1/customers/{number}/agreements", AGREEMENTS, self.agreements_ms)
            self.customer_ms.append((time.perf_counter() - started) * 1000)
        connection.close()


class Probe:
    """The pages of `PROBES` opened once a round, as the sync goes on: size, statements, time."""

    def __init__(self, portal: Portal):
        self.portal = portal
        self.seen = {page.path: {"bytes": [], "statements": [], "ms": [], "statuses": set()} for page in PROBES}

    def round(self) -> None:
        for page in PROBES:
            seen = self.seen[page.path]
            started = time.perf_counter()
            response = self.portal.fetch(page.path, page.side)
            seen["ms"].append((time.perf_counter() - started) * 1000)
            seen["bytes"].append(len(response.body))
            statements, status = self.portal.statements(page.side, page.path)
            seen["statements"].append(statements)
            seen["statuses"].update({response.status, status})

    def rows(self) -> list[list[str]]:
        return [[f"`{page.path}`", page.side, str(len(seen["ms"])),
                 f"{max(seen['bytes'])} B" + ("" if max(seen["bytes"]) <= HTML_BUDGET else " over the budget"),
                 "–".join(str(n) for n in sorted({min(seen["statements"]), max(seen["statements"])})),
                 f"{statistics.median(seen['ms']):.0f}", f"{max(seen['ms']):.0f}",
                 ", ".join(str(s) for s in sorted(seen["statuses"]))]
                for page in PROBES for seen in [self.seen[page.path]]]


def percentiles(values: list[float]) -> list[str]:
    cuts = statistics.quantiles(values, n=100)
    return [f"{cuts[49]:.1f}", f"{cuts[94]:.1f}", f"{cuts[98]:.1f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8, help="client threads, one connection each (8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers, as the README runs it (4)")
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite, temporary)")
    args = parser.parse_args()
    database_url = args.database_url or sqlite_url()
    deployment = Deployment(database_url, workers=args.workers, env={"API_RATE_LIMIT": "1000000 per minute"})
    with deployment:
        token = make_token(database_url, deployment.env["SECRET_KEY"])
        probe = Probe(Portal(deployment))
        probe.round()
        share = -(-args.customers // args.connections)
        stop = threading.Event()  # SIGTERM ends the run early, with the figures of what was sent
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        clients = [Client(deployment.port, token, range(i * share, min((i + 1) * share, args.customers)), stop)
                   for i in range(args.connections)]
        started = time.perf_counter()
        for client in clients:
            client.start()
        while alive := [client for client in clients if client.is_alive()]:  # a line a minute, for a long run
            alive[0].join(60)
            probe.round()
            done = sum(len(client.customer_ms) for client in clients)
            print(f"{done} customers in {time.perf_counter() - started:.0f} s", flush=True)
        seconds = time.perf_counter() - started
    failures = [f for c in clients for f in c.failures]
    sent = sum(len(c.customer_ms) for c in clients)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        arrived = connection.scalar(text("SELECT count(*) FROM customer WHERE customer_number >= :first"),
                                    {"first": str(FIRST_NUMBER)})
        agreements = connection.scalar(text(
            "SELECT count(*) FROM agreement JOIN customer ON customer.id = agreement.customer_id "
            "WHERE customer_number >= :first"), {"first": str(FIRST_NUMBER)})
    engine.dispose()
    kind = database_url.split(":", 1)[0].split("+", 1)[0]
    print(f"{sent} of {args.customers} customers with 2 agreements each, {args.connections} connections, "
          f"gunicorn {args.workers} workers, {kind}: {seconds:.0f} s, "
          f"{sent / seconds:.1f} customers/s ({2 * sent / seconds:.1f} requests/s)\n")
    print(table(["what", "p50 ms", "p95 ms", "p99 ms"], [
        ["a customer (both requests)", *percentiles([t for c in clients for t in c.customer_ms])],
        ["PUT /customers/{number}", *percentiles([t for c in clients for t in c.put_ms])],
        ["PUT /customers/{number}/agreements", *percentiles([t for c in clients for t in c.agreements_ms])],
    ]), end="\n\n")
    print(table(["page, while the sync runs", "side", "rounds", "largest (budget 8 KB)", "SQL statements",
                 "p50 ms", "max ms", "status"], probe.rows()), end="\n\n")
    print(f"arrived: {arrived} customers, {agreements} agreements; failed requests: {len(failures)}")
    for failure in failures[:10]:
        print(failure)


if __name__ == "__main__":
    main()
