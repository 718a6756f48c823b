"""Salasanan vaihto in the browser: htmx swaps only the form and announces the result (axe: test_audit)."""
import time

from playwright.sync_api import expect

from app.services import accounts
from tests.browser.conftest import ace_violations, axe_violations, axe_violations_without_js, log_in


def fill(page, current: str, new: str) -> None:
    page.get_by_label("Nykyinen salasana").fill(current)
    page.get_by_label("Uusi salasana").fill(new)
    page.get_by_role("button", name="Vaihda salasana").click()


def test_with_javascript_the_form_is_swapped_in_place(browse, demo_data):
    page = browse()
    log_in(page)
    page.goto("/salasanan-vaihto")
    page.evaluate("window.notReloaded = true")
    fill(page, "wrong-password-here", "Kahvi-Purjevene-Lokakuu-9")
    page.get_by_text("Nykyinen salasana on väärä.").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert "Tarkista lomake" in page.locator("#alerts[role=alert]").inner_text()
    expect(page.locator("#current_password")).to_be_focused()  # htmx moves focus when the swap settles
    fill(page, "Lumi-Ranta-Kello-71", "Kahvi-Purjevene-Lokakuu-9")
    page.get_by_text("Salasanasi on vaihdettu.").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_label("Nykyinen salasana").input_value() == ""
    assert page.evaluate("document.activeElement.id") == "change-password"  # not lost with the old form


def test_without_javascript_the_form_posts_and_redirects(browse, demo_data):
    page = browse(js=False)
    log_in(page)
    page.goto("/salasanan-vaihto")
    fill(page, "wrong-password-here", "Kahvi-Purjevene-Lokakuu-9")
    page.get_by_text("Nykyinen salasana on väärä.").wait_for()  # shown after the redirect's GET
    assert axe_violations_without_js(page) == ""
    fill(page, "Lumi-Ranta-Kello-71", "Kahvi-Purjevene-Lokakuu-9")
    # The redirect comes back to the form's own URL, which wait_for_url takes for arrived: wait for the message.
    expect(page.get_by_role("status")).to_contain_text("Salasanasi on vaihdettu.")
    assert page.url.endswith("/salasanan-vaihto")
    assert axe_violations_without_js(page) == ""


def test_the_strength_is_told_while_the_new_password_is_typed(browse, demo_data):
    page = browse()
    log_in(page)
    page.goto("/salasanan-vaihto")
    new = page.get_by_label("Uusi salasana")
    page.evaluate("document.getElementById('password-strength').dataset.first = 'yes'")
    new.press_sequentially("qwertyuiopasdf")
    strength = page.locator("#password-strength[aria-live=polite]")
    strength.get_by_text("Salasanan vahvuus: heikko.").wait_for()
    assert "arvataan ensimmäisinä" in strength.inner_text()
    new.press_sequentially("-Kahvi-Purjevene-9")
    strength.get_by_text("Salasanan vahvuus: vahva.").wait_for()
    # The live region the page came with says it: one put in anew with its words would not be announced.
    assert strength.get_attribute("data-first") == "yes"
    assert page.evaluate("document.activeElement.id") == "new_password"  # typing is never interrupted
    assert axe_violations(page) == "" and ace_violations(page) == ""


def test_without_javascript_back_after_a_refusal_and_a_success_sends_no_form_again(browse, demo_data):
    """A refused form is shown by the GET its redirect leads to (post/redirect/get), like a done one,
    so going back through both never asks to send a form again."""
    page = browse(js=False)
    log_in(page)
    page.goto("/salasanan-vaihto")
    fill(page, "wrong-password-here", "Kahvi-Purjevene-Lokakuu-9")
    page.get_by_text("Nykyinen salasana on väärä.").wait_for()  # shown after the redirect's GET
    assert page.get_by_label("Nykyinen salasana").get_attribute("aria-invalid") == "true"
    fill(page, "Lumi-Ranta-Kello-71", "Kahvi-Purjevene-Lokakuu-9")
    expect(page.get_by_role("status")).to_contain_text("Salasanasi on vaihdettu.")  # after the redirect's GET
    sent = []
    page.on("request", lambda request: sent.append(request.method) if request.is_navigation_request() else None)
    for _ in range(2):
        page.go_back()
        expect(page.get_by_role("heading", level=1)).to_have_text("Salasanan vaihto")
    assert "POST" not in sent
    assert "Nykyinen salasana on väärä." not in page.content()  # shown once, not again from history


def test_a_change_sent_at_once_after_typing_keeps_this_session(browse, demo_data, monkeypatch):
    """The strength line asks 400 ms after the last key; sent while a slow change was on its way, it went
    with the old cookie and its answer set that cookie back: this session ended too, half the time."""
    change = accounts.change_password

    def slowly(*args):
        time.sleep(0.8)  # the production hash's cost, and more
        change(*args)

    monkeypatch.setattr(accounts, "change_password", slowly)
    page = browse()
    log_in(page)
    page.goto("/salasanan-vaihto")
    fill(page, "Lumi-Ranta-Kello-71", "Kahvi-Purjevene-Lokakuu-9")
    page.get_by_text("Salasanasi on vaihdettu.").wait_for()
    page.wait_for_timeout(500)  # the strength line's answer, were it asked
    page.goto("/")
    assert page.url.endswith("/") and "/kirjaudu" not in page.url
