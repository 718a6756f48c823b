"""Scale: the customer pages with 1 000 and with 1 000 000 customers on Postgres.

For each count a database `bench_scale_<n>` is made afresh (migrations, demo catalog,
`flask bench-data`, VACUUM ANALYZE), gunicorn serves it as the README does, and wrk
loads each page as one generated customer picked at random. The figure is the ratio of
the p95 latencies between the largest and the smallest count: near 1 means a page's
cost does not depend on how many customers the operator has.

Each page's SQL is also captured in-process (the same customer, the same requests) and
run through EXPLAIN on that database: a sequential scan of a table that grows with the
customers is named in the output.

    .venv/bin/python -m bench.scale [--customers 1000,1000000] [--seconds 10] [--connections 10]
"""
import argparse
import random
import re
import subprocess
import time
from contextlib import contextmanager
from urllib.parse import parse_qs

from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.services import bench_data, customers
from app.services.two_factor import TOTP
from bench import wrk
from bench.harness import CSRF, STAFF, Browser, Deployment, logged_in

PG = ["-h", "127.0.0.1", "-U", "postgres"]
# Tables that grow with the customers; a sequential scan of one of them does not scale.
BIG_TABLES = {"customer", "account", "agreement", "pay_tv_card", "subscription", "mix_choice", "order",
              "licence_key", "audit_event", "mailbox", "mail_alias", "outbox_message", "feedback",
              "feedback_subscription", "announcement_dismissal", "recovery_code"}
TOGGLE = re.compile(r'name="chosen" value="([01])" formaction="(/mix/\d+/kanavat/\d+)"')
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def database_url(customers_count: int) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale_{customers_count}"


