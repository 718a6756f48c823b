"""IDOR: every customer route naming an object (subscription, order, mailbox, alias, feedback,
announcement) refuses another customer's object, alone or nested under the customer's own:
404 (or 403) for GET, and for POST with a valid token and the owner's own form data; nothing changes."""
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from tests.security.routes import CUSTOMER, routes
from tests.security.site import changed, crawl, fingerprint, forms_by_action


def _swaps(route, mine: dict, theirs: dict) -> list[dict]:
    """Every owned argument the other customer's: all at once, and each alone among one's own."""
    everything = {**mine, **{a: theirs[a] for a in route.owned}}
    alone = [{**mine, a: theirs[a]} for a in route.owned] if len(route.owned) > 1 else []
    return [everything, *alone]


def test_another_customers_objects_are_not_found(app, world, matti, liisa):
    owners_forms = forms_by_action(crawl(matti, "/", "/"))
    token = liisa.csrf_token("/salasanan-vaihto")
    before = fingerprint()
    problems, tried = [], 0
    for route in routes(app, {CUSTOMER}):
        for values in _swaps(route, world.liisa, world.matti) if route.owned else []:
            url = route.url(values)
            form = [p for p in owners_forms.get(urlsplit(url).path, []) if not p[0].endswith("csrf_token")]
            responses = []
            if "GET" in route.methods:
                responses.append(("GET", liisa.get(url)))
            if "POST" in route.methods:
                responses.append(("POST", liisa.post(url, data=MultiDict(form + [("csrf_token", token)]))))
            for method, response in responses:
                tried += 1
                if response.status_code not in (403, 404):
                    problems.append(f"{method} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert not changed(before)
    assert tried >= 14  # every owned-object route was reached (a broken table would try none)


def test_the_same_requests_work_for_the_owner(app, world, liisa):
    """The swap above is meaningful: each GET with the customer's own ids answers 200."""
    for route in routes(app, {CUSTOMER}):
        if route.owned and "GET" in route.methods:
            assert liisa.get(route.url(world.liisa)).status_code == 200, route
