"""Asiakaspalvelu in a real browser: a whole conversation, JavaScript on and off, at the width of a phone."""
import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Feedback
from app.services import inbox
from tests.browser.conftest import PHONE, axe_violations, from_menu, log_in


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_customer_asks_gets_an_answer_and_replies(browse, demo_data, js):
    page = browse(js=js, viewport=PHONE)
    log_in(page)
    from_menu(page, "Asiakaspalvelu")
    page.wait_for_url("**/asiakaspalvelu")
    page.get_by_label("Aihe", exact=True).select_option("support")
    page.get_by_label("Viesti", exact=True).fill("Netti pätkii iltaisin.")
    page.get_by_role("button", name="Lähetä", exact=True).click()
    page.wait_for_url("**/asiakaspalvelu/viesti/*")
    feedback = db.session.query(Feedback).one()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Viesti {feedback.reference}")
    expect(page.get_by_role("main")).to_contain_text("Tila: vastaanotettu.")

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
