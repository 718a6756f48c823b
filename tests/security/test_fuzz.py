"""Fuzz: every form the demo users can reach (found from the pages, so a new form is fuzzed
without anyone listing it) and every route parameter, filled with arbitrary unicode, control
characters, NUL, huge values, numbers out of range, missing and repeated fields, forged ids.

Whatever comes in, the portal answers below 500, in Finnish, and a refused request leaves the
database as it was. A valid-looking submission may change something (a saved name): only refused
ones are held to "unchanged". The examples are derandomized, so every run tries the same ones;
FUZZ_EXAMPLES raises the count per form for a longer hunt.
"""
import io
import os
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from app.extensions import db, limiter
from app.models import Customer
from tests.conftest import HTMX, csrf_token_of
from tests.helpers import staff_login
from tests.security.conftest import MATTI
from tests.security.routes import ADMIN, CUSTOMER, PUBLIC, SIGNED_IN, STAFF, routes
from tests.security.site import changed, crawl, filled, fingerprint, finnish_problem, forms_of, rejected

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
CONTROL = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u202e\ufeff"),
                  min_size=1, max_size=8)
HUGE = st.sampled_from(["x" * 5000, "ä" * 70000, "9" * 400, "a@" + "b" * 300 + ".fi", "\x00" * 3000])
NUMBERS = st.integers(-(2**70), 2**70).map(str) | st.floats().map(str) | st.sampled_from(
    ["NaN", "-inf", "1e309", "-0", "0x1F", "1_000", "٣", "１２", "12,50", "2147483648", "-2147483649"])
DATES = st.dates().map(str) | st.sampled_from(
    ["0000-00-00", "9999-12-31", "2026-02-30", "24.11.2026", "2026-13-01", "-2026-01-01", "2026-01-01T25:00"])
SPECIAL = st.sampled_from(["", " ", "\x00", "on", "y", "1", "0", "true", "None", "<script>alert(1)</script>",
                           "' OR '1'='1", "../../etc/passwd", "%00", "😀", "é@ä.fi", "a@b", "\r\nBcc: x@evil.example",
                           "{{7*7}}", "${7*7}", "=cmd|' /C calc'!A0"])
VALUE = st.one_of(TEXT, CONTROL, HUGE, NUMBERS, DATES, SPECIAL)
FORGED_ID = st.sampled_from(["0", "2147483647", "2147483648", "99999999999999999999", "-1", "1e3", "٣", "abc",
                             "%00", "%2e%2e", "1%0a"])
FILE = st.builds(lambda body, name: (io.BytesIO(body), name), st.binary(max_size=400) | VALUE.map(str.encode),
                 st.sampled_from(["a.csv", "../../x.csv", "\x00.txt", "ä.csv", ""]))


@dataclass
class Visitor:
    """A browser of one user; logs in again when a fuzzed form ended its session. `unchanged` is the
    database's fingerprint while only refused requests have come since it was taken (each of them was
    checked to have changed nothing), so the next request need not take it again."""

    client: object
    login: object  # a function of the client, or None for an anonymous visitor
    home: str  # a page of the user's with a CSRF token (every page has one in its logout or login form)
    token: str = ""
    unchanged: dict | None = None

    def refresh(self) -> None:
        page = self.client.get(self.home)
        if self.login and page.status_code != 200:
            self.login(self.client)
            page = self.client.get(self.home)
        db.session.execute(update(Customer).where(Customer.locale != "fi").values(locale="fi"))
        db.session.commit()  # a fuzzed language choice would make the next page Swedish or English
        self.client.delete_cookie("lang")
        self.token = csrf_token_of(page)
        self.unchanged = None


def _check(response, before: dict, what: str) -> None:
    assert response.status_code < 500, what
    problem = finnish_problem(response)
    assert not problem, f"{what}: {problem}"
    if rejected(response):
        assert not changed(before), f"{what} was refused ({response.status_code}) but changed the database"


def _send(visitor, method: str, url: str, pairs: list, htmx: bool) -> None:
    """One fuzzed request, checked; then the visitor is made whole again."""
    limiter.reset()
    what = f"{method} {url} {[(k, v if isinstance(v, str) else '<file>') for k, v in pairs]!r}"[:2000]
    before = visitor.unchanged or fingerprint()
    headers = HTMX if htmx else None
    if method == "GET":
        response = visitor.client.get(url, query_string=MultiDict(pairs), headers=headers)
    else:
        response = visitor.client.post(url, data=MultiDict(pairs), headers=headers)
    _check(response, before, what)
    if rejected(response) or (method == "GET" and response.status_code == 200 and not changed(before)):
        visitor.unchanged = before  # refused, or a page read (no GET signs out or picks a language)
    else:
        visitor.refresh()


