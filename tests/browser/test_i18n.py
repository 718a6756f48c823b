"""Suomi, Svenska, English: the footer's switcher in a real browser, with JavaScript on and off."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, axe_violations

HEADINGS = {"fi": "Kirjaudu Omahallintaan", "sv": "Logga in i Omahallinta", "en": "Log in to Omahallinta"}
NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
FIELDS = {  # login, password, button
    "fi": ("Asiakasnumero tai sähköpostiosoite", "Salasana", "Kirjaudu"),
    "sv": ("Kundnummer eller e-postadress", "Lösenord", "Logga in"),
    "en": ("Customer number or email address", "Password", "Log in"),
}


def switch_to(page, lang: str) -> None:
    page.get_by_role("form", name={"fi": "Kieli", "sv": "Språk", "en": "Language"}[page_lang(page)]) \
        .get_by_role("button", name=NAMES[lang], exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def page_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def log_in_as(page, lang: str) -> None:
    login, password, button = FIELDS[lang]
    page.get_by_label(login).fill("100001")
    page.get_by_label(password, exact=True).fill("Lumi-Ranta-Kello-71")
    page.get_by_role("main").get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(lambda url: "/kirjaudu" not in url)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_switching_to_svenska_and_english(browse, demo_data, js):
    page = browse(js=js)
    page.goto("/unohtunut-salasana")
    assert page_lang(page) == "fi"
    switch_to(page, "sv")
    assert page.url.endswith("/unohtunut-salasana")  # back on the same page
    assert page.get_by_role("button", name="Svenska").get_attribute("aria-current") == "true"
    page.goto("/kirjaudu")
    assert page.get_by_role("heading", level=1).inner_text() == HEADINGS["sv"]
    switch_to(page, "en")
    assert page.get_by_role("heading", level=1).inner_text() == HEADINGS["en"]
    log_in_as(page, "en")  # the choice made before logging in becomes the account's
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Matti Virtanen"
    services = page.get_by_role("region", name="Your services in force").inner_text()
    assert "Broadband 100M" in services and "29,90\xa0€/month" in services
    switch_to(page, "sv")
    services = page.get_by_role("region", name="Dina gällande tjänster").inner_text()
    assert "Bredband 100M" in services and "29,90\xa0€/mån" in services
    switch_to(page, "fi")
    assert page.get_by_role("heading", level=1).inner_text() == "Tervetuloa, Matti Virtanen"


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "412"])
def test_each_language_has_no_axe_violations(browse, demo_data, viewport, lang):
    page = browse(viewport=viewport)
    page.goto("/kirjaudu")
    assert axe_violations(page) == ""  # Finnish
    switch_to(page, lang)
    assert page.get_by_role("heading", level=1).inner_text() == HEADINGS[lang]
    assert axe_violations(page) == ""
    page.get_by_role("main").get_by_role("button", name=FIELDS[lang][2], exact=True).click()  # the error state
    expect(page.get_by_label(FIELDS[lang][0])).to_have_attribute("aria-invalid", "true")  # after the redirect's GET
    assert axe_violations(page) == ""
    log_in_as(page, lang)
    assert axe_violations(page) == ""
    menu = page.get_by_role("navigation").get_by_role("link")
    for path in [menu.nth(i).get_attribute("href") for i in range(menu.count())]:
        page.goto(path)
        assert page_lang(page) == lang
        assert axe_violations(page) == "", path
    page.goto("/no-such-page")
    assert page_lang(page) == lang
    assert axe_violations(page) == ""
