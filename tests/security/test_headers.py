"""Security headers on every response (pages, htmx parts, redirects, errors 400/404/405/413/429/500,
static files, downloads), scored like Mozilla's HTTP Observatory: every response must grade A+.

The responses come from the portal as production runs it: behind a TLS-terminating proxy
(TRUSTED_PROXIES=1, X-Forwarded-Proto: https) with secure cookies."""
import pytest

from app import create_app
from tests.conftest import HTMX, Client
from tests.helpers import staff_login
from tests.security import observatory
from tests.security.conftest import MATTI
from tests.security.routes import ADMIN, CUSTOMER, PUBLIC, STAFF, routes

# What the proxy adds, and the Referer a browser sends within the site (Flask-WTF checks it over HTTPS).
FORWARDED = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.7",
             "HTTP_REFERER": "https://localhost/"}


@pytest.fixture
def production(app):
    """The same portal and database, configured as behind the production proxy."""
    proxied = create_app("testing", {**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SMTP_PORT")},
                                     "TRUSTED_PROXIES": 1, "SESSION_COOKIE_SECURE": True,
                                     "PREFERRED_URL_SCHEME": "https"})  # the browser sees https
    proxied.test_client_class = Client

    def client():
        browser = proxied.test_client()
        browser.environ_base.update(FORWARDED)
        return browser

    return proxied, client


def _gets(browser, world, levels):
    for route in routes(browser.application, levels):
        if "GET" in route.methods:
            url = route.url(world.values(route))
            yield url, browser.get(url)
            yield f"{url} (htmx)", browser.get(url, headers=HTMX)


def _responses(production, world, monkeypatch):
    """A response of every kind the portal sends, by what was asked."""
    proxied, client = production
    anonymous = client()
    yield from _gets(anonymous, world, {PUBLIC, CUSTOMER})  # public pages, and redirects to the login
    page = anonymous.get("/kirjaudu")
    for asset in ("/static/app.css", page.text.split('<script src="')[1].split('"')[0]):
        yield asset, anonymous.get(asset)
    yield "404", anonymous.get("/ei-ole")
    yield "405", anonymous.get("/kirjaudu-ulos")
    yield "400", anonymous.post("/kirjaudu", data={"login": "x"})
    yield "413", anonymous.post("/kirjaudu", data={"login": "x" * (1024 * 1024 + 1)})
    yield "language switch (cookie)", anonymous.submit("/kieli", {"lang": "fi", "next": "/"}, page="/kirjaudu")
    for _ in range(10):
        anonymous.submit("/kirjaudu", {"login": "100002", "password": "vaara-salasana-1"})
    yield "429", anonymous.submit("/kirjaudu", {"login": "100002", "password": "vaara-salasana-1"})
    customer = client()
    yield "login (session cookie)", customer.submit("/kirjaudu", {"login": MATTI[0], "password": MATTI[1]})
    yield from _gets(customer, world, {CUSTOMER})
    yield "my data (JSON)", customer.submit("/kayttajatiedot/omat-tiedot", {"format": "json"}, page="/kayttajatiedot")
    monkeypatch.setitem(proxied.view_functions, "services.index", lambda: 1 / 0)
    yield "500", customer.get("/tilatut-palvelut")
    staff = client()
    staff_login(staff)
    yield from _gets(staff, world, {STAFF, ADMIN})


def test_every_response_grades_a_plus(production, world, monkeypatch):
    graded, low = 0, []
    kinds = set()
    for what, response in _responses(production, world, monkeypatch):
        points, found = observatory.score(response)
        graded += 1
        kinds.add(response.status_code)
        if observatory.grade(points) != "A+":
            low.append(f"{what} ({response.status_code}): {points} {[r for r in found if r[1] < 0]}")
    assert not low, "\n".join(low)
    assert {200, 302, 303, 400, 404, 405, 413, 429, 500} <= kinds  # every kind of response was graded
    assert graded > 100


def test_the_score_of_a_page(production, world):
    """The login page, as the Observatory would scan it: 100 + CSP, cookies, Referrer-Policy, frame-ancestors."""
    _, client = production
    points, found = observatory.score(client().get("/kirjaudu"))
    assert dict(found)["csp-implemented-with-no-unsafe"] == 5
    assert dict(found)["cookies-secure-with-httponly-sessions-and-samesite"] == 5
    assert points == 120 and observatory.grade(points) == "A+"


def test_every_cookie_is_httponly_samesite_and_secure(production, world):
    _, client = production
    browser = client()
    set_cookies = browser.submit("/kieli", {"lang": "fi", "next": "/"}, page="/kirjaudu").headers.getlist(
        "Set-Cookie") + browser.submit("/kirjaudu", {"login": MATTI[0], "password": MATTI[1]}).headers.getlist(
        "Set-Cookie")
    assert {c.split("=")[0] for c in set_cookies} == {"lang", "oh_session"}
    for cookie in set_cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie, cookie


def test_headers_in_detail(production, client, world):
    _, proxied = production
    headers = proxied().get("/kirjaudu").headers
    csp = observatory._directives(headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"] and csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
    assert int(headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= observatory.SIX_MONTHS
    assert "Strict-Transport-Security" not in client.get("/kirjaudu").headers  # plain HTTP: no HSTS
    assert "Strict-Transport-Security" in client.get("/kirjaudu", base_url="https://oma.example.fi").headers


def test_the_scorer_catches_weak_headers(app):
    """The scorer is not a rubber stamp: weakened headers lose the grade."""
    from flask import Response

    weak = Response("<html><script src='https://cdn.example/x.js'></script></html>", mimetype="text/html")
    weak.headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    weak.headers["Set-Cookie"] = "oh_session=x; Path=/"
    points, found = observatory.score(weak)
    assert observatory.grade(points) == "F", found
