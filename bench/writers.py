"""SQLite writers: customers ordering and choosing MIX channels at the same time, on the default database.

A fresh SQLite file (WAL, as the portal configures it) gets the demo catalog and benchmark
customers; gunicorn serves it as the README does. Each of `--customers` threads logs in as a
customer of its own and, until the time is up, alternates the two writes of the portal:

- an order: the catalog, the confirmation page with its idempotency key, the confirmation
  (every third one posted twice, as a double click: the same order must come back);
- a MIX toggle: the picker, then one channel added (or removed when the package is full),
  posted as htmx posts it; each toggle's time to its answer gives the p50 and p95.

A customer with nothing left to order hands over to the thread's next customer. Every
response is counted by status, what the servers logged is searched for "database is locked", and
afterwards the database is compared with what the server confirmed: every confirmed order
with its subscription, every MIX package with exactly the channels its last answers said.

With `--writer-lock on,off` each run is made twice, back to back: writers queueing on the lock
file (app/sqlite.py), and waiting in SQLite's busy handler as before it.

    .venv/bin/python -m bench.writers [--seconds 60 --customers 20 --threads 1,4 --writer-lock on,off]
"""
import argparse
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from app.services import bench_data
from bench.harness import CSRF, Deployment, sqlite_url

ORDER_LINK = re.compile(r'<a class="button" href="/tilaa/([A-Z0-9-]+)"')
TOGGLE = re.compile(r'name="chosen" value="([01])" formaction="(/mix/(\d+)/kanavat/(\d+))"')
RECEIPT = re.compile(r"/tilaus/(\d+)$")
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}
GROUPS = ("tv", "security", "email")  # where a customer without them finds something new to order


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to count, not to follow."""

    def redirect_request(self, *args):
        return None


@dataclass
class Tally:
    """What every thread saw, under one lock."""

    statuses: Counter = field(default_factory=Counter)
    orders: set = field(default_factory=set)
    repeats_same: int = 0
    repeats_other: int = 0
    mix_changes: int = 0
    toggle_ms: list = field(default_factory=list)  # each MIX toggle POST, answered 200
    expected_mix: dict = field(default_factory=dict)  # subscription id -> channel ids after the last answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


class Customer:
    """One customer's browser: cookies, forms with their CSRF token, every answer counted."""

    def __init__(self, url: str, number: str, tally: Tally):
        self.url, self.tally = url, tally
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)
        page = self.request("GET", "/kirjaudu")[1]
        status = self.request("POST", "/kirjaudu", {"login": number, "password": bench_data.PASSWORD,
                                                    "csrf_token": CSRF.search(page).group(1)})[0]
        if status != 303:
            raise RuntimeError(f"customer {number} could not log in ({status})")

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text, location = response.status, response.read().decode(), None
        except urllib.error.HTTPError as error:
            status, text, location = error.code, error.read().decode(), error.headers.get("Location")
        except OSError:
            status, text, location = 0, "", None  # refused, reset or timed out: counted as 0
        self.tally.count(status)
        return status, text, location

    def order(self) -> bool:
        """Order something new; False when there is nothing left to order."""
        for group in GROUPS:
            codes = ORDER_LINK.findall(self.request("GET", f"/tilaa?ryhma={group}")[1])
            if codes:
                break
        else:
            return False
        code = random.choice(codes)
        page = self.request("GET", f"/tilaa/{code}")[1]
        form = {name: hidden(page, name) for name in ("csrf_token", "group", "idempotency_key")}
        answers = [self.request("POST", f"/tilaa/{code}", form) for _ in range(2 if random.random() < 1 / 3 else 1)]
        receipts = [RECEIPT.search(location or "") for _, _, location in answers]
        with self.tally.lock:
            if receipts[0]:
                self.tally.orders.add(int(receipts[0].group(1)))
            if len(receipts) == 2:
                same = receipts[0] and receipts[1] and receipts[0].group(1) == receipts[1].group(1)
                self.tally.repeats_same += bool(same)
                self.tally.repeats_other += not same
        return True

    def toggle(self) -> None:
        """Add a channel, or remove one when the package is full (or on a coin toss)."""
        page = self.request("GET", "/mix")[1]
        buttons = TOGGLE.findall(page)  # value "1" adds a channel, "0" removes a chosen one
        chosen = [b for b in buttons if b[0] == "0"]
        addable = [b for b in buttons if b[0] == "1"]
        if not buttons:
            return
        value, path, subscription, channel = random.choice(
            addable if addable and (not chosen or random.random() < 0.5) else chosen)
        started = time.perf_counter()
        status = self.request("POST", path, {"chosen": value, "csrf_token": CSRF.search(page).group(1)}, HTMX)[0]
        if status == 200:
            with self.tally.lock:
                self.tally.toggle_ms.append((time.perf_counter() - started) * 1000)
                channels = self.tally.expected_mix.setdefault(int(subscription), {int(b[3]) for b in chosen})
                (channels.add if value == "1" else channels.discard)(int(channel))
                self.tally.mix_changes += 1


def customer_thread(url: str, numbers: list[str], deadline: float, tally: Tally) -> None:
    """Alternate an order and a MIX toggle until the deadline, moving on when nothing is left to order."""
    numbers = iter(numbers)
    customer = Customer(url, next(numbers), tally)
    while time.monotonic() < deadline:
        if customer.order():
            customer.toggle()
            continue
        number = next(numbers, None)
        if number is None:
            return  # the pool is used up: --pool was too small for --seconds
        customer = Customer(url, number, tally)