def psql(database: str, sql: str) -> str:
    return subprocess.run(["psql", *PG, "-d", database, "-Atc", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def prepare(customers_count: int, reuse: bool) -> float:
    """A database with the demo catalog and `customers_count` benchmark customers; seconds it took."""
    name = f"bench_scale_{customers_count}"
    deployment = Deployment(database_url(customers_count), data="keep")
    started = time.monotonic()
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if not (reuse and exists):
        subprocess.run(["dropdb", *PG, "--if-exists", name], check=True)
        subprocess.run(["createdb", *PG, name], check=True)
    deployment.flask("db", "upgrade")  # on a reused database: the indexes added since
    if not (reuse and exists):
        deployment.flask("demo")
        deployment.flask("bench-data", "--customers", str(customers_count))
    psql(name, "VACUUM ANALYZE")
    return time.monotonic() - started


def pick_customer(customers_count: int, rng: random.Random) -> str:
    """A random generated customer (not the first) with a typical load: 5 or more subscriptions."""
    while True:
        number = bench_data.FIRST_NUMBER + rng.randrange(1, customers_count)
        if bench_data.subscription_count(number) >= 5:
            return str(number)


def staff_browser(url: str) -> Browser:
    browser = Browser(url)
    login, password, secret = STAFF
    browser.post("/hallinta/kirjaudu", {"login": login, "password": password})
    browser.post("/kirjaudu/vahvistus", {"code": TOTP(secret).now()})
    return browser


def requests_of(url: str, number: str, name_query: str) -> dict[str, tuple[str, dict, str | None]] | None:
    """Each measured page: path, headers and (for the MIX toggle) the form body, as this customer;
    None if the customer cannot choose MIX channels (no package in force, or the card expired)."""
    browser = logged_in(url, number, bench_data.PASSWORD)
    mix = browser.get("/mix")
    toggle, token = TOGGLE.search(mix), CSRF.search(mix)
    if toggle is None:
        return None
    # The button asks for the other state; wrk posts the state the channel has, again and again:
    # the row lock, the reads and the partial response, with no write to skew the other pages.
    state = "0" if toggle.group(1) == "1" else "1"
    cookie = {"Cookie": browser.cookie_header()}
    staff = {"Cookie": staff_browser(url).cookie_header()}
    return {
        "Kirjautuminen": ("/kirjaudu", {}, None),
        "Etusivu": ("/", cookie, None),
        "Tilaa": ("/tilaa", cookie, None),
        "Tilatut palvelut": ("/tilatut-palvelut", cookie, None),
        "MIX toggle": (toggle.group(2), {**cookie, **HTMX}, f"chosen={state}&csrf_token={token.group(1)}"),
        "Console: search by name": (f"/hallinta/asiakkaat?q={name_query.replace(' ', '+')}", staff, None),
        "Console: search by number": (f"/hallinta/asiakkaat?q={number[:5]}", staff, None),
    }


@contextmanager
def captured(engine, into: list):
    def collect(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany:
            into.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield into
    finally:
        event.remove(engine, "before_cursor_execute", collect)


def explained(url: str, number: str, pages: dict, name_query: str) -> dict[str, tuple[int, set[str]]]:
    """Per page: how many statements it runs (captured in-process for the same customer) and
    the big tables their plans read whole."""
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40,
                                    "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                                    "SESSION_COOKIE_SECURE": False})
    found: dict[str, list] = {}
    client = app.test_client()
    with app.app_context():
        with captured(db.engine, found.setdefault("Kirjautuminen", [])):
            client.get("/kirjaudu")
        with captured(db.engine, found.setdefault("Kirjautuminen (POST)", [])):
            client.post("/kirjaudu", data={"login": number, "password": bench_data.PASSWORD})
        for page, (path, headers, body) in pages.items():
            if page in found or page.startswith("Console"):
                continue
            with captured(db.engine, found.setdefault(page, [])):
                headers = {k: v for k, v in headers.items() if k != "Cookie"}
                if body is None:
                    client.get(path, headers=headers)
                else:
                    client.post(path, data={"chosen": parse_qs(body)["chosen"][0]}, headers=headers)
        for page, query in (("Console: search by name", name_query), ("Console: search by number", number[:5])):
            with app.test_request_context(), captured(db.engine, found.setdefault(page, [])):
                customers.search(query).items  # noqa: B018  (the page's two statements: count and rows)
        db.session.remove()
        return {page: (len(statements), whole_reads(statements)) for page, statements in found.items()}


def whole_reads(statements: list) -> set[str]:
    """The big tables some plan of these statements reads from end to end."""
    scanned = set()
    with db.engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE", "INSERT")):
                continue
            plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
            scanned |= full_scans(plan[0]["Plan"]) & BIG_TABLES
        connection.rollback()
    return scanned


def full_scans(plan: dict) -> set[str]:
    """Tables a plan reads whole: a sequential scan, or an index scan with no condition (order only)."""
    found = set()
    if plan["Node Type"] == "Seq Scan" or (plan["Node Type"] in ("Index Scan", "Index Only Scan")
                                          and "Index Cond" not in plan):
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= full_scans(child)
    return found


def measure(customers_count: int, args, rng: random.Random) -> dict:
    seconds = prepare(customers_count, args.reuse)
    url = database_url(customers_count)
    with Deployment(url, data="keep", workers=args.workers) as deployment:
        pages = None
        while pages is None:
            number = pick_customer(customers_count, rng)
            first, last = psql(f"bench_scale_{customers_count}",
                               f"SELECT lower(name) FROM customer WHERE customer_number = '{number}'").split()
            name_query = f"{first} {last[0]}"  # as staff type a name: a first name and a letter of the last
            pages = requests_of(deployment.url, number, name_query)
        figures = {page: wrk.run(deployment.url + path, args.connections, args.seconds, headers, body)
                   for page, (path, headers, body) in pages.items()}
    plans = explained(url, number, pages, name_query)
    size = psql(f"bench_scale_{customers_count}", "SELECT pg_size_pretty(pg_database_size(current_database()))")
    return {"customers": customers_count, "number": number, "prepare_s": seconds, "figures": figures,
            "plans": plans, "size": size}


def row(*cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def count_text(count: int) -> str:
    return f"{count:,}".replace(",", " ")


def report(runs: list[dict]) -> str:
    lines = [row("customers", "page", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "non-2xx/3xx"),
             row("---:", "---", "---:", "---:", "---:", "---:", "---:", "---:")]
    for run in runs:
        lines += [row(count_text(run["customers"]), page, f"{f['rps']:.0f}", f"{f['p50_ms']:.1f}", f"{f['p95_ms']:.1f}",
                      f"{f['p99_ms']:.1f}", f["errors"], f["non2xx3xx"]) for page, f in run["figures"].items()]
    small, large = runs[0], runs[-1]
    lines += ["", row("page", f"p95 ms at {count_text(small['customers'])}",
                      f"p95 ms at {count_text(large['customers'])}", "ratio", "statements",
                      f"seq scans of big tables at {count_text(large['customers'])}"),
              row("---", "---:", "---:", "---:", "---:", "---")]
    for page, (statements, scans) in large["plans"].items():
        a, b = small["figures"].get(page), large["figures"].get(page)
        p95 = [f"{a['p95_ms']:.1f}", f"{b['p95_ms']:.1f}", f"{b['p95_ms'] / a['p95_ms']:.2f}"] if a else ["–"] * 3
        lines.append(row(page, *p95, statements, ", ".join(sorted(scans)) or "none"))
    lines += ["", row("customers", "database size", "prepared in", "customer measured"),
              row("---:", "---:", "---:", "---")]
    lines += [row(count_text(r["customers"]), r["size"], f"{r['prepare_s']:.0f} s", r["number"]) for r in runs]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", default="1000,1000000", help="comma-separated counts, smallest first")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep an existing bench_scale_<n> database (migrated to the head) instead of a fresh one")
    parser.add_argument("--seed", type=int, default=7, help="picks the measured customer")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    runs = [measure(int(n), args, rng) for n in args.customers.split(",")]
    print(report(runs))


if __name__ == "__main__":
    main()