def _field(data, f: dict) -> list:
    """One control as a fuzzed browser might send it: as it was, another option, junk, twice, or not at all."""
    if f["kind"] == "file":
        return [(f["name"], data.draw(FILE))]
    mode = data.draw(st.sampled_from(["keep", "fuzz", "option", "repeat", "omit"]))
    if mode == "keep" and f["value"] is not None:
        return [(f["name"], f["value"])]
    if mode == "option" and f["options"]:
        return [(f["name"], data.draw(st.sampled_from(f["options"])))]
    if mode == "repeat":
        return [(f["name"], v) for v in data.draw(st.lists(VALUE, min_size=2, max_size=3))]
    if mode == "omit":
        return []
    return [(f["name"], data.draw(VALUE))]


def _forged(data, url: str, world) -> str:
    """Now and then an id in the path forged: out of range, not a number, another customer's."""
    others = st.sampled_from([str(v) for v in world.liisa.values() if isinstance(v, int)])
    return re.sub(r"(?<=/)\d+(?=/|$)", lambda m: data.draw(st.one_of(st.just(m.group()), FORGED_ID, others)),
                  urlsplit(url).path) + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")


def fuzz_form(visitor: Visitor, form, world) -> None:
    @FUZZ
    @given(st.data())
    def example(data):
        pairs = [pair for f in form.fields if not f["name"].endswith("csrf_token") for pair in _field(data, f)]
        token = data.draw(st.sampled_from(["session", "session", "session", "missing", "junk"]))
        if token != "missing" and form.method == "POST":
            name = next((f["name"] for f in form.fields if f["name"].endswith("csrf_token")), "csrf_token")
            pairs.append((name, visitor.token if token == "session" else data.draw(VALUE)))
        if data.draw(st.booleans()):
            pairs.append((data.draw(st.sampled_from(["extra", "id", "customer_id", "role", "__class__"])),
                          data.draw(VALUE)))
        _send(visitor, form.method, _forged(data, form.action, world), pairs, data.draw(st.booleans()))

    example()


def _customer_login(client):
    client.login(*MATTI)


SIDES = {
    # who: (log in, home, start of the crawl, the part of the site crawled)
    "anonymous": (None, "/kirjaudu", "/kirjaudu", "/"),
    "customer": (_customer_login, "/", "/", "/"),
    "console": (staff_login, "/hallinta/", "/hallinta/", "/hallinta"),
}


def _visitor(make_client, side: str) -> Visitor:
    login, home, *_ = SIDES[side]
    visitor = Visitor(make_client(), login, home)
    if login:
        login(visitor.client)
    visitor.refresh()
    return visitor


@pytest.mark.parametrize("side", SIDES)
def test_every_form_survives_fuzzing(world, make_client, side):
    visitor = _visitor(make_client, side)
    *_, start, inside = SIDES[side]
    forms = forms_of(crawl(visitor.client, start, inside))
    assert len(forms) >= {"anonymous": 3, "customer": 15, "console": 25}[side]  # the crawl found the forms
    for form in forms:
        fuzz_form(visitor, form, world)


TEXT_KINDS = {"text", "textarea", "email", "search", "tel", "url"}


@pytest.mark.parametrize("side", SIDES)
def test_every_form_refuses_a_control_character_in_its_text_fields(world, make_client, side):
    """Random draws put a NUL in a given field rarely (the console's rejection reason took one to
    Postgres, a 500): each form is also sent once as it stands with a NUL and an ESC added to every
    text field, and must be refused whole."""
    visitor = _visitor(make_client, side)
    *_, start, inside = SIDES[side]
    for form in forms_of(crawl(visitor.client, start, inside)):
        kinds = {f["name"]: f["kind"] for f in form.fields}
        if not TEXT_KINDS & set(kinds.values()):
            continue
        pairs = [(name, value + "\x00\x1b" if kinds[name] in TEXT_KINDS else value) for name, value in filled(form)]
        limiter.reset()
        before = fingerprint()
        if form.method == "GET":
            response = visitor.client.get(form.action, query_string=MultiDict(pairs), headers=HTMX)
        else:
            response = visitor.client.post(form.action, data=MultiDict(pairs), headers=HTMX)
        _check(response, before, f"{form.method} {form.action}")
        assert rejected(response), f"{form.method} {form.action} took {pairs!r}"


