"""CSRF: every POST route, customer side, console and public, refuses a request without the
session's token or with another session's token: 400 in Finnish, and nothing changes."""
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import HTMX
from tests.security.routes import ADMIN, CUSTOMER, PUBLIC, SIGNED_IN, STAFF, routes
from tests.security.site import changed, crawl, fingerprint, finnish_problem, forms_by_action

SIDES = {
    # who: (the pages to collect real form data from, the levels of routes that side posts to)
    "anonymous": ("/kirjaudu", "/", {PUBLIC}),
    "customer": ("/", "/", {SIGNED_IN, CUSTOMER}),
    "console": ("/hallinta/", "/hallinta", {STAFF, ADMIN}),
}


def _refusal_problem(response) -> str | None:
    if response.status_code != 400:
        return f"{response.status_code} {response.location or ''}"
    if "Pyynnössä oli virhe" not in response.text or "Lomake on ehkä vanhentunut" not in response.text:
        return "not the expired form's message in Finnish"
    if any(not c.startswith("oh_session=") for c in response.headers.getlist("Set-Cookie")):
        return "a cookie was set"  # e.g. the language switcher's
    return finnish_problem(response)


@pytest.mark.parametrize("side", SIDES)
def test_every_post_needs_the_sessions_own_csrf_token(app, world, make_client, side, request):
    start, inside, levels = SIDES[side]
    client = {"anonymous": make_client, "customer": lambda: request.getfixturevalue("matti"),
              "console": lambda: request.getfixturevalue("console")}[side]()
    other = request.getfixturevalue("liisa")
    foreign_token = other.csrf_token("/salasanan-vaihto")
    data = forms_by_action(crawl(client, start, inside))
    before = fingerprint()
    problems = []
    for route in routes(app, levels):
        if "POST" not in route.methods:
            continue
        url = route.url(world.values(route))
        fields = [pair for pair in data.get(urlsplit(url).path, []) if not pair[0].endswith("csrf_token")]
        attempts = {"no token": (fields, None), "no token, htmx": (fields, HTMX),
                    "another session's token": (fields + [("csrf_token", foreign_token)], None)}
        for name, (form, headers) in attempts.items():
            problem = _refusal_problem(client.post(url, data=MultiDict(form), headers=headers))
            if problem:
                problems.append(f"POST {url} with {name}: {problem}")
    assert not problems, "\n".join(problems)
    assert not changed(before)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_form_of_a_session_ended_in_another_tab_leads_to_the_login_saying_so(matti, make_client, htmx):
    """Its token went with the session: not "the form may have expired" but why, and back after logging in."""
    token = matti.csrf_token("/salasanan-vaihto")
    matti.post("/kirjaudu-ulos", data={"csrf_token": token})  # the other tab
    answer = matti.post("/salasanan-vaihto", data={"csrf_token": token, "current_password": "x"},
                        headers={"Referer": "http://localhost/salasanan-vaihto", **(HTMX if htmx else {})})
    login = "/kirjaudu?next=/salasanan-vaihto"
    assert (answer.headers["HX-Redirect"] if htmx else answer.location) == login
    assert "Istuntosi on päättynyt, joten lomaketta ei lähetetty." in matti.get(login).text
