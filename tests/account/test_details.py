"""Käyttäjätiedot (S14): the details, the in-place email change by confirmation link, the language."""
import re

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, OutboxMessage
from app.services import outbox
from tests.conftest import HTMX
from tests.helpers import refused

OLD = "matti.virtanen@example.fi"
NEW = "matti.uusi@example.fi"
PASSWORD = "Lumi-Ranta-Kello-71"


def matti() -> Customer:
    return db.session.query(Customer).filter_by(customer_number="100001").one()


def link_in(text: str) -> str:
    return re.search(r"http://[^/\s]+(/kayttajatiedot/sahkoposti/vahvista/\S+)", text).group(1)


def request_change(client, email=NEW, password=PASSWORD, htmx=False):
    return client.submit("/kayttajatiedot/sahkoposti", {"email": email, "password": password},
                         page="/kayttajatiedot/sahkoposti", htmx=htmx)


@pytest.fixture
def logged_in(client, demo_data):
    client.login()
    return client


def test_details_show_everything_read_only_but_the_email(logged_in):
    page = logged_in.get("/kayttajatiedot")
    assert page.status_code == 200
    for text in ("Matti Virtanen", "100001", "Hämeenkatu 10 A 5", "33100 Tampere", "+358 40 1234567", OLD,
                 "Liittymäsopimus", "Laskutussopimus", "0100 2345 6789", "03 450 51", "MIX 6"):
        assert text in page.text, text
    assert "Jääkiekkokausi" not in page.text  # ended
    assert 'aria-current="page"' in page.text and ">Käyttäjätiedot</a>" in page.text
    # Nothing is written in place but the choices of language and outage notices (selects and a checkbox).
    assert page.text.count("<input") == page.text.count('type="hidden"') + page.text.count('type="checkbox"')
    assert page.text.count('type="checkbox"') == 1


def test_details_need_login(client, demo_data):
    assert client.get("/kayttajatiedot").status_code == 302


