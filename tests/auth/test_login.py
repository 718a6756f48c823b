"""Kirjautuminen (S1): who gets in, what they are told, and how sessions end."""
import re
import unicodedata

import pytest
from argon2 import PasswordHasher

from app.extensions import db
from app.models import Account, AuditEvent
from app.security import hash_password, verify_password
from tests.conftest import CSRF, HTMX
from tests.helpers import customer, refused

WRONG = "Kirjautumistunnus tai salasana on väärä."


def test_login_page_is_finnish_and_has_the_form(client):
    page = client.get("/kirjaudu")
    assert page.status_code == 200
    assert '<html lang="fi">' in page.text
    assert 'autocomplete="current-password"' in page.text
    assert "Kirjaudu" in page.text


@pytest.mark.parametrize("url", ["/kirjaudu", "/hallinta/kirjaudu"])
def test_the_login_comes_before_the_password(client, url):
    """On the staff's form too, whose username field is its own (it once came after the password)."""
    page = client.get(url).text
    assert 0 < page.index('name="login"') < page.index('name="password"')


@pytest.mark.parametrize("login", ["100001", "matti.virtanen@example.fi", "  MATTI.VIRTANEN@example.fi "])
def test_customer_logs_in_with_number_or_email(client, demo_data, login):
    response = client.submit("/kirjaudu", {"login": login, "password": "Lumi-Ranta-Kello-71"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Matti Virtanen" in client.get("/").text


@pytest.mark.parametrize("login,password", [
    ("100001", "wrong-password-here"),
    ("999999", "Lumi-Ranta-Kello-71"),
    ("nobody@example.fi", "whatever-it-is"),
    ("yllapito", "Hallinta-Demo-2026-x"),  # staff use the console, not the customer login
])
def test_wrong_or_unknown_login_gets_one_message(client, demo_data, login, password):
    response = client.submit("/kirjaudu", {"login": login, "password": password})
    response = refused(response)
    assert WRONG in response.text
    assert client.get("/").status_code == 302


def test_customer_without_valid_agreement_is_told_why_and_whom_to_call(client, demo_data):
    response = client.submit("/kirjaudu", {"login": "100004", "password": "Tuuli-Kivi-Poyta-12"})
    response = refused(response)
    assert "liittymä- tai palvelusopimus" in response.text
    assert "03 450 51" in response.text
    assert client.get("/").status_code == 302


def test_empty_fields_are_named(client, demo_data):
    response = client.submit("/kirjaudu", {"login": "", "password": ""})
    response = refused(response)
    assert "Kirjoita asiakasnumerosi tai sähköpostiosoitteesi." in response.text
    assert 'aria-invalid="true"' in response.text


def test_pages_need_login_and_next_goes_back_to_a_local_path(client, demo_data):
    response = client.get("/salasanan-vaihto")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/kirjaudu?next=")
    response = client.submit("/kirjaudu?next=/salasanan-vaihto",
                             {"login": "100001", "password": "Lumi-Ranta-Kello-71"}, page="/kirjaudu")
    assert response.headers["Location"] == "/salasanan-vaihto"


def test_logout_needs_post(client, demo_data):
    client.login()
    assert client.get("/kirjaudu-ulos").status_code == 405
    assert client.get("/").status_code == 200


def test_session_cookie_is_httponly_and_lax(client, demo_data):
    response = client.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_idle_session_expires(app, client, demo_data, monkeypatch):
    client.login()
    assert client.get("/").status_code == 200
    # The signed cookie carries its age; a lifetime of zero makes it idle at once.
    monkeypatch.setattr(app, "permanent_session_lifetime", __import__("datetime").timedelta(seconds=-1))
    assert client.get("/").status_code == 302


def test_login_is_audited(client, demo_data):
    client.login()
    event = db.session.query(AuditEvent).filter_by(action="login").one()
    account = db.session.query(Account).filter_by(id=event.actor_account_id).one()
    assert account.customer.customer_number == "100001"


def test_ten_failed_logins_for_an_account_are_rate_limited(client, demo_data):
    for _ in range(10):
        refused(client.submit("/kirjaudu", {"login": "100001", "password": "wrong-one-here"}))
    response = client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    assert response.status_code == 429
    assert "Liian monta yritystä" in response.text and "Voit yrittää uudelleen klo" in response.text
    assert "Retry-After" in response.headers
    told = client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"}, htmx=True)
    assert told.status_code == 429 and told.text.count("Liian monta yritystä") == 1, told.text  # said once
    # Another account from the same address still gets in.
    assert client.submit("/kirjaudu", {"login": "100002", "password": "Sade-Metsa-Tuoli-38"}).status_code == 303


def test_successful_logins_do_not_count_towards_the_limit(client, make_client, demo_data):
    for _ in range(12):
        other = make_client()
        assert other.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"}).status_code == 303


def test_thirty_failed_logins_from_one_address_are_rate_limited(client, demo_data):
    for n in range(30):
        client.submit("/kirjaudu", {"login": f"guess{n}", "password": "wrong-one-here"})
    response = client.submit("/kirjaudu", {"login": "100002", "password": "Sade-Metsa-Tuoli-38"})
    assert response.status_code == 429


def test_partial_request_for_a_missing_page_gets_only_a_status_message(client, demo_data):
    client.login()
    response = client.get("/ei-ole", headers=HTMX)
    assert response.status_code == 404
    assert response.text.startswith("<title>") and "<hx-partial" in response.text  # the page's title and status only
    assert "<html" not in response.text and "<h1" not in response.text


def test_a_password_is_the_same_however_its_letters_are_composed(make_client, demo_data):
    """"ä" typed as one character or as "a" and a combining diaeresis is the same password; a hash
    made of the text as typed, before passwords were composed, still verifies."""
    composed, decomposed = "Päivänsäde-Kello-71", unicodedata.normalize("NFD", "Päivänsäde-Kello-71")
    assert composed != decomposed
    account = customer().account
    old_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(decomposed)
    for password_hash, typings in ((hash_password(decomposed), (composed, decomposed)),
                                   (hash_password(composed), (composed, decomposed)),
                                   (old_hash, (decomposed,))):
        account.password_hash = password_hash
        db.session.commit()
        for typed in typings:
            assert make_client().login("100001", typed).headers["Location"] == "/", (password_hash, typed)
    assert not verify_password(account.password_hash, "Paivansade-Kello-71")


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page(client, make_client, demo_data):
    """The session ended (here: logged out on another device) while the MIX page was open; the toggle's
    address takes no GET, so the login leads back to the page the form is on, and htmx loads the login
    page as a whole page instead of putting it in the row."""
    client.login()
    page = client.get("/mix").text
    action = re.search(r'action="(/mix/\d+/kanavat/\d+)"', page).group(1)
    token = CSRF.search(page).group(1)
    customer().account.session_version += 1
    db.session.commit()
    sent = {"data": {"chosen": "1", "csrf_token": token}, "headers": {"Referer": "http://localhost/mix"}}
    plain = client.post(action, **sent)
    assert plain.status_code == 302 and plain.headers["Location"] == "/kirjaudu?next=/mix"
    htmx = client.post(action, data=sent["data"], headers={**sent["headers"], **HTMX})
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"] == "/kirjaudu?next=/mix" and htmx.data == b""
    without_referer = client.post(action, data=sent["data"])
    assert without_referer.headers["Location"] == "/kirjaudu"
    response = client.submit("/kirjaudu?next=%2Fmix", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    assert response.headers["Location"] == "/mix"
    console = make_client().get("/hallinta/asiakkaat", headers=HTMX)  # the console's login the same way
    assert console.headers["HX-Redirect"] == "/hallinta/kirjaudu?next=/hallinta/asiakkaat"
