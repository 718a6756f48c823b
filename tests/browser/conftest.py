"""A real browser against a real server: Debian's Chromium driven by Playwright, checked by axe-core and
IBM's accessibility checker engine."""
import os
import re
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import serving, unavailable

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these Chromium keeps calling home, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 412, "height": 915}
# WCAG 1.4.10 Reflow: 1280 px at 400 % zoom; content must fit without scrolling sideways.
NARROW = {"width": 320, "height": 900}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}
AXE = Axe()
# IBM's engine (tests/browser/package.json, installed by `make test`) with its default rule set (WCAG 2.2 A/AA
# and IBM's supplements); what it is sure of (level "violation") fails, what it asks a person to review does
# not. Why, in docs/accessibility.md.
ACE_SCRIPT = Path(__file__).parent / "node_modules" / "accessibility-checker-engine" / "ace.js"
ACE_POLICY = "IBM_Accessibility"
ACE_FAILS = ["violation"]
# Counts the requests htmx has finished (swap included), so a test can wait for the one it started.
HTMX_WATCH = ('document.addEventListener("htmx:finally:request", '
              '() => { window.htmxDone = (window.htmxDone || 0) + 1; });')


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(chromium, live_server: str, js: bool = True, viewport: dict = DESKTOP):
    """A page in a browser context of its own (its own cookies), Finnish, at the given width."""
    context = chromium.new_context(java_script_enabled=js, viewport=viewport, base_url=live_server, locale="fi-FI")
    context.add_init_script(HTMX_WATCH)
    page = context.new_page()
    page.set_default_timeout(10000)
    return page


@pytest.fixture
def browse(chromium, live_server):
    """Open a page in a fresh browser context: `browse(js=False, viewport=PHONE)`."""
    pages = []

    def open_page(js: bool = True, viewport: dict = DESKTOP):
        pages.append(new_page(chromium, live_server, js, viewport))
        return pages[-1]

    yield open_page
    for page in pages:
        page.context.close()


@contextmanager
def htmx_swap(page):
    """Wait, at the end of the block, until htmx has finished the request the block started."""
    done = page.evaluate("window.htmxDone || 0")
    yield
    page.wait_for_function("n => (window.htmxDone || 0) > n", arg=done)


AXE_RUN = "options => axe.run(options).then(r => ({violations: r.violations}))"
ACE_RUN = """([policy, levels]) => {
    // The engine's [kind, outcome] as the levels IBM's own checker reports: violation, potentialviolation…
    const level = ([kind, outcome]) => outcome === "PASS" || outcome === "MANUAL" ? outcome.toLowerCase()
        : (outcome === "POTENTIAL" ? "potential" : "") + kind.toLowerCase();
    // The engine takes the fields of a closed <details> for shown and their labels for hidden; what is
    // not shown is checked in the state that opens it.
    const shown = path => {
        const node = document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null)
            .singleNodeValue;
        const closed = node && node.closest("details:not([open])");
        return !closed || node.closest("summary")?.parentElement === closed;
    };
    return new ace.Checker().check(document, [policy]).then(report => report.results
        .filter(r => levels.includes(level(r.value)) && shown(r.path.dom))
        .map(r => `${r.ruleId} (${level(r.value)}): ${r.message}\\n  ${r.path.dom}\\n  ${r.snippet}`));
}"""


def _axe_report(results: dict) -> str:
    results = AxeResults(results)
    return "" if results.violations_count == 0 else results.generate_report()


@cache
def _ace_script() -> str:
    if not ACE_SCRIPT.exists():
        unavailable(f"no {ACE_SCRIPT} (cd tests/browser && npm ci)")
    return ACE_SCRIPT.read_text()


# The engines' scripts (1.3 MB) are served beside the app at the live server's origin, so that a page takes
# them with a <script src> its Content-Security-Policy (script-src 'self') allows, from the browser context's
# cache after the first page, instead of receiving them over the DevTools protocol again for every document.
ENGINES = {"axe": ("/_audit/axe.js", lambda: AXE.axe_script), "ace": ("/_audit/ace.js", _ace_script)}
SERVING_ENGINES: set[str] = set()  # the origins that serve them


def _serving_engines(app):
    scripts = {path: script for path, script in ENGINES.values()}

    def serve(environ, start_response):
        script = scripts.get(environ["PATH_INFO"])
        if script is None:
            return app(environ, start_response)
        body = script().encode()
        start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"),
                                  ("Content-Length", str(len(body))), ("Cache-Control", "max-age=86400")])
        return [body]
    return serve


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on loopback for the browser, with the engines' scripts beside it."""
    with serving(_serving_engines(app)) as url:
        SERVING_ENGINES.add(url)
        yield url


def _load(page, engine: str) -> None:
    """The engine's script into the page, once per document."""
    if page.evaluate(f"typeof {engine} === 'object'"):
        return
    path, script = ENGINES[engine]
    origin = re.match(r"[a-z]+://[^/]+", page.url)
    if origin and origin.group() in SERVING_ENGINES:
        try:
            page.add_script_tag(url=origin.group() + path)
            return
        except PlaywrightError:  # a page that lets no script load (the copy of a page without JavaScript)
            pass
    page.evaluate(script())


