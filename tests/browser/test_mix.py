"""Muokkaa MIX-pakettia in a real browser: htmx toggles without a reload, form posts without
JavaScript (checked with axe), the limit, the missing pay-TV card. axe with JavaScript: test_audit."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Channel
from tests.browser.conftest import axe_violations_without_js, log_in

LIISA = ("100002", "Sade-Metsa-Tuoli-38")


def open_mix(page) -> None:
    log_in(page)
    page.get_by_role("link", name="Muokkaa MIX-pakettia").first.click()
    page.wait_for_url("**/mix")


def counter(page) -> str:
    return page.locator("#mix-counter").inner_text()


def toggle(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def disabled_count(page) -> int:
    return page.locator("button.toggle[disabled]").count()


def test_with_javascript_toggles_save_without_a_reload_and_keep_focus(browse, demo_data):
    page = browse()
    open_mix(page)
    assert counter(page) == "4 / 6 kanavaa valittu"
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.evaluate("window.stillTheSamePage = true")

    # By keyboard: focus the toggle and press Space.
    toggle(page, "Elokuva Klassikot").focus()
    page.keyboard.press("Space")
    expect(page.locator("#mix-counter")).to_have_text("5 / 6 kanavaa valittu")
    assert toggle(page, "Elokuva Klassikot").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("status").inner_text() == "Kanava Elokuva Klassikot lisätty. 5 / 6 valittu."
    assert page.evaluate("document.activeElement.textContent") == "Elokuva Klassikot"

    # Reaching the limit disables the rest and says why; focus stays on the toggle.
    toggle(page, "Sarja TV").click()
    expect(page.locator("#mix-counter")).to_have_text("6 / 6 kanavaa valittu")
    assert disabled_count(page) == 12
    assert "Olet valinnut kaikki 6 kanavaa" in page.locator("#mix-full").inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Sarja TV"

    # Removing one frees a slot at once.
    page.keyboard.press("Enter")
    expect(page.locator("#mix-counter")).to_have_text("5 / 6 kanavaa valittu")
    assert disabled_count(page) == 0 and page.locator("#mix-full").count() == 0
    assert toggle(page, "Sarja TV").get_attribute("aria-pressed") == "false"
    assert page.evaluate("document.activeElement.textContent") == "Sarja TV"
    assert page.get_by_role("status").inner_text() == "Kanava Sarja TV poistettu. 5 / 6 valittu."

    assert loads == [] and page.evaluate("window.stillTheSamePage") is True
    page.reload()
    assert counter(page) == "5 / 6 kanavaa valittu"  # saved on the server


def test_without_javascript_the_same_by_form_posts(browse, demo_data):
    page = browse(js=False)
    open_mix(page)
    toggle(page, "Elokuva Klassikot").click()
    page.wait_for_url("**/mix#valinta-5")
    assert counter(page) == "5 / 6 kanavaa valittu"
    assert "Kanava Elokuva Klassikot lisätty. 5 / 6 valittu." in page.get_by_role("status").inner_text()
    assert toggle(page, "Elokuva Klassikot").get_attribute("aria-pressed") == "true"
    toggle(page, "Sarja TV").click()
    page.wait_for_url("**/mix#valinta-7")
    assert counter(page) == "6 / 6 kanavaa valittu" and disabled_count(page) == 12
    assert axe_violations_without_js(page) == ""
    toggle(page, "Sport One").click()
    page.wait_for_url("**/mix#valinta-1")
    assert counter(page) == "5 / 6 kanavaa valittu" and disabled_count(page) == 0
    assert axe_violations_without_js(page) == ""


def test_a_refusal_is_gone_from_the_picker_after_the_next_toggle(browse, demo_data):
    """A channel retired while the page was open is refused in the picker's alert; the next toggle that
    succeeds answers with its row only, and takes the refusal away (it no longer holds)."""
    page = browse()
    open_mix(page)
    db.session.scalar(select(Channel).where(Channel.name == "Elokuva Klassikot")).retired = True
    db.session.commit()
    toggle(page, "Elokuva Klassikot").click()
    expect(page.locator("#form-error")).to_contain_text("Elokuva Klassikot ei ole enää kanavavalikoimassa")
    # The pressed toggle is gone from the redrawn picker: focus is on what was said, not lost to the page.
    expect(page.locator("#mix-alert")).to_be_focused()
    toggle(page, "Sarja TV").click()
    expect(page.locator("#mix-counter")).to_have_text("5 / 6 kanavaa valittu")
    expect(page.locator("#form-error")).to_have_count(0)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_without_a_pay_tv_card_the_reason_is_told(browse, demo_data, js):
    page = browse(js=js)
    log_in(page, *LIISA)
    page.goto("/mix")
    assert "Sinulla ei ole voimassa olevaa maksu-TV-korttia" in page.locator("main").inner_text()
    assert page.locator("button.toggle").count() == 0