@pytest.mark.parametrize("side", SIDES)
def test_every_required_text_field_refuses_spaces_alone(world, make_client, side):
    """Spaces alone are no text: each required text field is sent once filled with them (a space, a
    no-break space, an ideographic space), the rest of its form as it stands, and the form must be
    refused (the console once saved an outage titled with spaces, an empty heading on /hairiot)."""
    visitor = _visitor(make_client, side)
    *_, start, inside = SIDES[side]
    tried = 0
    for form in forms_of(crawl(visitor.client, start, inside)):
        for field in (f for f in form.fields if f.get("required") and f["kind"] in TEXT_KINDS - {"search"}):
            visitor.refresh()
            pairs = [(name, " \u00a0\u3000" if name == field["name"] else
                      visitor.token if name.endswith("csrf_token") else value) for name, value in filled(form)]
            limiter.reset()
            before = fingerprint()
            response = visitor.client.post(form.action, data=MultiDict(pairs), headers=HTMX)
            _check(response, before, f"{form.action} {field['name']}")
            # 422: the form again with its refusals, not a refusal of the request itself (a token, a limit)
            assert response.status_code == 422, f"{form.action} took spaces alone in {field['name']}"
            tried += 1
    assert tried, "no required text field found"


PLAUSIBLE = {"email": "testi@example.fi", "tel": "040 123 4567"}


@pytest.mark.parametrize("side", SIDES)
def test_every_field_may_be_left_out(world, make_client, side):
    """A request without one of its form's fields (a crafted one: a browser sends them all) is answered
    below 500, each field in turn (the console's outage form without its municipalities was a 500)."""
    visitor = _visitor(make_client, side)
    *_, start, inside = SIDES[side]
    for form in forms_of(crawl(visitor.client, start, inside)):
        # The required text filled in, so that the form gets past its own checks to what the view does next.
        plausible = {f["name"]: PLAUSIBLE.get(f["kind"], "Testi") for f in form.fields
                     if f.get("required") and f["kind"] in TEXT_KINDS and not f["value"]}
        sent = [(name, plausible.get(name, value)) for name, value in filled(form)]
        for name in {name for name, _ in sent if not name.endswith("csrf_token")}:
            _send(visitor, form.method, form.action, [pair for pair in sent if pair[0] != name], htmx=False)


ROUTE_SIDES = {"anonymous": {PUBLIC}, "customer": {SIGNED_IN, CUSTOMER}, "console": {STAFF, ADMIN}}
# Query parameters the pages read; every GET route gets them fuzzed whether it reads them or not.
QUERY = ["next", "q", "sivu", "ryhma", "status", "kind", "kuukausi", "asiakas", "tekija", "tapahtuma", "topic",
         "v", "format"]


def _path_value(data, name: str, world_values: dict) -> str:
    """A route argument: its real value, a forged id, or any text (quoted into the path)."""
    real = str(world_values.get(name, "x"))
    junk = data.draw(st.one_of(FORGED_ID, TEXT.filter(bool).map(lambda t: quote(t, safe=""))))
    return data.draw(st.sampled_from([real, junk]))


@pytest.mark.parametrize("side", ROUTE_SIDES)
def test_every_route_parameter_survives_fuzzing(app, world, make_client, side):
    visitor = _visitor(make_client, side)
    found = [r for r in routes(app, ROUTE_SIDES[side]) if r.endpoint != "auth.logout"]

    @settings(FUZZ, max_examples=EXAMPLES * len(found))
    @given(st.data())
    def example(data):
        route = data.draw(st.sampled_from(found))
        values = {**world.values(route), **route.choices}
        path = route.rule.rule
        for name in route.arguments:
            path = re.sub(rf"<(?:[^<>]*:)?{name}>", lambda _m, n=name: _path_value(data, n, values), path)
        method = data.draw(st.sampled_from(route.methods))
        pairs = [(name, data.draw(FORGED_ID | VALUE)) for name in QUERY if data.draw(st.booleans())]
        if method == "POST":
            pairs.append(("csrf_token", visitor.token))
        _send(visitor, method, path, pairs, data.draw(st.booleans()))

    example()


# Values at the edges, tried in every parameter of every route (random draws find these rarely).
BOUNDARY = ["99999999999999999999", "2147483648", "-1", "0", "", "\x00", "x" * 5000, "%", "ä😀", "1e309",
            "2026-02-30", "//evil.example"]


@pytest.mark.parametrize("side", ROUTE_SIDES)
def test_edge_values_in_every_route_parameter(app, world, make_client, side):
    visitor = _visitor(make_client, side)
    for route in routes(app, ROUTE_SIDES[side]):
        if route.endpoint == "auth.logout":
            continue
        values = {**world.values(route), **route.choices}
        for edge in BOUNDARY:
            path = route.rule.rule
            for name in route.arguments:
                path = re.sub(rf"<(?:[^<>]*:)?{name}>", quote(edge, safe="") or "x", path)
            pairs = [(name, edge) for name in QUERY]
            for method in route.methods:
                _send(visitor, method, path, pairs + ([("csrf_token", visitor.token)] if method == "POST" else []),
                      htmx=False)
            real = route.url(values)  # the real objects, with the edge in every query parameter
            if "GET" in route.methods:
                _send(visitor, "GET", real, pairs, htmx=False)