def axe_violations(page) -> str:
    """Zero violations gives an empty string; otherwise axe's own report.

    axe runs as a script in the page; for a page opened with JavaScript off use `axe_violations_without_js`.
    """
    _load(page, "axe")
    return _axe_report(page.evaluate(AXE_RUN, AXE_OPTIONS))


def ace_violations(page) -> str:
    """Zero violations gives an empty string; otherwise one paragraph per finding: rule, message, where."""
    _load(page, "ace")
    return "\n".join(page.evaluate(ACE_RUN, [ACE_POLICY, ACE_FAILS]))


def engines_violations(page) -> dict[str, str]:
    """axe's and IBM's reports, as `axe_violations` and `ace_violations` give them, the two engines run at
    once in the page: one waits while the other works, so the two take less than one after the other."""
    _load(page, "axe")
    _load(page, "ace")
    axe, ace = page.evaluate(f"([axeOptions, aceOptions]) => Promise.all([({AXE_RUN})(axeOptions), "
                             f"({ACE_RUN})(aceOptions)])", [AXE_OPTIONS, [ACE_POLICY, ACE_FAILS]])
    return {"axe": _axe_report(axe), "IBM": "\n".join(ace)}


def duplicate_ids(page) -> list[str]:
    """The ids that more than one element of the page carries (after any htmx swap: the live document)."""
    return page.evaluate("""() => {
        const seen = new Set(), twice = new Set();
        for (const element of document.querySelectorAll("[id]")) (seen.has(element.id) ? twice : seen).add(element.id);
        return [...twice];
    }""")


def sideways_scroll(page) -> str:
    """Empty when the page fits its width (WCAG 1.4.10); else by how much it does not, and the innermost
    elements whose box or content reaches past the window (not those that a scrolling container of their
    own, such as a wide table's, keeps in)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, over = document.documentElement.scrollWidth - width;
        if (over <= 0) return "";
        const clipped = e => { if (["absolute", "fixed"].includes(getComputedStyle(e).position)) return false;
            for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
                if (getComputedStyle(a).overflowX !== "visible") return true;
            return false; };
        const reach = e => {
            const box = e.getBoundingClientRect();
            return Math.max(box.right, box.left + e.scrollWidth);
        };
        const wide = [...document.body.querySelectorAll("*")].filter(e => reach(e) > width + 0.5 && !clipped(e));
        const innermost = wide.filter(e => !wide.some(other => other !== e && e.contains(other))).slice(0, 5);
        return `${over} px wider than the window (${width} px):\\n  ` +
            innermost.map(e => e.outerHTML.slice(0, 160)).join("\\n  ");
    }""")


# A page per browser and width, at the live server's origin, where JavaScript runs but a Content-Security-Policy
# stops every script of the portal: what a page without JavaScript holds is put in it for axe to read.
COPIES: dict[tuple, object] = {}
COPY_PATH = "/axe-copy"


def _copy_page(page):
    origin = re.match(r"[a-z]+://[^/]+", page.url).group()
    key = (id(page.context.browser), page.viewport_size["width"], page.viewport_size["height"])
    copy = COPIES.get(key)
    if copy and not copy.is_closed() and copy.url.startswith(origin + "/"):
        return copy
    if copy and not copy.is_closed():
        copy.context.close()  # of the live server of an earlier test
    copy = page.context.browser.new_context(viewport=page.viewport_size, locale="fi-FI").new_page()
    copy.route(origin + COPY_PATH, lambda route: route.fulfill(
        status=200, body="<!doctype html><title></title>", content_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": "script-src 'none'"}))
    copy.goto(origin + COPY_PATH)
    COPIES[key] = copy
    return copy


def axe_violations_without_js(page) -> str:
    """axe over what a browser without JavaScript shows.

    axe cannot run in a page whose JavaScript is off, so the HTML that page holds is parsed (as a browser
    without scripting parses it) into the copy page above, at the same URL (same stylesheet, same relative
    links) and width: only axe, injected by the browser, runs. One copy page serves every check of a test
    at its width, so axe is loaded and compiled once, not once per check.
    """
    copy = _copy_page(page)
    copy.evaluate("""async ([html, url]) => {
        const parsed = new DOMParser().parseFromString(html, "text/html");
        history.replaceState(null, "", url);
        document.replaceChild(document.adoptNode(parsed.documentElement), document.documentElement);
        await Promise.all([...document.querySelectorAll("link[rel=stylesheet]")].map(link => link.sheet ||
            new Promise(loaded => { link.onload = link.onerror = loaded; })));
    }""", [page.content(), page.url.split("#")[0]])
    return axe_violations(copy)


def from_menu(page, item: str) -> None:
    """Follow a menu item as a person would: on a phone the menu is a disclosure to open first."""
    menu = page.get_by_role("navigation").locator("summary")
    if menu.is_visible():
        menu.click()
    page.get_by_role("navigation").get_by_role("link", name=item).click()


def log_in(page, login: str = "100001", password: str = "Lumi-Ranta-Kello-71") -> None:
    page.goto("/kirjaudu")
    page.get_by_label("Asiakasnumero tai sähköpostiosoite").fill(login)
    page.get_by_label("Salasana", exact=True).fill(password)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url("**/")
