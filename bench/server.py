"""Server: what gunicorn serving the portal does under load, next to a bare Flask app served the same way.

wrk loads the login page, Etusivu, Tilaa, Tilatut palvelut and a MIX toggle over loopback
at 1, 10 and 50 connections; a "hello" Flask app served by the same gunicorn command in the
same run is the yardstick, and the portal's share of its requests per second the figure.
Then every page's SQL statements per request (in-process, counted by SQLAlchemy) and the
peak memory of each gunicorn worker (VmHWM).

    .venv/bin/python -m bench.server [--seconds 5] [--connections 1 10 50] [--workers N] [--database-url URL]

`--database-url` names an empty database (Postgres) to migrate and fill with the demo; SQLite in a
temporary directory without it.
"""
import argparse
import urllib.parse
from pathlib import Path

from bench import wrk
from bench.harness import Deployment
from bench.portal import COMPRESSED, HTMX, Portal, table

TARGETS = [("login page", "public", "/kirjaudu"), ("Etusivu", "customer", "/"),
           ("Tilaa", "customer", "/tilaa"), ("Tilatut palvelut", "customer", "/tilatut-palvelut")]


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


def rows(what: str, results: list[dict], connections: list[int], hello: list[dict] | None) -> list[list]:
    return [[what, n, f"{r['rps']:.0f}", f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}", f"{r['p99_ms']:.1f}",
             r["errors"] + r["non2xx3xx"], f"{r['rps'] / h['rps']:.2f}" if hello else "1"]
            for n, r, h in zip(connections, results, hello or results, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk's duration of each run (default 5)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: deploy/gunicorn.conf.py's, one per core)")
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite, temporary)")
    args = parser.parse_args()
    load_args = (args.connections, args.seconds)

    with Deployment(app="bench.hello:app", data="keep", workers=args.workers) as hello_app:
        hello = load(hello_app.url + "/", *load_args, COMPRESSED)
        hello_memory = peak_memory(hello_app)
    table_rows = rows("hello (bare Flask)", hello, args.connections, None)
    with Deployment(args.database_url, workers=args.workers) as deployment:
        portal = Portal(deployment)
        for what, side, path in TARGETS:
            headers = {**COMPRESSED, "Cookie": portal.cookies[side]} if portal.cookies[side] else COMPRESSED
            table_rows += rows(what, load(portal.url + path, *load_args, headers), args.connections, hello)
        action, body, headers = mix_toggle(portal)
        table_rows += rows("MIX toggle (POST, htmx)", load(portal.url + action, *load_args, {**COMPRESSED, **headers},
                                                           body), args.connections, hello)
        memory = peak_memory(deployment)
        workers = len(deployment.worker_pids())
        pages, _skipped = portal.pages()
        statements = [[f"`{page.path}`", page.side, *portal.statements(page.side, page.path)] for page in pages]
        statements.append([f"`{action}` (MIX toggle)", "customer",
                           *portal.statements("customer", action, method="POST", data=body, headers=HTMX,
                                              content_type="application/x-www-form-urlencoded")])

    kind = "Postgres" if (args.database_url or "").startswith("postgresql") else "SQLite"
    print(f"gunicorn, {workers} workers, {args.seconds} s per run; {kind} with the demo data\n")
    print(table(["what", "connections", "requests/s", "p50 ms", "p95 ms", "p99 ms", "errors", "of hello"],
                table_rows), end="\n\n")
    print(table(["page", "side", "SQL statements", "status"], statements), end="\n\n")
    print(f"Peak memory per worker (VmHWM): portal {', '.join(f'{kb / 1024:.0f}' for kb in memory)} MB; "
          f"hello {', '.join(f'{kb / 1024:.0f}' for kb in hello_memory)} MB")


if __name__ == "__main__":
    main()
