"""Käyttäjätiedot, Asiakaspalvelu and two-step login in a real browser, JavaScript on and off, checked with axe."""
import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Customer
from app.models.base import today
from app.services import outbox
from app.services.two_factor import TOTP
from tests.browser.conftest import DESKTOP, PHONE, axe_violations_without_js, log_in

NEW = "matti.uusi@example.fi"
PASSWORD = "Lumi-Ranta-Kello-71"


def confirmation_path(smtp) -> str:
    outbox.deliver_due()
    db.session.rollback()
    mail = next(m for m in reversed(smtp.messages) if m["To"] == NEW)
    return re.search(r"http://[^/\s]+(/\S+)", mail.get_content()).group(1)


def clean(page) -> None:
    assert axe_violations_without_js(page) == ""


def log_out_and_in_with(page, login: str) -> None:
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_url("**/kirjaudu")
    log_in(page, login, PASSWORD)
    assert "Tervetuloa, Matti Virtanen" in page.get_by_role("heading", level=1).inner_text()


def test_email_change_in_place_with_javascript(browse, demo_data, smtp):
    page = browse(js=True)
    log_in(page)
    page.get_by_role("link", name="Käyttäjätiedot").first.click()
    page.wait_for_url("**/kayttajatiedot")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Vaihda sähköpostiosoite").click()
    address = page.get_by_label("Uusi sähköpostiosoite")
    expect(address).to_be_focused()  # htmx moves focus when the swap settles, after the form is in
    address.fill(NEW)
    page.get_by_label("Nykyinen salasana").fill("wrong-password-1")
    page.get_by_role("button", name="Lähetä vahvistuslinkki").click()
    page.get_by_text("Salasana on väärä.").wait_for()
    assert page.get_by_label("Uusi sähköpostiosoite").input_value() == NEW
    expect(page.get_by_label("Nykyinen salasana")).to_be_focused()  # after the swap settles
    page.get_by_label("Nykyinen salasana").fill(PASSWORD)
    page.get_by_role("button", name="Lähetä vahvistuslinkki").click()
    page.get_by_text("Odottaa vahvistusta: " + NEW).wait_for()
    assert "Lähetimme vahvistuslinkin" in page.get_by_role("status").inner_text()
    assert page.evaluate("window.notReloaded") is True  # swapped in place, no reload
    assert page.url.endswith("/kayttajatiedot")
    page.goto(confirmation_path(smtp))
    page.get_by_role("button", name="Vahvista osoite").click()
    page.wait_for_url("**/kayttajatiedot")
    assert f"Sähköpostiosoitteesi on nyt {NEW}" in page.get_by_role("status").inner_text()
    log_out_and_in_with(page, NEW)


def test_outage_notices_are_saved_in_place_with_javascript(browse, demo_data):
    page = browse(js=True)
    log_in(page)
    page.get_by_role("link", name="Käyttäjätiedot").first.click()
    page.wait_for_url("**/kayttajatiedot")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Kerro minulle osoitteeni häiriöistä").select_option("none")
    save = page.get_by_role("region", name="Häiriötiedotteet").get_by_role("button", name="Tallenna")
    save.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Valintasi on tallennettu.")
    assert page.evaluate("window.notReloaded") is True  # the section swapped in place, no reload
    expect(page.get_by_role("region", name="Häiriötiedotteet").get_by_role("button", name="Tallenna")).to_be_focused()
    expect(page.get_by_label("Kerro minulle osoitteeni häiriöistä")).to_have_value("none")
    db.session.rollback()
    assert db.session.query(Customer).filter_by(customer_number="100001").one().outage_notices == "none"


def test_email_change_without_javascript(browse, demo_data, smtp):
    page = browse(js=False)
    log_in(page)
    page.goto("/kayttajatiedot")
    page.get_by_role("link", name="Vaihda sähköpostiosoite").click()
    page.wait_for_url("**/kayttajatiedot/sahkoposti")
    page.get_by_label("Uusi sähköpostiosoite").fill(NEW)
    page.get_by_label("Nykyinen salasana").fill(PASSWORD)
    page.get_by_role("button", name="Lähetä vahvistuslinkki").click()
    page.wait_for_url("**/kayttajatiedot")
    assert "Lähetimme vahvistuslinkin" in page.get_by_role("status").inner_text()
    page.goto(confirmation_path(smtp))
    page.get_by_role("button", name="Vahvista osoite").click()
    page.wait_for_url("**/kayttajatiedot")
    assert db.session.query(Customer).filter_by(customer_number="100001").one().email == NEW
    db.session.rollback()  # the live server writes next; the test holds no transaction open
    log_out_and_in_with(page, NEW)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_termination_notice_and_its_receipt(browse, demo_data, smtp, js):
    page = browse(js=js)
    log_in(page)
    page.goto("/asiakaspalvelu")
    assert page.get_by_label("MIX 6").is_hidden()  # appears with the topic, by the style sheet alone
    page.get_by_label("Aihe").select_option("termination")
    page.get_by_label("MIX 6").check()
    page.get_by_label("Toivottu päättymispäivä").fill((today() + timedelta(days=30)).isoformat())
    page.get_by_label("Viesti", exact=True).fill("Irtisanon MIX-paketin.")
    if js:
        expect(page.get_by_text("22 / 5000 merkkiä")).to_be_visible()
    page.get_by_role("button", name="Lähetä").click()
    page.wait_for_url("**/asiakaspalvelu/viesti/*")
    reference = page.url.rsplit("/", 1)[1]
    assert reference in page.get_by_role("status").inner_text()
    assert "kirjallinen irtisanomisilmoituksesi" in page.content()
    outbox.deliver_due()
    receipt = smtp.messages[0]
    assert reference in receipt["Subject"] and "MIX 6" in receipt.get_content()


