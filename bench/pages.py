"""Page weight: every page and every htmx interaction of the portal against the budgets of DESIGN.md.

Headless Chromium (Debian's) visits every page the portal's URL map has, logged in as the
demo customer or the demo staff, once with an empty cache and once more in the same
context, and counts what crossed the network (DevTools' Network events). The htmx
interactions are sent as htmx sends them and weighed as they come compressed. Last,
Etusivu loads under Chrome's "Slow 3G" profile, next to the least that profile allows.

    .venv/bin/python -m bench.pages [--workers N]
"""
import argparse
import re

from playwright.sync_api import sync_playwright

from bench.harness import Deployment
from bench.portal import HTMX, Portal, kb, table, verdict
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

KB = 1024
HTML_BUDGET, CSS_BUDGET, PARTIAL_BUDGET = 8 * KB, 6 * KB, 2 * KB
FIRST_VISIT_BYTES, FIRST_VISIT_REQUESTS = 30 * KB, 3
# Chrome DevTools' "Slow 3G": 400 kbit/s both ways, 2000 ms added to every request.
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8}

# The htmx form posts, in the order a customer might make them: (what, side, page, action, fields).
# Each is found on its page and sent as the page's own form would send it, with `fields` changed.
POSTS = [
    ("MIX: add a channel", "customer", "/mix", r"/kanavat/", {"chosen": "1"}),
    ("MIX: add the last channel (the limit is reached)", "customer", "/mix", r"/kanavat/", {"chosen": "1"}),
    ("MIX: remove a channel (below the limit again)", "customer", "/mix", r"/kanavat/", {"chosen": "0"}),
    ("Tilaa: confirm an order", "customer", "/tilaa/{code}", r"^/tilaa/", {}),
    ("Upgrade: confirm", "customer", "/tilatut-palvelut/{subscription_id}/paivita", r"/paivita$", {}),
    ("Salasanan vaihto: wrong current password", "customer", "/salasanan-vaihto", r"^/salasanan-vaihto$",
     {"current_password": "not-the-password", "new_password": "Kolme-Uutta-Sanaa-2026"}),
    ("Käyttäjätiedot: change the email address", "customer", "/kayttajatiedot/sahkoposti",
     r"/sahkoposti$", {"email": "matti.uusi@example.fi", "password": "Lumi-Ranta-Kello-71"}),
    ("Käyttäjätiedot: cancel the change", "customer", "/kayttajatiedot", r"/peru$", {}),
    ("Sähköposti: new mailbox", "customer", "/sahkoposti", r"^/sahkoposti$",
     {"local_part": "matti.toinen", "password": "Uusi-Posti-Laatikko-7"}),
    ("Sähköposti: forwarding", "customer", "/sahkoposti", r"/edelleenlahetys$", {"addresses": "matti@example.fi"}),
    ("Sähköposti: auto-reply", "customer", "/sahkoposti", r"/automaattivastaus$",
     {"enabled": "y", "subject": "Lomalla", "body": "Palaan maanantaina."}),
    ("Sähköposti: add an alias", "customer", "/sahkoposti", r"/aliakset$", {"local_part": "mv"}),
    ("Sähköposti: remove the alias", "customer", "/sahkoposti", r"/poista$", {}),
    ("Sähköposti: mailbox password", "customer", "/sahkoposti", r"/salasana$",
     {"new_password": "Toinen-Posti-Sana-88", "account_password": "Lumi-Ranta-Kello-71"}),
    ("Sähköposti: disable the mailbox", "customer", "/sahkoposti", r"/tila$", {}),
    ("Sähköposti: enable it again", "customer", "/sahkoposti", r"/tila$", {}),
    ("Etusivu: hide an announcement", "customer", "/", r"/piilota$", {}),
    ("Palaute (console): save the status", "console", "/hallinta/palautteet/{feedback_id}", r"/palautteet/\d+$",
     {"status": "in_progress"}),
]


