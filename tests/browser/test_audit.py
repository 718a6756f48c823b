"""The accessibility audit: every page of the portal and the states a page can be in, as each demo user
sees them, checked at 1280, 412 and 320 px by two engines, axe-core (WCAG 2.2 A/AA and best practices,
target-size on) and IBM's accessibility checker engine (its violations), for sideways scrolling (WCAG
1.4.10 Reflow), and for ids that more than one element carries.

The pages are not listed by hand: every GET route of the app is opened, its arguments filled from the
demo data, by the user whose page it is; a route added later is audited too, or this module fails until
it says how to fill the route's arguments or why the route is not opened directly. Each page's forms
that check their input on the server (`novalidate`) are then submitted empty, and the states no plain
GET shows (errors after an htmx swap, the MIX limit, a confirmed order, the second login step…) are
walked through below.

One browser context per user, logged in once. Each state is checked at 1280 px, then the same page is
laid out again at 412 px and at 320 px (the media queries apply as on a phone) and checked again: the
state is reached once, not once per width, and each engine runs once per state and width.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import (
    Announcement,
    CannedReply,
    Channel,
    Customer,
    Invoice,
    LicenceKey,
    Order,
    Outage,
    OutageArea,
    OutageUpdate,
    Product,
    Subscription,
)
from app.models.base import today, utcnow
from app.services import accounts, inbox, profile, settings, support
from app.services.attachments import Upload
from app.services.demo import GROUPS
from app.services.two_factor import TOTP
from tests.browser.conftest import (
    DESKTOP,
    NARROW,
    PHONE,
    axe_violations,
    axe_violations_without_js,
    duplicate_ids,
    engines_violations,
    htmx_swap,
    log_in,
    new_page,
    sideways_scroll,
)
from tests.helpers import emailed_link

ANONYMOUS, MATTI, LIISA, PEKKA, STAFF = "anonymous", "100001", "100002", "100003", "yllapito"
PASSWORDS = {MATTI: "Lumi-Ranta-Kello-71", LIISA: "Sade-Metsa-Tuoli-38", PEKKA: "Kuu-Joki-Lamppu-55",
             STAFF: "Hallinta-Demo-2026-x"}
STAFF_SECRET = "26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE"
NEW_STAFF, NEW_STAFF_PASSWORD = "uusi.jasen", "Ulappa-Kompassi-Majakka-64"

# Whose page a route is: by endpoint, else by blueprint, else the customer with everything.
OWNERS = {"admin": STAFF, "auth": ANONYMOUS, "accessibility": ANONYMOUS, "outages": ANONYMOUS,
          "account.confirm_email": ANONYMOUS}

# GET routes not opened by URL here, and why.
NOT_OPENED = {
    "static": "stylesheet and scripts, not pages",
    "admin.billing_export": "a CSV or JSON download, not a page",
    "admin.customer_import_example": "a CSV download, not a page",
    "invoices.pdf": "the invoice's PDF copy, a download",
    "support.attachment": "a file attached to a message, a download",
    "admin.feedback_attachment": "a file attached to a message, a download",
    "healthz": "JSON for monitoring, not a page",
    "readyz": "JSON for monitoring, not a page",
    "metrics": "Prometheus' text for monitoring, not a page",
    "outages.feed": "an Atom feed, not a page (tests/outages/test_public.py validates it)",
    "auth.second_factor": "only reached by logging in: audited in the console login (staff_log_in)",
    "auth.totp_setup": "only reached at a new staff member's first login: audited in ANONYMOUS's last states",
    "api-docs.openapi_json": "the API's OpenAPI document, not a page",
    **{endpoint: "the operator API answers JSON to a token, not pages to a browser" for endpoint in (
        "api_customers.customer_list", "api_customers.customer_read", "api_customers.agreements_read",
        "api_customers.cards_read", "api_customers.subscriptions_read", "api_orders.order_list",
        "api_orders.order_read", "api_orders.events", "api_catalog.groups", "api_catalog.channels",
        "api_feedback.feedback_list", "api_feedback.feedback_read", "api_invoices.invoice_list",
        "api_invoices.invoice_read", "api_outages.outage_list", "api_outages.outage_read")},
}

# Route arguments, per user, as keys of the demo data (`audit_data`).
ARGUMENTS = {
    ANONYMOUS: {"token": "expired_token", "outage_id": "outage"},
    MATTI: {"code": "orderable", "order_id": "matti_order", "subscription_id": "broadband", "reference": "reference",
            "invoice_id": "invoice"},
    STAFF: {"customer_id": "matti", "product_id": "mix_product", "channel_id": "channel", "feedback_id": "feedback",
            "announcement_id": "announcement", "order_id": "pending_order", "outage_id": "outage",
            "canned_id": "canned"},
}


@dataclass(frozen=True)
class State:
    """A page (`url`, formatted with the demo data; None: stay where the previous state left off) and
    what is done on it before axe looks."""
    name: str
    url: str | None
    steps: tuple[Callable, ...] = ()


def press(name: str, role: str = "button"):
    """Press a control in main: htmx swaps in place when the control or its form carries hx-*; else a page loads."""
    def step(page):
        control = page.get_by_role("main").get_by_role(role, name=name, exact=True).first
        send(page, control, control.evaluate("el => !!el.closest('[hx-post], [hx-get]')"))
    return step


def send(page, control, htmx: bool) -> None:
    """Press the control and wait for what it does; after an htmx swap, focus must not be lost to <body>."""
    if not htmx:
        with page.expect_navigation():
            control.click()
        return
    with htmx_swap(page):
        control.click()
    assert page.evaluate("document.activeElement !== document.body"), f"focus lost to <body> at {page.url}"


def fill(label: str, value: str):
    return lambda page: page.get_by_role("main").get_by_label(label, exact=True).fill(value)


def tick(label: str):
    return lambda page: page.get_by_role("main").get_by_label(label, exact=True).check()


def open_every_part(page) -> None:
    closed = page.locator("main details:not([open]) > summary")
    while closed.count():
        closed.first.click()


def take_the_first(page) -> None:
    """Ota käsittelyyn on the queue's first row (the button names its reference for a screen reader)."""
    send(page, page.get_by_role("main").get_by_role("button", name=re.compile("^Ota käsittelyyn")).first, True)