def test_edit_opens_in_place_with_htmx_and_as_a_page_without(logged_in):
    partial = logged_in.get("/kayttajatiedot/sahkoposti", headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert partial.text.lstrip().startswith('<section id="email-section"')
    assert 'name="email"' in partial.text and 'name="password"' in partial.text
    assert "autofocus" in partial.text
    page = logged_in.get("/kayttajatiedot/sahkoposti")
    assert "<html" in page.text and 'name="email"' in page.text
    back = logged_in.get("/kayttajatiedot", headers=HTMX)  # Peruuta in place
    assert back.text.lstrip().startswith('<section id="email-section"') and 'name="email"' not in back.text
    assert back.text.count(" autofocus") == 1 and 'href="/kayttajatiedot/sahkoposti" autofocus' in back.text
    assert " autofocus" not in logged_in.get("/kayttajatiedot").text  # the page itself moves no focus


def test_valid_request_keeps_the_address_and_sends_link_and_notice(logged_in, smtp):
    response = request_change(logged_in)
    assert response.status_code == 303
    assert response.headers["Location"] == "/kayttajatiedot"
    customer = matti()
    assert customer.email == OLD and customer.pending_email == NEW
    page = logged_in.get("/kayttajatiedot").text
    assert "Lähetimme vahvistuslinkin osoitteeseen matti.uusi@example.fi" in page
    assert "Odottaa vahvistusta: matti.uusi@example.fi" in page
    assert db.session.query(AuditEvent).filter_by(action="email.change_requested").count() == 1
    assert outbox.deliver_due() == 2
    to = {m["To"]: m for m in smtp.messages}
    assert set(to) == {OLD, NEW}
    assert "/kayttajatiedot/sahkoposti/vahvista/" in to[NEW].get_content()
    assert NEW in to[OLD].get_content() and "vahvista" not in to[OLD].get_content()


def test_htmx_request_swaps_the_section_and_updates_the_status(logged_in):
    response = request_change(logged_in, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="email-section"')
    assert "Odottaa vahvistusta" in response.text
    assert '<hx-partial hx-target="#status"' in response.text and "Lähetimme vahvistuslinkin" in response.text
    assert len(response.data) < 2048


def test_following_the_link_switches_the_address_once(client, logged_in, make_client, smtp):
    request_change(logged_in)
    outbox.deliver_due()
    link = link_in(next(m for m in smtp.messages if m["To"] == NEW).get_content())
    other = make_client()  # the link may be opened on another device, logged out
    page = other.get(link)
    assert page.status_code == 200 and NEW in page.text
    assert matti().email == OLD  # a GET changes nothing
    response = other.submit(link)
    assert response.status_code == 303
    assert matti().email == NEW and matti().pending_email is None
    assert other.get(link).status_code == 404  # single use
    assert make_client().submit("/kirjaudu", {"login": NEW, "password": PASSWORD}).status_code == 303
    refused(make_client().submit("/kirjaudu", {"login": OLD, "password": PASSWORD}))
    assert db.session.query(AuditEvent).filter_by(action="email.changed").count() == 1


def test_a_cancelled_or_replaced_change_kills_the_old_link(logged_in, smtp):
    request_change(logged_in)
    response = logged_in.submit("/kayttajatiedot/sahkoposti/peru", page="/kayttajatiedot")
    assert response.status_code == 303
    assert matti().pending_email is None
    outbox.deliver_due()
    link = link_in(next(m for m in smtp.messages if m["To"] == NEW).get_content())
    assert logged_in.get(link).status_code == 404
    smtp.messages.clear()
    request_change(logged_in, email="eka@example.fi")
    request_change(logged_in, email="toka@example.fi")
    outbox.deliver_due()
    first = link_in(next(m for m in smtp.messages if m["To"] == "eka@example.fi").get_content())
    second = link_in(next(m for m in smtp.messages if m["To"] == "toka@example.fi").get_content())
    assert logged_in.get(first).status_code == 404
    assert logged_in.submit(second).status_code == 303
    assert matti().email == "toka@example.fi"


def test_three_requests_an_hour_per_account(logged_in, smtp):
    for n in range(3):
        assert request_change(logged_in, email=f"uusi{n}@example.fi").status_code == 303
    before = db.session.query(OutboxMessage).count()
    response = request_change(logged_in, email="uusi3@example.fi")
    response = refused(response)
    assert 'id="email-error"' in response.text and "3 kertaa tunnin sisällä" in response.text
    assert 'value="uusi3@example.fi"' in response.text  # what was typed is kept
    assert db.session.query(OutboxMessage).count() == before and matti().pending_email == "uusi2@example.fi"


def test_three_confirmation_links_a_day_to_one_address_whoever_asks(logged_in, make_client, smtp):
    target = "kohde@example.org"
    assert request_change(logged_in, email=target).status_code == 303
    liisa, kalle = make_client(), make_client()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    kalle.login("100003", "Kuu-Joki-Lamppu-55")
    assert request_change(liisa, email=target, password="Sade-Metsa-Tuoli-38").status_code == 303
    assert request_change(kalle, email=target, password="Kuu-Joki-Lamppu-55").status_code == 303
    response = request_change(logged_in, email=target.upper())
    response = refused(response)
    assert "vahvistuslinkkiä kuin lähetämme vuorokaudessa" in response.text
    outbox.deliver_due()
    assert [m["To"] for m in smtp.messages].count(target) == 3
    assert request_change(logged_in, email="toinen@example.org").status_code == 303  # another address is fine


def test_cancel_with_htmx_swaps_the_section(logged_in):
    request_change(logged_in)
    response = logged_in.submit("/kayttajatiedot/sahkoposti/peru", page="/kayttajatiedot", htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert "Odottaa vahvistusta" not in response.text and "Sähköpostiosoitteen vaihto peruttiin" in response.text


def test_expired_or_forged_link_does_not_work(logged_in, smtp, monkeypatch):
    request_change(logged_in)
    outbox.deliver_due()
    link = link_in(next(m for m in smtp.messages if m["To"] == NEW).get_content())
    assert logged_in.get(link[:-3] + "xyz").status_code == 404
    import app.services.profile as profile

    monkeypatch.setattr(profile, "EMAIL_CHANGE_MAX_AGE", -1)
    assert logged_in.get(link).status_code == 404
    assert matti().email == OLD


def test_address_taken_meanwhile_is_refused_at_confirmation(logged_in, smtp):
    request_change(logged_in, email="liisa.uusi@example.fi")
    outbox.deliver_due()
    link = link_in(next(m for m in smtp.messages if m["To"] == "liisa.uusi@example.fi").get_content())
    liisa = db.session.query(Customer).filter_by(customer_number="100002").one()
    liisa.email = "liisa.uusi@example.fi"
    db.session.commit()
    response = logged_in.submit(link)
    response = refused(response)
    assert "on jo käytössä" in response.text
    assert matti().email == OLD


@pytest.mark.parametrize("email,password,field,message", [
    (NEW, "wrong-password-1", "password", "Salasana on väärä."),
    ("", PASSWORD, "email", "Kirjoita uusi sähköpostiosoitteesi."),
    ("not-an-address", PASSWORD, "email", "Tarkista sähköpostiosoite."),
    ("matti@@example.fi", PASSWORD, "email", "Tarkista sähköpostiosoite."),
    # Its confirmation link could not be sent: letters outside ASCII need SMTPUTF8 on every server.
    ("uusi.osoite+😀@example.fi", PASSWORD, "email", "Tarkista sähköpostiosoite: siinä ei voi olla kirjaimia"),
    ("matti@ääkköset.fi", PASSWORD, "email", "Tarkista sähköpostiosoite: siinä ei voi olla kirjaimia"),
    ("a\x00b@example.fi", PASSWORD, "email", "Poista tekstistä ohjausmerkit."),
    ("x" * 250 + "@example.fi", PASSWORD, "email", "Osoitteessa voi olla enintään 254 merkkiä."),
    (OLD.upper(), PASSWORD, "email", "Tämä on jo sähköpostiosoitteesi."),
    (NEW, "", "password", "Kirjoita nykyinen salasanasi."),
])
def test_bad_input_is_422_next_to_the_field_and_keeps_the_address(logged_in, email, password, field, message):
    for htmx in (False, True):
        response = request_change(logged_in, email=email, password=password, htmx=htmx)
        response = refused(response)
        assert message in response.text
        assert f'id="{field}-error"' in response.text
        if "\x00" not in email and len(email) < 254:
            assert f'value="{email}"' in response.text
        assert ("<html" in response.text) is not htmx
    assert matti().pending_email is None
    assert db.session.query(OutboxMessage).count() == 0


def test_wrong_passwords_here_count_towards_the_accounts_one_login_limit(logged_in, make_client):
    for _ in range(5):
        refused(request_change(logged_in, password="wrong-password-1"))
    for _ in range(5):
        make_client().submit("/kirjaudu", {"login": OLD, "password": "wrong-password-2"})
    # 5 here + 5 at the login by email: the account's limit of 10 is reached, whichever name it is
    # logged in with, and the form is locked too, even with the right password.
    assert make_client().submit("/kirjaudu", {"login": "100001", "password": PASSWORD}).status_code == 429
    assert make_client().submit("/kirjaudu", {"login": OLD, "password": PASSWORD}).status_code == 429
    assert request_change(logged_in).status_code == 429


def test_language_is_kept_on_the_account(logged_in, make_client):
    response = logged_in.submit("/kayttajatiedot/kieli", {"locale": "en"}, page="/kayttajatiedot")
    assert response.status_code == 303
    assert matti().locale == "en"
    page = logged_in.get("/kayttajatiedot").text
    assert "User details" in page and "Your language was saved." in page  # said in the language chosen
    other = make_client()
    other.login()
    assert '<html lang="en">' in other.get("/").text  # another device follows the account
    logged_in.submit("/kayttajatiedot/kieli", {"locale": "xx"}, page="/kayttajatiedot")
    assert matti().locale == "en"


def test_language_chosen_on_the_account_survives_the_next_login(logged_in):
    """The next login adopts the switcher's cookie, so the account's choice must set it too."""
    logged_in.submit("/kieli", {"lang": "sv", "next": "/"}, page="/")
    logged_in.submit("/kayttajatiedot/kieli", {"locale": "en"}, page="/kayttajatiedot")
    logged_in.submit("/kirjaudu-ulos", page="/")
    assert '<html lang="en">' in logged_in.get("/kirjaudu").text
    logged_in.login()
    assert matti().locale == "en"


def test_email_change_needs_csrf(logged_in):
    response = logged_in.post("/kayttajatiedot/sahkoposti", data={"email": NEW, "password": PASSWORD})
    assert response.status_code == 400
    assert matti().pending_email is None