class Traffic:
    """What the tabs of one browser context send over the network, as DevTools sees it."""

    def __init__(self, context):
        self.context = context
        self.clear()

    def open(self, path: str, wait_until: str = "networkidle", conditions: dict | None = None):
        """A new tab on `path`: a navigation of its own (not a reload), sharing the context's cache."""
        page = self.context.new_page()
        cdp = self.context.new_cdp_session(page)
        cdp.send("Network.enable")
        if conditions:
            cdp.send("Network.emulateNetworkConditions", conditions)
        cdp.on("Network.responseReceived", self.response)
        cdp.on("Network.loadingFinished", self.finished)
        page.goto(path, wait_until=wait_until, timeout=120_000)
        return page

    def clear(self):
        self.requests, self.sizes = {}, {}

    def response(self, event):
        response = event["response"]
        # data: URLs (Chromium's own icons for form controls) never touch the network.
        cached = response.get("fromDiskCache") or response.get("fromMemoryCache")
        if response["url"].startswith("http") and not cached:
            self.requests[event["requestId"]] = f'{event["type"]} {response["status"]}'

    def finished(self, event):
        self.sizes[event["requestId"]] = event["encodedDataLength"]

    def totals(self) -> tuple[int, list[str]]:
        """Bytes received (headers and compressed bodies) and the requests that went to the server."""
        return sum(self.sizes.values()), sorted(self.requests.values())


def new_context(browser, portal: Portal, side: str) -> Traffic:
    context = browser.new_context(base_url=portal.url, locale="fi-FI")
    if portal.cookies[side]:
        name, value = portal.cookies[side].split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": portal.url}])
    return Traffic(context)


def visit_twice(browser, portal: Portal, side: str, path: str) -> list[tuple[int, list[str]]]:
    """First visit with an empty cache, then the same page again in another tab of the same browser."""
    traffic = new_context(browser, portal, side)
    visits = []
    for _ in range(2):
        traffic.clear()
        traffic.open(path)
        visits.append(traffic.totals())
    traffic.context.close()
    return visits


def measure_pages(browser, portal: Portal, pages) -> tuple[str, list[str]]:
    rows, over = [], []
    for page in pages:
        html = portal.fetch(page.path, page.side)
        (first, first_requests), (repeat, repeat_requests) = visit_twice(browser, portal, page.side, page.path)
        checks = {
            "HTML": (len(html.body) <= HTML_BUDGET, kb(len(html.body))),
            "first visit": (first <= FIRST_VISIT_BYTES and len(first_requests) <= FIRST_VISIT_REQUESTS,
                            f"{kb(first)}, {', '.join(first_requests)}"),
            "repeat visit": (repeat_requests == ["Document 200"], ", ".join(repeat_requests)),
        }
        over += [f"OVER `{page.path}` {name}: {why}" for name, (ok, why) in checks.items() if not ok]
        rows.append([f"`{page.path}`", page.side, f"{kb(len(html.body))} {html.headers.get('Content-Encoding', '')}",
                     kb(first), len(first_requests), kb(repeat), len(repeat_requests),
                     " · ".join(verdict(ok) for ok, _why in checks.values())])
    header = ["page", "side", "HTML", "first visit", "requests", "repeat visit", "requests",
              "HTML · first · repeat"]
    return table(header, rows), over


def css_line(portal: Portal) -> str:
    stylesheet = re.search(r'href="(/static/[^"]+\.css[^"]*)"', portal.fetch("/kirjaudu").text).group(1)
    size = len(portal.fetch(stylesheet).body)
    return (f"CSS `{stylesheet.split('?')[0]}`: {kb(size)} compressed, budget {kb(CSS_BUDGET)}: "
            f"{verdict(size <= CSS_BUDGET)}")