def type_the_setup_code(page) -> None:
    secret = page.get_by_role("main").locator("code").first.inner_text()
    page.get_by_label("Koodi", exact=True).fill(TOTP(secret).now())


def attach(name: str, body: bytes):
    return lambda page: page.get_by_label("Liitteet").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": body})


def csv_upload(body: bytes):
    return lambda page: page.get_by_label("CSV-tiedosto").set_input_files(
        {"name": "asiakkaat.csv", "mimeType": "text/csv", "buffer": body})


CSV_HEADER = b"customer_number;name;email;phone;street_address;postal_code;city;agreements;agreements_from\n"

STATES = {
    ANONYMOUS: [
        State("wrong password", "/kirjaudu", (fill("Asiakasnumero tai sähköpostiosoite", MATTI),
                                              fill("Salasana", "ei-oikea-salasana"), press("Kirjaudu"))),
        State("new password, valid link", "{reset_link}"),
        State("new password too short", None, (fill("Uusi salasana", "lyhyt"), press("Tallenna salasana"))),
        State("email change, valid link", "{confirm_link}"),
        State("page not found", "/ei-tallaista-sivua"),
        State("Häiriöt: a bad postal code", "/hairiot?postinumero=abc"),
        State("Häiriöt: search by postal code (htmx)", "/hairiot", (fill("Postinumero", "33100"), press("Hae"))),
        State("Häiriöt: a bad postal code (htmx)", None, (fill("Postinumero", "331"), press("Hae"))),
        # Last: the context ends logged in to the console.
        State("first console login: set up two-step login", "/hallinta/kirjaudu", (
            fill("Käyttäjätunnus", NEW_STAFF), fill("Salasana", NEW_STAFF_PASSWORD), press("Kirjaudu"))),
        State("first console login: no code", None, (press("Ota käyttöön ja kirjaudu"),)),
        State("first console login: recovery codes", None, (type_the_setup_code, press("Ota käyttöön ja kirjaudu"))),
    ],
    MATTI: [
        *(State(f"Tilaa: {name}", f"/tilaa?ryhma={code}") for code, name, *_ in GROUPS),
        State("Tilaa: group switched (htmx)", "/tilaa", (press("Laajakaista", "link"),)),
        State("Tilaa: fixed-term product", "/tilaa/KIEKKOKAUSI"),
        State("Tilaa: product to upgrade to", "/tilaa/LAAJAKAISTA-300"),
        State("MIX upgrade", "/tilatut-palvelut/{mix}/paivita"),
        State("order confirmed (htmx)", "/tilaa/LISAPOSTILAATIKKO", (press("Vahvista tilaus"),)),
        State("MIX: channel added (htmx)", "/mix", (press("Elokuva Klassikot"),)),
        State("MIX: at the limit (htmx)", None, (press("Sarja TV"),)),
        State("MIX: channel removed (htmx)", None, (press("Sarja TV"),)),
        State("Käyttäjätiedot: email form in place (htmx)", "/kayttajatiedot",
              (press("Vaihda sähköpostiosoite", "link"),)),
        State("Käyttäjätiedot: wrong password (htmx)", None, (
            fill("Uusi sähköpostiosoite", "matti.uusi@example.fi"), fill("Nykyinen salasana", "ei-oikea-salasana"),
            press("Lähetä vahvistuslinkki"))),
        State("Käyttäjätiedot: waiting for confirmation (htmx)", None, (
            fill("Nykyinen salasana", PASSWORDS[MATTI]), press("Lähetä vahvistuslinkki"))),
        State("Käyttäjätiedot: my data as a page", "/kayttajatiedot", (press("Näytä sivuna"),)),
        State("Salasanan vaihto: wrong password (htmx)", "/salasanan-vaihto", (
            fill("Nykyinen salasana", "ei-oikea-salasana"), fill("Uusi salasana", "Kahvi-Purjevene-Lokakuu-9"),
            press("Vaihda salasana"))),
        State("Asiakaspalvelu: termination fields", "/asiakaspalvelu", (
            lambda page: page.get_by_label("Aihe", exact=True).select_option("termination"),)),
        State("Asiakaspalvelu: empty termination notice", None, (press("Lähetä"),)),
        State("Asiakaspalvelu: fault report fields, an outage offered first", "/asiakaspalvelu", (
            lambda page: page.get_by_label("Aihe", exact=True).select_option("fault"),)),
        State("Asiakaspalvelu: empty fault report", None, (press("Lähetä"),)),
        State("Asiakaspalvelu: a reply in the conversation (htmx)", "/asiakaspalvelu/viesti/{reference}", (
            fill("Vastauksesi", "Koskeeko irtisanominen myös kanavakorttia?"), press("Lähetä vastaus"))),
        State("Asiakaspalvelu: an empty reply (htmx)", None, (press("Lähetä vastaus"),)),
        State("Asiakaspalvelu: a file that is not a picture or PDF (htmx)", None, (
            fill("Vastauksesi", "Liitteenä kuva."), attach("kuva.pdf", b"<html></html>"), press("Lähetä vastaus"))),
        State("Sähköpostin hallinta: reserved address (htmx)", "/sahkoposti", (
            fill("Osoite ennen @-merkkiä", "postmaster"), fill("Sähköpostilaatikon salasana", "Kissa-Koira-Hevonen-77"),
            press("Luo sähköpostilaatikko"))),
        State("Sähköpostin hallinta: every part open", "/sahkoposti", (open_every_part,)),
        State("Sähköpostin hallinta: mailbox password too short (htmx)", None, (
            fill("Sähköpostilaatikon uusi salasana", "lyhyt"), press("Tallenna uusi salasana"))),
        State("Sähköpostin hallinta: forwarding to a bad address (htmx)", None, (
            open_every_part, fill("Lähetä eteenpäin osoitteisiin", "ei osoite"), press("Tallenna edelleenlähetys"))),
        State("Etusivu: announcement closed (htmx)", "/", (press("Sulje Huoltokatko"),)),
        State("page not found", "/ei-tallaista-sivua"),
    ],
    LIISA: [  # no pay-TV card; a security order waiting for its licence key
        State("Etusivu: pending order", "/"),
        State("MIX without a pay-TV card", "/mix"),
        State("Tilaa: TV channels without a card", "/tilaa?ryhma=tv"),
        State("Tilaa: MIX without a card", "/tilaa?ryhma=mix"),
        State("pay channel without a card", "/tilaa/JUNIOR"),
        State("Tilatut palvelut: pending order", "/tilatut-palvelut"),
    ],
    PEKKA: [  # a connection agreement but no billing agreement, no MIX, no mailbox
        State("Tilaa without a billing agreement", "/tilaa?ryhma=email"),
        State("product without a billing agreement", "/tilaa/LISAPOSTILAATIKKO"),
        State("MIX: no package", "/mix"),
        State("Sähköpostin hallinta: no mailboxes", "/sahkoposti"),
    ],
    STAFF: [
        State("customer: every part open", "/hallinta/asiakkaat/{matti}", (open_every_part,)),
        State("customers: search", "/hallinta/asiakkaat?q=Virtanen"),
        State("customers: nothing found", "/hallinta/asiakkaat?q=zzzz"),
        State("billing of a month", "/hallinta/laskutus?kuukausi=2026-11"),
        State("import: errors", "/hallinta/tuonti", (
            csv_upload(CSV_HEADER + b"100010;Uusi Asiakas;;;Katu 1;33100;Tampere;connection;31.2.2023\n"),
            press("Esikatsele"))),
        State("import: preview", "/hallinta/tuonti", (
            csv_upload(CSV_HEADER + b"100010;Uusi Asiakas;;;Katu 1;33100;Tampere;connection;2023-09-01\n"),
            press("Esikatsele"))),
        State("Palautteet: taken to handle (htmx)", "/hallinta/palautteet", (take_the_first,)),
        State("Palautteet: a canned reply used (htmx)", "/hallinta/palautteet/{feedback}", (press("Käytä"),)),
        State("API tokens: a new token shown once", "/hallinta/asetukset/api", (
            fill("Nimi", "Laskutus"), tick("Luku: asiakkaat, sopimukset, maksu-TV-kortit ja palvelut"),
            press("Luo avain"))),
        State("API tokens: one made and one revoked", "/hallinta/asetukset/api", (
            press("Peru Laskutus"),)),
        State("API tokens: no permission chosen", "/hallinta/asetukset/api", (
            fill("Nimi", "Verkko"), press("Luo avain"))),
    ],
}


