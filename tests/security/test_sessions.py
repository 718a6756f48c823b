"""Sessions: a cookie from before login never becomes the logged-in session, and logging out or
changing the password ends every other session and every saved copy of the cookie."""
import pytest

from app.extensions import db
from app.models import Account
from app.services.two_factor import TOTP
from tests.helpers import STAFF_TOTP_SECRET, staff_login
from tests.security.conftest import MATTI

COOKIE = "oh_session"
NEW_PASSWORD = "Uusi-Kaakao-Veneessa-2026"  # noqa: S105


def _cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _replayed(make_client, value: str, url: str):
    """The page as a browser holding a saved copy of the cookie gets it."""
    thief = make_client()
    thief.set_cookie(COOKIE, value)
    return thief.get(url)


def _customer_login(client):
    client.submit("/kirjaudu", {"login": MATTI[0], "password": MATTI[1]})
    return "/"


def _console_login(client):
    client.submit("/hallinta/kirjaudu", {"login": "yllapito", "password": "Hallinta-Demo-2026-x"})
    client.submit("/kirjaudu/vahvistus", {"code": TOTP(STAFF_TOTP_SECRET).now()})
    return "/hallinta/"


@pytest.mark.parametrize("login", [_customer_login, _console_login], ids=["customer", "console"])
def test_a_cookie_planted_before_login_is_not_logged_in(world, make_client, login):
    browser = make_client()
    browser.get("/kirjaudu")  # the session starts: a CSRF token in the cookie
    with browser.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = _cookie(browser)
    home = login(browser)
    assert browser.get(home).status_code == 200
    after = _cookie(browser)
    assert after != before
    with browser.session_transaction() as session:
        assert "planted" not in session
    assert _replayed(make_client, before, home).status_code == 302  # the old cookie is not logged in


def test_the_half_way_cookie_of_a_two_step_login_is_not_logged_in(world, make_client):
    browser = make_client()
    browser.submit("/hallinta/kirjaudu", {"login": "yllapito", "password": "Hallinta-Demo-2026-x"})
    half_way = _cookie(browser)
    browser.submit("/kirjaudu/vahvistus", {"code": TOTP(STAFF_TOTP_SECRET).now()})
    assert browser.get("/hallinta/").status_code == 200
    assert _cookie(browser) != half_way
    assert _replayed(make_client, half_way, "/hallinta/").status_code == 302


def _customer(make_client):
    client = make_client()
    client.login(*MATTI)
    return client, "/"


def _staff(make_client):
    client = staff_login(make_client())
    return client, "/hallinta/"


def _customer_logout(client):
    client.submit("/kirjaudu-ulos", page="/")


def _console_logout(client):
    client.submit("/kirjaudu-ulos", page="/hallinta/")  # the one logout, for staff too


def _password_change(client):
    response = client.submit("/salasanan-vaihto", {"current_password": MATTI[1], "new_password": NEW_PASSWORD})
    assert response.status_code == 303


@pytest.mark.parametrize("who,end,stays", [
    (_customer, _customer_logout, False), (_staff, _console_logout, False), (_customer, _password_change, True),
], ids=["customer logout", "console logout", "password change"])
def test_ending_a_session_ends_the_others_and_every_saved_cookie(world, make_client, who, end, stays):
    this, home = who(make_client)
    other, _ = who(make_client)
    saved = _cookie(this)
    db.session.query(Account).update({"totp_last_step": 0})
    end(this)
    assert other.get(home).status_code == 302  # the other device is sent to log in
    assert _replayed(make_client, saved, home).status_code == 302  # so is a copy of the old cookie
    assert this.get(home).status_code == (200 if stays else 302)  # a password change keeps this session
