"""Screenshots of the customer's main pages at 1280 and 412 px, for docs/screenshots/.

Serves a checkout of the portal (this one, or an older one made with `git worktree add`) with the
demo on a fresh SQLite file, logs in as the demo customer in Debian's Chromium and photographs
Etusivu, Tilaa, the MIX page, Tilatut palvelut, a receipt (an order placed for it) and an error
state (Salasanan vaihto with a wrong current password). The first screen of each page is what is
photographed: what a customer sees before scrolling.

    .venv/bin/python -m bench.screenshots --name after
    .venv/bin/python -m bench.screenshots --checkout /tmp/before --name before
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.harness import free_port
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WIDTHS = {"1280": {"width": 1280, "height": 900}, "412": {"width": 412, "height": 915}}


def serve(checkout: Path, port: int) -> subprocess.Popen:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "APP_CONFIG": "development", "FLASK_APP": "wsgi.py", "MAIL_BACKEND": "file",
           "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp(prefix='omahallinta-shots-')}/portal.db",
           "MAIL_DIR": tempfile.mkdtemp(prefix="omahallinta-shots-mail-"), "PORTAL_URL": f"http://127.0.0.1:{port}"}
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([bin_dir / "flask", *command], cwd=checkout, env=env, check=True, capture_output=True)
    server = subprocess.Popen([bin_dir / "gunicorn", "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=checkout,
                              env=env, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/kirjaudu")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the portal did not start")


def photograph(page, name: str, width: str) -> None:
    path = OUT / f"{name}-{width}.png"
    page.screenshot(path=path)
    print(f"{path.relative_to(OUT.parent.parent)}  {path.stat().st_size // 1024} KB")


def shots(page, base: str, name: str, width: str) -> None:
    page.goto(base + "/kirjaudu")
    page.fill("#login", "100001")
    page.fill("#password", "Lumi-Ranta-Kello-71")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/")
    photograph(page, f"{name}-etusivu", width)
    for path, shot in (("/tilaa", "tilaa"), ("/mix", "mix"), ("/tilatut-palvelut", "tilatut-palvelut")):
        page.goto(base + path)
        photograph(page, f"{name}-{shot}", width)
    # A receipt: the first product of the catalog that can be ordered, ordered.
    page.goto(base + "/tilaa")
    product = next(h for h in page.locator("main a").evaluate_all("l => l.map(a => a.getAttribute('href'))")
                   if re.fullmatch(r"/tilaa/[^/?]+", h or ""))
    page.goto(base + product)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/tilaus/\d+"))
    photograph(page, f"{name}-kuittaus", width)
    page.goto(base + "/salasanan-vaihto")
    page.fill("#current_password", "not-the-password")
    page.fill("#new_password", "Kolme-Uutta-Sanaa-2026")
    page.locator("main form button[type=submit]").click()
    page.locator("#current_password-error").wait_for()
    photograph(page, f"{name}-virhe", width)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--name", required=True, help="the files' prefix: before or after")
    args = parser.parse_args()
    port = free_port()
    server = serve(args.checkout, port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width, viewport in WIDTHS.items():
                # A new context a width: a new demo session, and the order of the receipt placed again.
                context = browser.new_context(viewport=viewport, locale="fi-FI")
                shots(context.new_page(), f"http://127.0.0.1:{port}", args.name, width)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