def customer_log_in(user: str):
    return lambda page, audit: log_in(page, user, PASSWORDS[user])


def staff_log_in(page, audit) -> None:
    """The console login, auditing its second step (auth.second_factor) on the way."""
    page.goto("/hallinta/kirjaudu")
    fill("Käyttäjätunnus", STAFF)(page)
    fill("Salasana", PASSWORDS[STAFF])(page)
    press("Kirjaudu")(page)
    page.wait_for_url("**/kirjaudu/vahvistus")
    audit("second login step")
    fill("Koodi", "000000")(page)
    press("Vahvista")(page)
    audit("second login step: wrong code")
    fill("Koodi", TOTP(STAFF_SECRET).now())(page)
    press("Vahvista")(page)
    page.wait_for_url("**/hallinta/")


LOG_IN = {ANONYMOUS: lambda page, audit: None, MATTI: customer_log_in(MATTI), LIISA: customer_log_in(LIISA),
          PEKKA: customer_log_in(PEKKA), STAFF: staff_log_in}


def owner(endpoint: str) -> str:
    return OWNERS.get(endpoint) or OWNERS.get(endpoint.partition(".")[0], MATTI)


def get_routes(app):
    return [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint not in NOT_OPENED]


def arguments(rule) -> set[str]:
    """What a URL of the rule needs (not what the rule sets itself, as `/tuotteet/uusi` sets product_id)."""
    return rule.arguments - (rule.defaults or {}).keys()


