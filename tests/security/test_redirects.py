"""Open redirects: every parameter that names where to go next (the login's and the console
login's `next`, the language switcher's `next`, the order queue's return to the referring page)
follows only a path on this site, whatever the spelling of a foreign address."""
import re
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Account, Order
from app.services.two_factor import TOTP
from tests.helpers import STAFF_TOTP_SECRET
from tests.security.conftest import MATTI

FOREIGN = [
    "https://evil.example/", "http://evil.example", "//evil.example/", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example", "https:evil.example",
    "https:/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "%2F%2Fevil.example",
    "/\t/evil.example", "/\r\n/evil.example", "\x00//evil.example", " //evil.example",
    "\u3002evil.example", "//evil.example%2F@oma.example.fi", "//oma.example.fi@evil.example",
    "https://oma.example.fi.evil.example/", "evil.example",
]
# Odd but local: wherever they lead, it is on this site.
ODD = ["", "/%2F%2Fevil.example", "/%09/evil.example", "/ /evil.example", "/.//evil.example", "/@evil.example"]
GOOD = "/salasanan-vaihto?x=1"


def stays_here(location: str) -> bool:
    """A Location a browser resolves to this site: it drops tabs and newlines, reads \\ as /."""
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").lstrip("".join(map(chr, range(33))))
    parts = urlsplit(seen)
    return location == seen and seen.startswith("/") and not seen.startswith("//") \
        and not parts.scheme and not parts.netloc


def test_the_rule_itself():
    assert stays_here("/") and stays_here("/%2F/x") and stays_here(GOOD)
    assert not any(stays_here(target) for target in FOREIGN)


def _login(client, target: str):
    return client.submit("/kirjaudu?next=" + quote(target, safe=""),
                         {"login": MATTI[0], "password": MATTI[1]}, page="/kirjaudu")


def _console_login(client, target: str):
    response = client.submit("/hallinta/kirjaudu?next=" + quote(target, safe=""),
                             {"login": "yllapito", "password": "Hallinta-Demo-2026-x"}, page="/hallinta/kirjaudu")
    if response.status_code != 303:
        return response  # refused outright (a NUL in the address)
    response = client.submit("/kirjaudu/vahvistus", {"code": TOTP(STAFF_TOTP_SECRET).now()})
    db.session.query(Account).filter_by(username="yllapito").update({"totp_last_step": 0})
    return response


def _switch(client, target: str):
    return client.submit("/kieli", {"lang": "fi", "next": target}, page="/kirjaudu")


@pytest.mark.parametrize("go", [_login, _console_login, _switch], ids=["login", "console login", "language"])
def test_next_follows_only_local_paths(world, make_client, go):
    locations = {target: go(make_client(), target).location for target in FOREIGN + ODD}
    # No Location at all is fine too: a request with a NUL in it is refused with 400.
    astray = {target: location for target, location in locations.items()
              if location is not None and not stays_here(location)}
    assert not astray
    good = go(make_client(), "/hallinta/tilaukset" if go is _console_login else GOOD).location
    assert good in (GOOD, "/hallinta/tilaukset")  # a local path is followed


def test_the_order_queue_returns_only_to_its_own_pages(console, world):
    token = console.csrf_token("/hallinta/tilaukset")
    url = f"/hallinta/tilaukset/{world.console['order_id']}/toimitettu"
    def reopen():  # each delivery needs an order that is still open
        db.session.execute(update(Order).where(Order.id == world.console["order_id"]).values(status="new"))
        db.session.commit()

    for referrer in ["https://evil.example/hallinta/tilaukset", "http://localhost.evil.example/",
                     "http://localhost@evil.example/", "//evil.example/"]:
        reopen()
        response = console.post(url, data={"csrf_token": token}, headers={"Referer": referrer})
        assert response.status_code == 303 and stays_here(response.location), referrer
    reopen()
    back = console.post(url, data={"csrf_token": token}, headers={"Referer": "http://localhost/hallinta/tilaukset?status=new"})
    assert back.location in ("/hallinta/tilaukset?status=new", "http://localhost/hallinta/tilaukset?status=new")
