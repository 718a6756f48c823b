"""Sähköpostin hallinta in a real browser, JavaScript on and off, checked with axe at 1280 and 412 px."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import MailAlias, Mailbox
from app.models.base import today
from app.security import verify_password
from tests.browser.conftest import DESKTOP, PHONE, axe_violations, from_menu, log_in

PASSWORD = "Kissa-Koira-Hevonen-77"


def check_axe(page, js: bool) -> None:
    """axe runs as a script in the page, so only where JavaScript is on; the markup is the same."""
    if js:
        assert axe_violations(page) == ""


def open_part(section, summary: str) -> None:
    details = section.locator("details", has=section.page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "412"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_customer_creates_a_mailbox_and_sets_it_up(browse, demo_data, js, viewport):
    page = browse(js=js, viewport=viewport)
    log_in(page)
    from_menu(page, "Sähköpostin hallinta")
    page.wait_for_url("**/sahkoposti")
    assert page.get_by_role("heading", level=1).inner_text() == "Sähköpostin hallinta"
    check_axe(page, js)
    status = page.get_by_role("status")

    # A bad address first: the reason next to the field, nothing created.
    page.get_by_label("Osoite ennen @-merkkiä").fill("postmaster")
    page.get_by_label("Sähköpostilaatikon salasana").fill(PASSWORD)
    page.get_by_role("button", name="Luo sähköpostilaatikko").click()
    expect(page.locator("#new-local_part-error")).to_contain_text("varattu")
    expect(page.get_by_label("Osoite ennen @-merkkiä")).to_have_attribute("aria-invalid", "true")
    check_axe(page, js)

    page.get_by_label("Osoite ennen @-merkkiä").fill("matti.koti")
    page.get_by_label("Sähköpostilaatikon salasana").fill(PASSWORD)
    page.get_by_role("button", name="Luo sähköpostilaatikko").click()
    expect(status).to_contain_text("Sähköpostilaatikko matti.koti@ipp.fi on valmis.")
    section = page.get_by_role("region", name="matti.koti@ipp.fi")
    expect(section).to_be_visible()
    if js:  # the pressed button's form may be gone: focus goes to the new mailbox's heading
        expect(section.get_by_role("heading", name="matti.koti@ipp.fi")).to_be_focused()

    open_part(section, "Edelleenlähetys")
    section.get_by_label("Lähetä eteenpäin osoitteisiin").fill("matti@example.com")
    section.get_by_label("Säilytä kopio tässä sähköpostilaatikossa").check()
    section.get_by_role("button", name="Tallenna edelleenlähetys").click()
    expect(status).to_contain_text("Osoitteen matti.koti@ipp.fi edelleenlähetys on tallennettu.")
    section = page.get_by_role("region", name="matti.koti@ipp.fi")
    expect(section).to_contain_text("matti@example.com (kopio säilytetään)")
    if js:  # the saved form closed with its button: focus on the section's heading, not the page's start
        expect(section.get_by_role("heading", name="matti.koti@ipp.fi")).to_be_focused()

    open_part(section, "Automaattivastaus")
    section.get_by_label("Automaattivastaus on päällä").check()
    section.get_by_label("Otsikko").fill("Lomalla")
    section.get_by_label("Viesti").fill("Olen lomalla heinäkuun. Kiireellisissä asioissa soita 040 123 4567.")
    start, end = today() + timedelta(days=10), today() + timedelta(days=40)
    section.get_by_label("Alkaen (vapaaehtoinen)").fill(end.isoformat())
    section.get_by_label("Päättyen (vapaaehtoinen)").fill(start.isoformat())
    section.get_by_role("button", name="Tallenna automaattivastaus").click()
    section = page.get_by_role("region", name="matti.koti@ipp.fi")
    expect(section.locator(".error")).to_contain_text("Päättymispäivä ei voi olla ennen alkamispäivää.")
    check_axe(page, js)
    section.get_by_label("Alkaen (vapaaehtoinen)").fill(start.isoformat())
    section.get_by_label("Päättyen (vapaaehtoinen)").fill(end.isoformat())
    section.get_by_role("button", name="Tallenna automaattivastaus").click()
    expect(status).to_contain_text("Osoitteen matti.koti@ipp.fi automaattivastaus on tallennettu.")
    section = page.get_by_role("region", name="matti.koti@ipp.fi")
    expect(section).to_contain_text(f"Lomalla ({start:%-d.%-m.%Y}–{end:%-d.%-m.%Y})")

    open_part(section, "Salasanan vaihto")
    section.get_by_label("Sähköpostilaatikon uusi salasana").fill("Uusi-Posti-Sana-2026")
    section.get_by_role("button", name="Tallenna uusi salasana").click()
    expect(status).to_contain_text("Osoitteen matti.koti@ipp.fi salasana on vaihdettu.")
    check_axe(page, js)

    db.session.rollback()
    mailbox = db.session.scalar(select(Mailbox).where(Mailbox.address == "matti.koti@ipp.fi"))
    assert mailbox.forward_to == ["matti@example.com"] and mailbox.keep_copy
    assert mailbox.autoreply_enabled and mailbox.autoreply_subject == "Lomalla"
    assert verify_password(mailbox.password_hash.removeprefix("{ARGON2ID}"), "Uusi-Posti-Sana-2026")
    if js:  # htmx swapped the sections in place: still the page that was loaded
        assert page.url.endswith("/sahkoposti")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "412"])
def test_full_plan_and_open_forms_have_no_axe_violations(browse, demo_data, viewport):
    page = browse(viewport=viewport)
    log_in(page)
    page.goto("/sahkoposti")
    page.get_by_label("Osoite ennen @-merkkiä").fill("toinen")
    page.get_by_label("Sähköpostilaatikon salasana").fill(PASSWORD)
    page.get_by_role("button", name="Luo sähköpostilaatikko").click()
    expect(page.get_by_role("link", name="Tilaa lisäsähköpostilaatikko")).to_be_visible()
    for summary in page.locator("main summary").all():
        summary.click()
    assert axe_violations(page) == ""


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_mailbox_that_would_close_a_loop_stays_off_and_says_why(browse, demo_data, js):
    """Matti's mailbox forwards to toinen@ and is off; toinen@ forwards back (a loop left from before
    disabled mailboxes counted). Enabling is refused next to the button and announced."""
    matti = db.session.scalar(select(Mailbox).where(Mailbox.address == "matti.virtanen@ipp.fi"))
    toinen = Mailbox(customer_id=matti.customer_id, address="toinen@ipp.fi", local_part="toinen", domain="ipp.fi",
                     password_hash=matti.password_hash)
    toinen.aliases = [MailAlias(kind="forward", address="toinen@ipp.fi", goto=matti.address)]
    matti.aliases = [MailAlias(kind="forward", address=matti.address, goto="toinen@ipp.fi")]
    matti.active = False
    db.session.add(toinen)
    db.session.commit()
    page = browse(js=js)
    log_in(page)
    page.goto("/sahkoposti")
    section = page.get_by_role("region", name="matti.virtanen@ipp.fi")
    section.get_by_role("button", name="Ota sähköpostilaatikko käyttöön").click()
    section = page.get_by_role("region", name="matti.virtanen@ipp.fi")
    expect(section.locator(".error")).to_contain_text("Käyttöönotto tekisi silmukan")
    button = section.get_by_role("button", name="Ota sähköpostilaatikko käyttöön")
    expect(button).to_have_attribute("aria-describedby", section.locator(".error").get_attribute("id"))
    if js:
        expect(page.locator("#alerts[role=alert]")).to_contain_text("Tarkista lomake")
    check_axe(page, js)
    db.session.rollback()
    assert not db.session.scalar(select(Mailbox.active).where(Mailbox.address == "matti.virtanen@ipp.fi"))