def pages_of(app, user: str, data: dict) -> list[State]:
    """Every GET route that is `user`'s page, its arguments filled from the demo data."""
    return [State(rule.rule, rule.build({a: data[ARGUMENTS[user][a]] for a in arguments(rule)})[1])
            for rule in get_routes(app) if owner(rule.endpoint) == user]


def test_every_get_route_is_audited_or_says_why_not(app):
    for endpoint in NOT_OPENED:
        assert endpoint in app.view_functions, f"NOT_OPENED names {endpoint}, which is no longer a route"
    for rule in get_routes(app):
        missing = arguments(rule) - ARGUMENTS.get(owner(rule.endpoint), {}).keys()
        assert not missing, (f"{rule.rule}: no demo value for {sorted(missing)}; add it to ARGUMENTS, "
                             f"or say in NOT_OPENED why the page is not opened")




def _id(model, **where) -> int:
    return db.session.query(model.id).filter_by(**where).scalar()


@pytest.fixture
def audit_data(app, demo_data) -> dict:
    """The demo, plus what makes the remaining pages show: an announcement, a termination notice with an
    attachment, a
    security order waiting for its key, links by email, and a staff member who has not logged in yet."""
    with app.test_request_context():
        matti = db.session.query(Customer).filter_by(customer_number=MATTI).one()
        liisa = db.session.query(Customer).filter_by(customer_number=LIISA).one()
        mix = db.session.query(Subscription).join(Product).filter(
            Subscription.customer_id == matti.id, Product.code == "MIX-6").one()
        db.session.add(Announcement(title="Huoltokatko", body="Katso https://www.ipp.fi/huolto", valid_from=today()))
        outage = Outage(title="Laajakaistakatko Tampereella", description="Kuitukaapeli katkesi.",
                        started_at=utcnow() - timedelta(hours=1), estimated_fix_at=utcnow() + timedelta(hours=3),
                        areas=[OutageArea(kind="postal_code", value="33100")],
                        updates=[OutageUpdate(text="Korjaajat paikalla.")])
        db.session.add(outage)
        security = db.session.query(Product).filter_by(code="TURVAPAKETTI-5").one()
        db.session.query(LicenceKey).filter_by(product_id=security.id).delete()
        db.session.add(Order(customer=liisa, product=security, status="pending", idempotency_key="audit-wait",
                             subscription=Subscription(customer=liisa, product=security, starts_on=today(),
                                                       status="pending"),
                             price_cents=security.price_cents, vat_basis_points=security.vat_basis_points))
        db.session.commit()
        feedback = support.send(matti.id, support.Message(
            topic="termination", message="Irtisanon MIX-paketin.", contact_email=matti.email,
            contact_phone=matti.phone, subscription_ids=[mix.id], wished_end_date=today() + timedelta(days=30),
            attachments=[Upload("irtisanomisilmoitus.pdf", b"%PDF-1.7\n%%EOF\n")]))
        # An unread reply from the staff: the menu's count and the list's mark are audited on Matti's pages.
        inbox.reply(inbox.get(support.send(matti.id, support.Message(topic="support", message="Netti pätkii.")).id),
                    "Kokeilethan käynnistää modeemin uudelleen.")
        profile.request_email_change(liisa.account, "liisa.uusi@example.fi", PASSWORDS[LIISA])
        accounts.request_password_reset("pekka.nieminen@example.fi")
        settings.add_staff(NEW_STAFF, "Uusi Jäsen", "staff", NEW_STAFF_PASSWORD)
        data = {
            "matti": matti.id, "mix": mix.id, "reference": feedback.reference, "feedback": feedback.id,
            "broadband": db.session.query(Subscription.id).join(Product).filter(
                Subscription.customer_id == matti.id, Product.code == "LAAJAKAISTA-100").scalar(),
            "matti_order": _id(Order, customer_id=matti.id, idempotency_key="demo-100001-LAAJAKAISTA-100"),
            "pending_order": _id(Order, idempotency_key="audit-wait"),
            "mix_product": _id(Product, code="MIX-6"), "orderable": "LISAPOSTILAATIKKO",
            "channel": _id(Channel, name="Sport One"),
            "announcement": _id(Announcement, title="Huoltokatko"), "outage": outage.id,
            "confirm_link": emailed_link("email_change_confirm"), "reset_link": emailed_link("password_reset"),
            "expired_token": "vanhentunut-linkki",
            "invoice": db.session.query(func.max(Invoice.id)).filter_by(customer_id=matti.id).scalar(),
            "canned": db.session.query(func.min(CannedReply.id)).scalar(),
        }
    db.session.commit()  # nothing of the test stays open: the server writes next
    return data