def partial(portal: Portal, side: str, path: str, data: dict | None = None) -> tuple[int, list]:
    """An htmx request: its compressed size, and the cells of its row."""
    response = portal.fetch(path, side, data=data, headers=HTMX)
    size = len(response.body)
    whole_page = "<html" in response.text  # htmx asked for a part and got everything
    return size, [response.status, f"{kb(size)} {response.headers.get('Content-Encoding', '')}".strip(),
                  "OVER: a whole page" if whole_page else verdict(size <= PARTIAL_BUDGET)]


def measure_partials(portal: Portal, pages) -> tuple[str, list[str]]:
    """Every htmx GET the pages make (the largest per route) and every htmx form post."""
    route = portal.app.url_map.bind("localhost").match
    offered = [(page.side, portal.forms(page.path, page.side).hx) for page in pages]
    by_route = {}
    for side, url in sorted({(side, url) for side, hx in offered for url in hx["hx-get"]}):
        by_route.setdefault(route(url.split("?")[0])[0], []).append((*partial(portal, side, url), url))
    rows = []
    for results in by_route.values():
        _size, cells, url = max(results, key=lambda result: result[0])
        rows.append([f"GET `{url}` (largest of {len(results)})", *cells])
    posted = set()
    for what, side, page, action, changes in POSTS:
        page = page.format(**portal.arguments)
        form = next((f for f in portal.forms(page, side).submissions if re.search(action, f.action)
                     and f.fields.get("chosen", "") == changes.get("chosen", "")), None)
        if form is None:
            rows.append([what, "no such form on " + page, "", ""])
            continue
        posted.add(route(form.action, method="POST")[0])
        _size, cells = partial(portal, side, form.action, fill(form.fields, changes))
        rows.append([f"{what}: POST `{form.action}`", *cells])
    missing = {route(url, method="POST")[0] for _side, hx in offered for url in hx["hx-post"]} - posted
    notes = [f"htmx post not measured: {endpoint}" for endpoint in sorted(missing)]
    return table(["interaction", "status", "compressed", f"≤ {kb(PARTIAL_BUDGET)}"], rows), notes


def fill(fields: dict, changes: dict) -> dict:
    """The form's own fields, with `changes` given by name or by the end of a prefixed name (m1-fw-…)."""
    filled = dict(fields)
    for key, value in changes.items():
        names = [name for name in fields if name == key or name.endswith("-" + key)] or [key]
        filled.update(dict.fromkeys(names, value))
    return filled


def slow_3g(browser, portal: Portal) -> str:
    """Etusivu's load time under Slow 3G, next to round trips × latency + bytes / bandwidth."""
    traffic = new_context(browser, portal, "customer")
    rows = []
    for visit in ("first visit", "repeat visit"):
        traffic.clear()
        page = traffic.open("/", wait_until="load", conditions=SLOW_3G)
        seconds = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
        size, requests = traffic.totals()
        round_trips = 1 if len(requests) == 1 else 2  # the page, then its stylesheet and script together
        floor = round_trips * SLOW_3G["latency"] / 1000 + size / SLOW_3G["downloadThroughput"]
        rows.append([visit, f"{seconds:.2f} s", f"{floor:.2f} s", round_trips, kb(size), len(requests)])
    traffic.context.close()
    return table(["Etusivu on Slow 3G", "loaded", "floor", "round trips", "bytes", "requests"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args()
    with Deployment(workers=args.workers) as deployment, sync_playwright() as playwright:
        portal = Portal(deployment)
        pages, skipped = portal.pages()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages_table, over = measure_pages(browser, portal, pages)
        slow = slow_3g(browser, portal)
        css = css_line(portal)
        partials, notes = measure_partials(portal, pages)
        browser.close()
    print(pages_table, css, slow, partials, sep="\n\n", end="\n\n")
    for line in [*over, *notes, *(f"not measured: `{rule}` ({why})" for rule, why in skipped)]:
        print(f"- {line}")


if __name__ == "__main__":
    main()