def writer_customers(database: Path, count: int) -> list[str]:
    """Customers who can order and choose channels, with the fewest subscriptions (the most to order)."""
    with sqlite3.connect(database) as connection:
        return [number for (number,) in connection.execute("""
            SELECT c.customer_number FROM customer c
            WHERE c.email LIKE '%@bench.invalid'
              AND EXISTS (SELECT 1 FROM agreement a WHERE a.customer_id = c.id AND a.kind = 'billing')
              AND EXISTS (SELECT 1 FROM pay_tv_card p WHERE p.customer_id = c.id AND p.valid_until > date('now'))
              AND EXISTS (SELECT 1 FROM subscription s JOIN product p ON p.id = s.product_id
                          WHERE s.customer_id = c.id AND s.status = 'active' AND p.mix_size IS NOT NULL)
            ORDER BY (SELECT count(*) FROM subscription s WHERE s.customer_id = c.id), c.id
            LIMIT ?""", (count,))]


def verify(database: Path, tally: Tally) -> dict:
    """The database against the confirmed answers."""
    with sqlite3.connect(database) as connection:
        ids = ",".join(map(str, tally.orders)) or "0"
        orders_found = connection.execute(f'SELECT count(*) FROM "order" WHERE id IN ({ids})').fetchone()[0]
        with_subscription = connection.execute(
            f'SELECT count(*) FROM "order" o JOIN subscription s ON s.id = o.subscription_id WHERE o.id IN ({ids})'
        ).fetchone()[0]
        mix_as_expected = sum(
            {row[0] for row in connection.execute(
                "SELECT channel_id FROM mix_choice WHERE subscription_id = ?", (subscription,))} == channels
            for subscription, channels in tally.expected_mix.items())
        audited = connection.execute(
            "SELECT count(*) FROM audit_event WHERE action IN ('mix.channel_added', 'mix.channel_removed')"
        ).fetchone()[0]
    return {"orders_found": orders_found, "with_subscription": with_subscription,
            "mix_as_expected": mix_as_expected, "mix_audited": audited}


def run(args, threads: int, writer_lock: str) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="omahallinta-writers-"))
    database = directory / "bench.db"
    deployment = Deployment(sqlite_url(str(directory)), data="none", workers=args.workers, threads=threads,
                            env={"SQLITE_WRITER_LOCK": writer_lock})
    deployment.prepare()
    deployment.flask("bench-data", "--customers", str(args.pool))
    numbers = writer_customers(database, args.pool)
    tally, log = Tally(), directory / "gunicorn.log"
    deployment.__enter__()
    try:
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()
        workers = [threading.Thread(target=customer_thread, args=(deployment.url, numbers[i::args.customers],
                                                                  deadline, tally))
                   for i in range(args.customers)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
    finally:
        log.write_text(deployment.logs())  # what the servers wrote, kept past stop()
        deployment.stop()
    errors = log.read_text(errors="replace")
    return {"threads": threads, "writer_lock": writer_lock, "tally": tally, "elapsed": elapsed,
            "locked": errors.count("database is locked"),
            "tracebacks": errors.count("Traceback"), "log": log, **verify(database, tally)}


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(args, runs: list[dict]) -> str:
    head = ["gunicorn", "writer lock", "requests", "req/s", "2xx", "3xx", "4xx", "5xx", "no answer",
            '"database is locked"',
            "orders confirmed / in the database", "double posts: same order", "MIX changes / audited",
            "MIX toggle p50 / p95 ms",
            "MIX packages as confirmed", "lost writes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        s, tally = r["tally"].statuses, r["tally"]
        by_class = {k: sum(n for status, n in s.items() if status // 100 == k) for k in (2, 3, 4, 5)}
        lost = (len(tally.orders) - r["with_subscription"]) + (len(tally.expected_mix) - r["mix_as_expected"])
        cells = [f"{args.workers} workers × {r['threads']} thread(s)", r["writer_lock"], sum(s.values()),
                 f"{sum(s.values()) / r['elapsed']:.0f}", by_class[2], by_class[3], by_class[4], by_class[5], s[0],
                 r["locked"], f"{len(tally.orders)} / {r['orders_found']}",
                 f"{tally.repeats_same} of {tally.repeats_same + tally.repeats_other}",
                 f"{tally.mix_changes} / {r['mix_audited']}",
                 f"{percentile(tally.toggle_ms, 50):.1f} / {percentile(tally.toggle_ms, 95):.1f}",
                 f"{r['mix_as_expected']} of {len(tally.expected_mix)}", lost]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--customers", type=int, default=20, help="concurrent customers (threads)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", default="1,4", help="gunicorn threads per worker, one run each")
    parser.add_argument("--pool", type=int, default=10000, help="benchmark customers generated")
    parser.add_argument("--writer-lock", default="on",
                        help="SQLITE_WRITER_LOCK of the runs: on, off, or on,off to compare (each thread count)")
    args = parser.parse_args()
    runs = [run(args, int(threads), lock)
            for threads in args.threads.split(",") for lock in args.writer_lock.split(",")]
    print(report(args, runs))
    for r in runs:
        if r["locked"] or r["tracebacks"]:
            print(f"\nserver errors in {r['log']}", file=sys.stderr)


if __name__ == "__main__":
    main()