def visit(page, url: str) -> None:
    """Open a page and let htmx finish what it loads by itself (hx-trigger="load")."""
    page.goto(url)
    page.wait_for_function("() => (window.htmxDone || 0) >= document.querySelectorAll('[hx-trigger~=load]').length")


def empty_forms(page) -> list[int]:
    """The forms on the page that check their input on the server and have fields to leave empty."""
    return page.evaluate("""() => [...document.querySelectorAll('main form[method=post][novalidate]')]
        .map((form, i) => [form, i])
        .filter(([form]) => form.checkVisibility() && form.querySelector(
            'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea'))
        .map(([, i]) => i)""")


def submit_empty(page, index: int) -> None:
    form = page.locator("main form[method=post][novalidate]").nth(index)
    for field in form.locator("input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), "
                              "textarea").all():
        if field.is_visible():  # a field the style sheet hides is not the customer's to fill
            field.fill("")
    button = form.locator("button[type=submit], button:not([type])").first
    send(page, button, form.evaluate("f => f.matches('[hx-post]')"))


# Defects the audit must catch, as the portal once had them; and a field in a closed <details>, which IBM's
# engine alone would take for unlabelled.
KNOWN_DEFECTS = """<!doctype html><html lang="fi"><head><title>Viat</title></head><body><main>
<div id="status" role="status"></div>
<form><label for="status">Tila</label><select id="status"><option>Kaikki</option></select></form>
<h1 style="font-size: 3rem; overflow-wrap: normal">Saavutettavuusseloste</h1>
<input type="text" name="nimeton">
<details><summary>Lisää</summary><label for="piilossa">Piilossa</label><input id="piilossa" type="text"></details>
</main></body></html>"""