def test_switch_on_two_step_login_and_log_in_with_a_code(browse, demo_data):
    page = browse(js=True)
    log_in(page)
    page.goto("/kayttajatiedot")
    page.get_by_role("link", name="Kaksivaiheisen tunnistautumisen asetukset").click()
    expect(page.locator(".qr svg")).to_be_visible()  # the click only starts the navigation
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Sovelluksen näyttämä koodi").fill(TOTP(secret).now())
    page.get_by_role("button", name="Ota käyttöön").click()
    page.get_by_role("heading", name="Varakoodisi").wait_for()
    assert page.locator(".codes li").count() == 10
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_url("**/kirjaudu")
    page.get_by_label("Asiakasnumero tai sähköpostiosoite").fill("100001")
    page.get_by_label("Salasana", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url("**/kirjaudu/vahvistus")
    page.get_by_label("Koodi").fill(TOTP(secret).at(time.time() + 30))  # the next step: each code works once
    page.get_by_role("button", name="Vahvista").click()
    page.wait_for_url(lambda url: "/kirjaudu" not in url)
    assert "Tervetuloa, Matti Virtanen" in page.get_by_role("heading", level=1).inner_text()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "412"])
def test_every_page_and_state_without_javascript_is_axe_clean(browse, demo_data, smtp, viewport):
    """With JavaScript these pages and states are in test_audit; here what the form posts lead to without it."""
    page = browse(js=False, viewport=viewport)
    log_in(page)
    page.goto("/kayttajatiedot")
    clean(page)
    page.get_by_role("link", name="Vaihda sähköpostiosoite").click()
    page.get_by_label("Uusi sähköpostiosoite").wait_for()
    clean(page)  # the form, in place or on its own page
    page.get_by_role("button", name="Lähetä vahvistuslinkki").click()
    page.get_by_text("Kirjoita uusi sähköpostiosoitteesi.").wait_for()
    clean(page)  # errors
    page.get_by_label("Uusi sähköpostiosoite").fill(NEW)
    page.get_by_label("Nykyinen salasana").fill(PASSWORD)
    page.get_by_role("button", name="Lähetä vahvistuslinkki").click()
    page.get_by_text("Odottaa vahvistusta").wait_for()
    clean(page)  # pending
    link = confirmation_path(smtp)
    page.goto(link)
    clean(page)
    page.goto(link + "x")
    clean(page)  # the link does not work
    page.goto("/kayttajatiedot/kaksivaiheinen")
    clean(page)
    page.get_by_role("button", name="Ota käyttöön").click()
    page.get_by_text("Kirjoita koodi.").wait_for()
    clean(page)
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Sovelluksen näyttämä koodi").fill(TOTP(secret).now())
    page.get_by_role("button", name="Ota käyttöön").click()
    page.get_by_role("heading", name="Varakoodisi").wait_for()
    clean(page)
    page.goto("/kayttajatiedot/kaksivaiheinen")
    page.get_by_role("button", name="Poista käytöstä").click()
    page.get_by_text("Kirjoita nykyinen salasanasi.").wait_for()
    clean(page)
    page.goto("/kayttajatiedot")
    page.get_by_role("button", name="Näytä sivuna").click()
    page.get_by_role("heading", name="Omat tietoni").wait_for()
    clean(page)
    page.goto("/asiakaspalvelu")
    clean(page)
    page.get_by_label("Aihe").select_option("termination")
    page.get_by_label("MIX 6").wait_for()
    page.get_by_role("button", name="Lähetä").click()
    page.get_by_text("Kirjoita viestisi.").wait_for()
    clean(page)  # errors of a termination notice
    page.get_by_label("Viesti", exact=True).fill("Kiitos!")
    page.get_by_label("Aihe").select_option("feedback")
    page.get_by_role("button", name="Lähetä").click()
    page.wait_for_url("**/asiakaspalvelu/viesti/*")
    clean(page)  # receipt
