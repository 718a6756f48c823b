"""Profile: where one request of a page spends its time, by layer.

The portal is deployed as the server benchmark deploys it (a fresh SQLite database with the
demo data, production configuration); the pages are then requested in-process through the
Flask test client with the demo customer's cookie, `--requests` times each after a warm-up:
first unprofiled, for the CPU time of one request, then under pyinstrument. Each request has an
application context of its own, as under gunicorn: the session's account is loaded, and the
language found, for every request. Every sample is
given to the innermost frame that belongs to a layer (SQLAlchemy called from the user loader
counts as SQL; gettext called from a template as Babel), and the table shows each layer's
share of the page's time. Below the table, the floor every page stands on: bare Flask, the
portal's /healthz and the accessibility statement through the same test client.

    .venv/bin/python -m bench.profile [--requests 200] [--tree Etusivu]
    .venv/bin/python -m bench.profile --under-wrk 20 [--connections 10] [--workers 2]

`--under-wrk SECONDS` profiles gunicorn itself instead: each page loaded by wrk for that long
while py-spy samples every worker process (`--subprocesses`, idle threads left out), so the
table also shows what the test client does not: gunicorn's own HTTP work and the wait on the
database. A sample goes to the innermost frame of the stack that belongs to a layer.
"""
import argparse
import re
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from pyinstrument import Profiler

from bench import wrk
from bench.harness import BIN, Deployment
from bench.hello import app as hello
from bench.portal import COMPRESSED, Portal, table
from bench.server import TARGETS, mix_toggle

# First match wins; a frame no rule names gives its time to its caller's layer.
LAYERS = [
    ("compression", r"flask_compress|/brotli|/gzip\.py|/zlib"),
    ("CSRF", r"flask_wtf/csrf|wtforms/csrf"),
    ("limiter", r"flask_limiter|/limits/"),
    ("Babel", r"/babel/|flask_babel|app/i18n\.py|/gettext\.py"),
    ("session cookie (sign, verify)", r"itsdangerous|flask/sessions\.py|app/__init__\.py"),
    ("SQL and ORM", r"sqlalchemy|sqlite3|psycopg"),
    ("user load (login)", r"flask_login|app/sessions\.py"),
    ("Jinja", r"jinja2|markupsafe|\.html$|app/templating\.py|app/labels\.py"),
    ("logging and metrics", r"/logging/|app/observability\.py|prometheus_client"),
    ("forms", r"wtforms|app/forms\.py"),
    ("URL building and routing", r"werkzeug/routing"),
    ("Flask and Werkzeug", r"/flask/|werkzeug"),
    ("gunicorn (HTTP, workers)", r"/gunicorn/"),
    ("portal's own code", r"/app/"),
]
COMPILED = [(name, re.compile(pattern)) for name, pattern in LAYERS]


def layer(path: str | None) -> str | None:
    return next((name for name, pattern in COMPILED if path and pattern.search(path)), None)


def by_layer(frame, inherited: str = "other", totals: dict | None = None) -> dict:
    """Each frame's own time (its time less its children's) to its innermost layer."""
    totals = {} if totals is None else totals
    here = layer(frame.file_path) or inherited
    own = frame.time - sum(child.time for child in frame.children)
    totals[here] = totals.get(here, 0.0) + own
    for child in frame.children:
        by_layer(child, here, totals)
    return totals


def sender(client, path: str, headers: dict, body: str | None = None):
    """One request of a page (a GET), or of a form POST of `body` (the MIX toggle)."""
    if body is None:
        return lambda: client.get(path, headers=headers)
    return lambda: client.post(path, data=body, headers=headers, content_type="application/x-www-form-urlencoded")


def cpu_per_request(send, requests: int) -> float:
    """CPU seconds of one request, unprofiled: on a shared machine the CPU time of this process is
    steadier than the wall clock, which counts the time other people's work held the cores."""
    for _ in range(20):  # warm-up: templates compiled, caches filled, the pool open
        assert send().status_code == 200
    started = time.process_time()
    for _ in range(requests):
        send()
    return (time.process_time() - started) / requests


def profile(send, requests: int) -> Profiler:
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(requests):
        send()
    profiler.stop()
    return profiler