# A script that would mend the unlabelled field: a browser without JavaScript never runs it.
MENDED_BY_SCRIPT = KNOWN_DEFECTS.replace(
    "</main>", "</main><script>document.querySelector('[name=nimeton]').ariaLabel = 'Nimi'</script>")


def test_the_checks_catch_known_defects(chromium):
    page = chromium.new_page(viewport=NARROW)
    try:
        page.set_content(KNOWN_DEFECTS)
        assert duplicate_ids(page) == ["status"]
        assert re.match(r"\d+ px wider than the window \(320 px\):\n  <h1", sideways_scroll(page))
        reports = engines_violations(page)  # as the audit runs them: both at once
        assert "\nlabel - " in reports["axe"] and 'name="nimeton"' in reports["axe"]
        assert "input_label_exists" in reports["IBM"] and 'name="nimeton"' in reports["IBM"]
        assert "piilossa" not in reports["IBM"]
    finally:
        page.close()


CLEAN = "<!doctype html><html lang=fi><title>Ok</title><main><h1>Ok</h1></main>"


def test_the_check_without_javascript_reads_what_such_a_browser_shows(chromium):
    """The no-JavaScript check sees the page as a browser without scripting has it: a script that would mend
    the defect is not run, and the copy page it reads in, reused by the next check, keeps nothing of it."""
    for js, found in ((True, False), (False, True)):
        page = chromium.new_context(java_script_enabled=js, viewport=NARROW).new_page()
        try:
            page.route("http://viat.test/**", lambda route: route.fulfill(body=MENDED_BY_SCRIPT,
                                                                          content_type="text/html"))
            page.goto("http://viat.test/sivu")
            report = axe_violations(page) if js else axe_violations_without_js(page)
            assert ("\nlabel - " in report) is found, report
            page.route("http://viat.test/**", lambda route: route.fulfill(body=CLEAN, content_type="text/html"))
            page.goto("http://viat.test/toinen")
            assert (axe_violations(page) if js else axe_violations_without_js(page)) == ""
        finally:
            page.context.close()


# Each user's pages, their forms sent empty and their states are three tests, so that two workers share the
# longest runs.
@pytest.mark.parametrize("part", ["pages", "empty forms", "states"])
@pytest.mark.parametrize("user", [ANONYMOUS, MATTI, LIISA, PEKKA, STAFF])
def test_every_page_and_state_passes_the_audit(app, chromium, live_server, audit_data, user, part):
    page = new_page(chromium, live_server, viewport=DESKTOP)
    failures, audited = {}, []

    def audit(name: str) -> None:
        """No duplicate id, then every check at each width: the same page and state, laid out again at the
        width of a phone and at 320 px, then back at 1280 px for the next step."""
        audited.append(name)
        if ids := duplicate_ids(page):
            failures[f"{name} ({page.url}): duplicate ids"] = ", ".join(ids)
        for viewport in (PHONE, NARROW, DESKTOP):
            reports = {**engines_violations(page), "sideways scroll": sideways_scroll(page)}
            for check, report in reports.items():
                if report:
                    failures[f"{name} at {page.viewport_size['width']} px ({page.url}): {check}"] = report
            page.set_viewport_size(viewport)
            page.evaluate("() => new Promise(requestAnimationFrame)")  # the page's resize handlers have run

    try:
        LOG_IN[user](page, audit if part == "pages" else lambda name: None)
        for state in pages_of(app, user, audit_data) if part != "states" else ():
            visit(page, state.url)
            if part == "pages":
                audit(state.name)
            for index in empty_forms(page) if part == "empty forms" else ():
                visit(page, state.url)
                submit_empty(page, index)
                audit(f"{state.name}, form {index + 1} sent empty")
        for state in STATES[user] if part == "states" else ():
            if state.url:
                visit(page, state.url.format(**audit_data))
            for step in state.steps:
                step(page)
            audit(state.name)
    finally:
        page.context.close()
    print(f"{user}, {part}: {len(audited)} audited at 1280, 412 and 320 px")
    assert not failures, "\n\n".join(f"== {where}\n{report}" for where, report in failures.items())
