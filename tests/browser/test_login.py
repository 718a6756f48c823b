"""Logging in and Etusivu in a real browser, with JavaScript on and off (axe: test_audit)."""
import pytest

from tests.browser.conftest import PHONE, log_in


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_customer_logs_in_and_sees_etusivu(browse, demo_data, js):
    page = browse(js=js)
    log_in(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Tervetuloa, Matti Virtanen"
    services = page.get_by_role("region", name="Voimassa olevat palvelusi")
    for product in ("Laajakaista 100M", "MIX 6", "F-Secure TURVAPAKETTI 3 laitetta"):
        assert product in services.inner_text()
    assert "Jääkiekkokausi" not in services.inner_text()  # ended
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_url("**/kirjaudu")
    assert "Olet kirjautunut ulos." in page.get_by_role("status").inner_text()


def test_wrong_password_is_shown_and_login_kept(browse, demo_data):
    page = browse(js=False)
    page.goto("/kirjaudu")
    page.get_by_label("Asiakasnumero tai sähköpostiosoite").fill("100001")
    page.get_by_label("Salasana", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Kirjaudu").click()
    page.get_by_text("Kirjautumistunnus tai salasana on väärä.").wait_for()
    assert page.get_by_label("Asiakasnumero tai sähköpostiosoite").input_value() == "100001"


def test_keyboard_alone_logs_in(browse, demo_data):
    page = browse(viewport=PHONE)
    page.goto("/kirjaudu")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Siirry sisältöön"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "login"
    page.keyboard.type("100001")
    page.keyboard.press("Tab")
    page.keyboard.type("Lumi-Ranta-Kello-71")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/kirjaudu" not in url)  # the skip link's #main comes along
    assert "Tervetuloa" in page.get_by_role("heading", level=1).inner_text()


def test_first_visit_makes_at_most_three_requests(browse, demo_data):
    page = browse()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/kirjaudu")
    page.wait_for_load_state("networkidle")
    assert len(requests) <= 3, requests