def under_wrk(portal: Portal, pid: int, path: str, headers: dict, body: str | None, seconds: int,
              connections: int) -> tuple[Counter, float]:
    """py-spy's samples of the gunicorn under `pid` by layer while wrk loads `path` (a POST of `body`
    if given); and wrk's requests/s."""
    wrk.run(portal.url + path, 1, 1, headers, body)  # warm up
    figures = {}
    load = threading.Thread(target=lambda: figures.update(wrk.run(portal.url + path, connections, seconds + 2,
                                                                   headers, body)))
    load.start()
    time.sleep(1)
    with tempfile.NamedTemporaryFile(suffix=".txt") as raw:
        subprocess.run([str(BIN / "py-spy"), "record", "--pid", str(pid), "--subprocesses", "--format", "raw",
                        "--rate", "250", "--full-filenames", "--duration", str(seconds), "--nonblocking",
                        "--output", raw.name],
                       check=True, capture_output=True)
        load.join()
        samples = Path(raw.name).read_text(encoding="utf-8", errors="replace")  # --nonblocking may tear a name
    totals = Counter()
    for line in samples.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # py-spy's own remarks (e.g. on a worker it could not sample)
            continue
        files = [frame[frame.rfind("(") + 1:frame.rfind(":")] for frame in stack.split(";")]
        totals[next((name for path in reversed(files) if (name := layer(path))), "other")] += int(count)
    return totals, figures["rps"]


def requests(portal: Portal) -> list[tuple[str, str, dict, str | None]]:
    """What is profiled, with the headers it is sent with (the side's cookie) and a POST's body:
    the server benchmark's pages and its MIX toggle."""
    pages = [(what, path, {**COMPRESSED, "Cookie": portal.cookies[side]} if portal.cookies[side] else COMPRESSED,
              None) for what, side, path in TARGETS]
    action, body, headers = mix_toggle(portal)
    return [*pages, ("MIX toggle", action, {**COMPRESSED, **headers}, body)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument("--tree", help="also print pyinstrument's call tree of this page (e.g. Etusivu)")
    parser.add_argument("--under-wrk", type=int, metavar="SECONDS", help="profile gunicorn under wrk with py-spy")
    parser.add_argument("--connections", type=int, default=10, help="wrk's connections with --under-wrk (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers with --under-wrk (2)")
    args = parser.parse_args()
    if args.under_wrk:
        with Deployment(workers=args.workers) as deployment:
            portal = Portal(deployment)
            results = {what: under_wrk(portal, deployment.process.pid, path, headers, body, args.under_wrk,
                                       args.connections)
                       for what, path, headers, body in requests(portal)}
        names = [name for name, _ in LAYERS] + ["other"]
        rows = [[name, *(f"{100 * totals[name] / sum(totals.values()):.0f} %" for totals, _ in results.values())]
                for name in names]
        rows.append(["**requests/s under py-spy**", *(f"{rps:.0f}" for _, rps in results.values())])
        print(f"gunicorn, {args.workers} workers, wrk {args.connections} connections for {args.under_wrk} s a page, "
              "py-spy at 250 samples/s of each worker, SQLite with the demo data\n")
        print(table(["layer", *results], rows))
        return
    with Deployment(workers=1) as deployment:
        portal = Portal(deployment)
        results = {}
        for what, path, headers, body in requests(portal):
            send = sender(portal.app.test_client(use_cookies=False), path, headers, body)
            per_request = cpu_per_request(send, args.requests)
            profiler = profile(send, args.requests)
            results[what] = (by_layer(profiler.last_session.root_frame()), per_request)
            if args.tree == what:
                print(profiler.output_text(unicode=True, show_all=False))
    names = [name for name, _ in LAYERS] + ["other"]
    rows = [[name, *(f"{100 * totals.get(name, 0) / sum(totals.values()):.0f} %" for totals, _ in results.values())]
            for name in names]
    rows.append(["**CPU time of one request (not profiled), ms**",
                 *(f"{seconds * 1000:.2f}" for _, seconds in results.values())])
    print(f"In-process, {args.requests} requests per page, production configuration, SQLite with the demo data\n")
    print(table(["layer", *results], rows))
    print("\nThe floor under every page, CPU time of one request through the same test client, ms: "
          + ", ".join(f"{what} {seconds * 1000:.2f}" for what, seconds in floor(portal, args.requests)))


def floor(portal: Portal, requests: int) -> list[tuple[str, float]]:
    """What a request costs before a page's own work: bare Flask, the portal's probe (no session, no
    template) and the accessibility statement (the layout every page shares, around fixed text)."""
    anonymous = sender(portal.app.test_client(use_cookies=False), "/saavutettavuusseloste", COMPRESSED)
    return [("bare Flask", cpu_per_request(sender(hello.test_client(), "/", COMPRESSED), requests)),
            ("/healthz", cpu_per_request(sender(portal.app.test_client(), "/healthz", COMPRESSED), requests)),
            ("accessibility statement", cpu_per_request(anonymous, requests))]


if __name__ == "__main__":
    main()
