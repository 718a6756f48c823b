"""Every route is accounted for, and each is open only to whom it is for: anonymous visitors
are sent to a login, customers never reach the console, staff never reach a customer's page."""
from tests.security.routes import ACCESS, ADMIN, CUSTOMER, NOT_SERVED, PUBLIC, SIGNED_IN, STAFF, routes
from tests.security.site import changed, fingerprint


def test_every_route_is_covered_by_the_security_suites(app, world):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unknown = endpoints - set(ACCESS)
    assert not unknown, f"add these routes to tests/security/routes.py ACCESS: {sorted(unknown)}"
    assert not set(NOT_SERVED) & endpoints, "a route listed as not served is served: move it to ACCESS"
    assert not set(ACCESS) - endpoints, f"stale entries in ACCESS: {sorted(set(ACCESS) - endpoints)}"
    values = {**world.console, **world.matti}
    for route in routes(app):
        missing = set(route.arguments) - set(values) - set(route.choices)
        assert not missing, f"{route}: no value for {sorted(missing)} in tests/security/conftest.py World"


# A page each kind of client can open, for its session's CSRF token.
TOKEN_PAGE = {"anonymous": "/kirjaudu", "customer": "/salasanan-vaihto", "staff": "/hallinta/"}


def _attempts(client, route, values, token):
    """The route's GET, and its POST with a valid CSRF token of the client's session."""
    url = route.url(values)
    if "GET" in route.methods:
        yield "GET", client.get(url)
    if "POST" in route.methods:
        yield "POST", client.post(url, data={"csrf_token": token})


def _refused(client, who, found, expect, world, levels):
    before = fingerprint()
    token = client.csrf_token(TOKEN_PAGE[who])
    problems = []
    for route in found:
        if route.access not in levels:
            continue
        for method, response in _attempts(client, route, world.values(route), token):
            if not expect(response):
                problems.append(f"{method} {response.request.path}: {response.status_code} {response.location}")
    assert not problems, "\n".join(problems)
    assert not changed(before)


def test_anonymous_visitors_are_sent_to_the_right_login(app, client, world):
    def to_login(response):
        login = "/hallinta/kirjaudu" if response.request.path.startswith("/hallinta") else "/kirjaudu"
        if response.request.method == "GET":
            return response.status_code == 302 and response.location.startswith(login + "?next=")
        # A form sent without a session leads back to the page it is on: its own address when that takes
        # a GET, else the page a Referer names (none here).
        return response.status_code == 302 and (response.location == login
                                                or response.location == f"{login}?next={response.request.path}")

    _refused(client, "anonymous", routes(app), to_login, world, {SIGNED_IN, CUSTOMER, STAFF, ADMIN})


def test_customers_never_reach_the_console(app, liisa, world):
    _refused(liisa, "customer", routes(app), lambda r: r.status_code == 403, world, {STAFF, ADMIN})
    assert liisa.get("/").status_code == 200  # and the customer's session is not harmed


def test_staff_never_reach_a_customers_page(app, console, world):
    def to_console(response):
        return response.status_code == 303 and response.location == "/hallinta/"

    _refused(console, "staff", routes(app), to_console, world, {CUSTOMER})


def test_admin_sections_refuse_a_staff_member(app, staff_member, world):
    _refused(staff_member, "staff", routes(app), lambda r: r.status_code == 403, world, {ADMIN})
    before = fingerprint()
    for route in routes(app, {STAFF}):
        if "GET" in route.methods and not route.arguments:
            assert staff_member.get(route.url({})).status_code == 200, route
    assert not changed(before)


def test_public_routes_answer_without_a_session(app, client, world):
    for route in routes(app, {PUBLIC}):
        if "GET" in route.methods:
            response = client.get(route.url(world.values(route)))
            assert response.status_code < 500, route
            assert "?next=" not in (response.location or ""), route
