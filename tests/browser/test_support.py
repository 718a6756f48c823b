"""Asiakaspalvelu in a real browser: a whole conversation, JavaScript on and off, at the width of a phone."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Feedback
from app.services import inbox, support
from tests.browser.conftest import PHONE, axe_violations, from_menu, log_in
from tests.helpers import PNG, customer_id


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_customer_asks_gets_an_answer_and_replies(browse, demo_data, js):
    page = browse(js=js, viewport=PHONE)
    log_in(page)
    from_menu(page, "Asiakaspalvelu")
    page.wait_for_url("**/asiakaspalvelu")
    page.evaluate("window.samePage = true")  # gone if the browser loads a page
    # Nothing written and contact asked for: every reason at once, focus on the first.
    page.get_by_label("Haluan, että minuun otetaan yhteyttä").check()
    page.get_by_label("Puhelinnumero").fill("")
    page.get_by_role("button", name="Lähetä", exact=True).click()
    expect(page.locator("#message-error")).to_contain_text("Kirjoita viestisi.")
    expect(page.locator("#contact_phone-error")).to_contain_text("Kirjoita puhelinnumerosi.")
    expect(page.get_by_label("Viesti", exact=True)).to_be_focused()
    assert page.evaluate("window.samePage === true") is js
    page.get_by_label("Aihe", exact=True).select_option("support")
    page.get_by_label("Viesti", exact=True).fill("Netti pätkii iltaisin.")
    page.get_by_label("Puhelinnumero").fill("040 123 4567")
    page.get_by_role("button", name="Lähetä", exact=True).click()
    page.wait_for_url("**/asiakaspalvelu/viesti/*")
    feedback = db.session.query(Feedback).one()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Viesti {feedback.reference}")
    expect(page.get_by_role("main")).to_contain_text("Tila: vastaanotettu.")
    expect(page.get_by_role("status")).to_contain_text(f"viitetunnuksella {feedback.reference}")
    expect(page).to_have_title(f"Viesti {feedback.reference} – IPP Omahallinta")
    assert page.evaluate("window.samePage === true") is js  # with JavaScript, in place
    if js:
        expect(page.get_by_role("heading", level=1)).to_be_focused()  # the pressed button is gone
        assert axe_violations(page) == ""

    inbox.update(feedback, "answered", "")
    reference = feedback.reference
    db.session.remove()  # the live server shares the test's database: end this side's transaction
    from_menu(page, "Asiakaspalvelu")
    row = page.get_by_role("listitem").filter(has_text=reference)
    expect(row).to_contain_text("vastattu")
    row.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/asiakaspalvelu/viesti/{reference}")

    # An empty reply first: the reason next to the field, nothing sent.
    page.get_by_role("button", name="Lähetä vastaus").click()
    expect(page.locator("#message-error")).to_contain_text("Kirjoita viestisi.")
    expect(page.get_by_label("Vastauksesi")).to_have_attribute("aria-invalid", "true")
    if js:
        assert axe_violations(page) == ""

    page.get_by_label("Vastauksesi").fill("Vika jatkuu yhä.")
    page.get_by_role("button", name="Lähetä vastaus").click()
    expect(page.get_by_role("status")).to_contain_text("Vastauksesi lähetettiin.")
    expect(page.get_by_role("main")).to_contain_text("Vika jatkuu yhä.")
    expect(page.get_by_role("main")).to_contain_text("Tila: vastaanotettu.")
    expect(page.get_by_label("Vastauksesi")).to_have_value("")
    if js:
        assert axe_violations(page) == ""
    db.session.expire_all()
    assert [r.body for r in db.session.query(Feedback).one().replies] == ["Vika jatkuu yhä."]


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_customer_attaches_a_picture_to_a_reply_and_downloads_it(browse, demo_data, js):
    feedback = support.send(customer_id("100001"), support.Message(topic="support", message="Vika modeemissa."))
    reference = feedback.reference
    db.session.remove()
    page = browse(js=js, viewport=PHONE)
    log_in(page)
    page.goto(f"/asiakaspalvelu/viesti/{reference}")

    # A page renamed .pdf first: refused by its content, next to the field.
    page.get_by_label("Vastauksesi").fill("Kuvat liitteenä.")
    page.get_by_label("Liitteet").set_input_files(
        [{"name": "ohje.pdf", "mimeType": "application/pdf", "buffer": b"<html><script>1</script>"}])
    page.get_by_role("button", name="Lähetä vastaus").click()
    expect(page.locator("#attachments-error")).to_contain_text("ohje.pdf ei ole kuva")
    expect(page.get_by_label("Liitteet")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Liitteet").set_input_files(
        [{"name": "modeemi.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="Lähetä vastaus").click()
    expect(page.get_by_role("status")).to_contain_text("Vastauksesi lähetettiin.")
    link = page.get_by_role("link", name="modeemi.png")
    expect(link).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("modeemi.png (1 kt)")
    if js:
        assert axe_violations(page) == ""
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "modeemi.png"
    assert Path(download.value.path()).read_bytes() == PNG
