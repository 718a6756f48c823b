"""Server: what gunicorn serving the portal does under load, next to a bare Flask app served the same way.

wrk loads every page a customer sees (the public ones logged out, the rest as the demo
customer) and a MIX toggle over loopback at 1, 10 and 50 connections; a "hello" Flask app served
by the same gunicorn command in the same run is the yardstick, and the portal's share of its
requests per second the figure. `--pages targets` loads only the pages issue 22 set targets for
(the login page, Etusivu, Tilaa, Tilatut palvelut) and the toggle: a quicker run for pairs.
Then every page's SQL statements per request (in-process, counted by SQLAlchemy) and the
peak memory of each gunicorn worker (VmHWM).

    .venv/bin/python -m bench.server [--seconds 5] [--connections 1 10 50] [--pages all|targets]
                                     [--workers N] [--database-url URL]

`--database-url` names an empty database (Postgres) to migrate and fill with the demo; SQLite in a
temporary directory without it.
"""
import argparse
import urllib.parse
from pathlib import Path

from bench import wrk
from bench.harness import Deployment
from bench.portal import COMPRESSED, HTMX, Page, Portal, table

TARGETS = [("login page", "public", "/kirjaudu"), ("Etusivu", "customer", "/"),
           ("Tilaa", "customer", "/tilaa"), ("Tilatut palvelut", "customer", "/tilatut-palvelut")]
# A customer may read My data ten times an hour: under wrk it would answer 429 and measure the limiter.
LIMITED = {"/kayttajatiedot/omat-tiedot"}


def mix_toggle(portal: Portal) -> tuple[str, str, dict]:
    """Choosing a channel that is already chosen, as htmx posts it: the whole route, no change to count."""
    form = next(f for f in portal.forms("/mix", "customer").submissions if f.fields.get("chosen") == "0")
    body = urllib.parse.urlencode({**form.fields, "chosen": "1"})
    return form.action, body, {**HTMX, "Cookie": portal.cookies["customer"]}


def load(url: str, connections: list[int], seconds: int, headers: dict, body: str | None = None) -> list[dict]:
    wrk.run(url, 1, 1, headers, body)  # warm up: templates compiled, connections pooled
    return [wrk.run(url, n, seconds, headers, body) for n in connections]


def peak_memory(deployment: Deployment) -> list[int]:
    """VmHWM of each worker, in kB."""
    return sorted(int(line.split()[1]) for pid in deployment.worker_pids()
                  for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM:"))


def row(what: str, results: list[dict], hello: list[dict] | None) -> list:
    """One target: requests/s, p50 / p95 and the share of hello's requests/s at each connection count."""
    return [what, *(f"{r['rps']:.0f}" for r in results),
            *(f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}" for r in results),
            *(f"{r['rps'] / h['rps']:.2f}" if hello else "1" for r, h in zip(results, hello or results, strict=True)),
            sum(r["errors"] + r["non2xx3xx"] for r in results)]


def loaded_pages(pages: list[Page], which: str) -> list[tuple[str, str, str]]:
    """What wrk loads, with its side and named as the table names it: the target pages, then (with
    `all`) every other page of the customer side and the public pages a customer sees (not the
    console's login, nor the pages a limit keeps from being loaded)."""
    if which == "targets":
        return TARGETS
    left_out = {path for _what, _side, path in TARGETS} | LIMITED
    return TARGETS + [(f"`{page.path}`", page.side, page.path) for page in pages if page.side != "console"
                      and not page.path.startswith("/hallinta/") and page.path not in left_out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk's duration of each run (default 5)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--pages", choices=("all", "targets"), default="all",
                        help="every page a customer sees (default), or only issue 22's four")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: deploy/gunicorn.conf.py's, one per core)")
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite, temporary)")
    args = parser.parse_args()
    load_args = (args.connections, args.seconds)

    with Deployment(app="bench.hello:app", data="keep", workers=args.workers) as hello_app:
        hello = load(hello_app.url + "/", *load_args, COMPRESSED)
        hello_memory = peak_memory(hello_app)
    table_rows = [row("hello (bare Flask)", hello, None)]
    with Deployment(args.database_url, workers=args.workers) as deployment:
        portal = Portal(deployment)
        pages, _skipped = portal.pages()
        for what, side, path in loaded_pages(pages, args.pages):
            headers = {**COMPRESSED, "Cookie": portal.cookies[side]} if portal.cookies[side] else COMPRESSED
            table_rows.append(row(what, load(portal.url + path, *load_args, headers), hello))
        action, body, headers = mix_toggle(portal)
        table_rows.append(row("MIX toggle (POST, htmx)",
                              load(portal.url + action, *load_args, {**COMPRESSED, **headers}, body), hello))
        memory = peak_memory(deployment)
        workers = len(deployment.worker_pids())
        statements = [[f"`{page.path}`", page.side, *portal.statements(page.side, page.path)] for page in pages]
        statements.append([f"`{action}` (MIX toggle)", "customer",
                           *portal.statements("customer", action, method="POST", data=body, headers=HTMX,
                                              content_type="application/x-www-form-urlencoded")])

    kind = "Postgres" if (args.database_url or "").startswith("postgresql") else "SQLite"
    print(f"gunicorn, {workers} workers, {args.seconds} s per run; {kind} with the demo data\n")
    print(table(["what", *(f"requests/s at {n}" for n in args.connections),
                 *(f"p50 / p95 ms at {n}" for n in args.connections), *(f"of hello at {n}" for n in args.connections),
                 "errors"], table_rows), end="\n\n")
    print(table(["page", "side", "SQL statements", "status"], statements), end="\n\n")
    print(f"Peak memory per worker (VmHWM): portal {', '.join(f'{kb / 1024:.0f}' for kb in memory)} MB; "
          f"hello {', '.join(f'{kb / 1024:.0f}' for kb in hello_memory)} MB")


if __name__ == "__main__":
    main()
