"""A real browser against a real server: Debian's Chromium driven by Playwright, checked by axe-core."""
import os
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

from tests.conftest import free_port, unavailable

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these Chromium keeps calling home, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 412, "height": 915}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on loopback, in a thread, for the browser."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browse(chromium, live_server):
    """Open a page in a fresh browser context: `browse(js=False, viewport=PHONE)`."""
    contexts = []

    def open_page(js: bool = True, viewport: dict = DESKTOP):
        context = chromium.new_context(java_script_enabled=js, viewport=viewport, base_url=live_server,
                                       locale="fi-FI")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def axe_violations(page) -> str:
    """Zero violations gives an empty string; otherwise axe's own report."""
    results = Axe().run(page, options=AXE_OPTIONS)
    return "" if results.violations_count == 0 else results.generate_report()


def log_in(page, login: str = "100001", password: str = "Lumi-Ranta-Kello-71") -> None:
    page.goto("/kirjaudu")
    page.get_by_label("Asiakasnumero tai sähköpostiosoite").fill(login)
    page.get_by_label("Salasana", exact=True).fill(password)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url("**/")
