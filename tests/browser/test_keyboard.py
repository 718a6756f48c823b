"""The main tasks with the keyboard alone (Tab, Shift+Tab, Enter, Space, and typing), JavaScript on:
ordering, the MIX toggles, changing the email address and sending feedback. Focus moves in a sensible
order and is visible at every stop; after every htmx swap it is on the control or on the result, never
lost to <body>; the status region announces what happened. (The same tasks without JavaScript, audited
with axe, are in test_orders, test_mix and test_account.)"""
import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import htmx_swap, log_in

FOCUSED = """() => {
    const e = document.activeElement, style = getComputedStyle(e);
    return {tag: e.tagName, name: (e.labels?.length ? e.labels[0] : e).innerText.trim(),
            visible: e.matches(':focus-visible') && style.outlineStyle !== 'none' && style.outlineWidth !== '0px'};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def focus_name(page) -> str:
    """The focused element's name. After a navigation the browser moves focus to `autofocus` at its
    next rendering update, which may come after the load event: wait for that first."""
    try:
        page.wait_for_function("document.activeElement && document.activeElement !== document.body",
                               timeout=5000)
    except PlaywrightTimeout:
        raise AssertionError("focus was lost to <body>") from None
    return focused(page)["name"]


def tab_to(page, name: str, key: str = "Tab", limit: int = 40) -> list[str]:
    """Press Tab (or Shift+Tab) until `name` has focus; return the names focus passed on the way.
    Focus must be visible at every stop."""
    passed = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = focused(page)
        assert element["tag"] != "BODY" and element["visible"], f"focus after {passed}: {element}"
        if element["name"] == name:
            return passed
        passed.append(element["name"])
    raise AssertionError(f"{name!r} not reached with {key}; focus went {passed}")


def press_and_swap(page, key: str) -> None:
    with htmx_swap(page):
        page.keyboard.press(key)


def skip_to_content(page) -> None:
    """The first Tab of a page reaches the skip link; Enter moves on to the content."""
    assert tab_to(page, "Siirry sisältöön", limit=1) == []
    page.keyboard.press("Enter")


def open_from_menu(page, item: str, path: str) -> None:
    page.goto("/")
    skip = tab_to(page, item)
    assert skip[:2] == ["Siirry sisältöön", "IPP Omahallinta"]  # the skip link, the home link, then the menu
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{path}")


def status(page) -> str:
    return page.get_by_role("status").inner_text()


def alerts(page) -> str:
    """The layout's alert region: errors are announced as errors."""
    return page.locator("#alerts[role=alert]").inner_text()


def test_ordering_by_keyboard(browse, demo_data):
    page = browse()
    log_in(page)
    open_from_menu(page, "Tilaa", "/tilaa")
    skip_to_content(page)
    assert tab_to(page, "Sähköposti") == ["TV-kanavat", "MIX-paketit", "Tietoturva", "Laajakaista"]
    press_and_swap(page, "Enter")
    assert focus_name(page) == "Sähköposti"  # the group link, in the swapped list
    assert page.title().startswith("Tilaa: Sähköposti – ")  # no status message for a tab; the title follows
    assert tab_to(page, "Tilaa") == []  # the first product's order link comes next
    page.keyboard.press("Enter")
    page.wait_for_url("**/tilaa/LISAPOSTILAATIKKO")
    skip_to_content(page)
    assert tab_to(page, "Vahvista tilaus") == []
    press_and_swap(page, "Enter")
    number = re.search(r"/tilaus/(\d+)$", page.url).group(1)
    assert focus_name(page) == f"Tilaus {number}"  # the receipt's heading, where the button was
    assert status(page) == "Kiitos tilauksestasi!"


def test_mix_toggles_by_keyboard(browse, demo_data):
    page = browse()
    log_in(page)
    open_from_menu(page, "Muokkaa MIX-pakettia", "/mix")
    skip_to_content(page)
    assert tab_to(page, "Elokuva Klassikot") == ["Sport One", "Sport Two", "Jääkiekko TV", "Golf Kanava"]
    press_and_swap(page, "Space")
    assert focus_name(page) == "Elokuva Klassikot"
    assert status(page) == "Kanava Elokuva Klassikot lisätty. 5 / 6 valittu."
    assert tab_to(page, "Sarja TV") == ["Elokuva Ensi-ilta"]
    press_and_swap(page, "Space")  # the limit: the whole picker is swapped
    assert focus_name(page) == "Sarja TV"
    assert status(page) == "Kanava Sarja TV lisätty. 6 / 6 valittu."
    # Shift+Tab skips the channels that cannot be chosen now.
    assert tab_to(page, "Elokuva Klassikot", key="Shift+Tab") == []
    press_and_swap(page, "Space")
    assert focus_name(page) == "Elokuva Klassikot"
    assert status(page) == "Kanava Elokuva Klassikot poistettu. 5 / 6 valittu."
    expect(page.locator("#mix-counter")).to_have_text("5 / 6 kanavaa valittu")


def test_email_change_by_keyboard(browse, demo_data):
    page = browse()
    log_in(page)
    open_from_menu(page, "Käyttäjätiedot", "/kayttajatiedot")
    skip_to_content(page)
    tab_to(page, "Vaihda sähköpostiosoite")
    press_and_swap(page, "Enter")
    assert focus_name(page) == "Uusi sähköpostiosoite"
    page.keyboard.type("matti.uusi@example.fi")
    page.keyboard.press("Tab")
    assert focus_name(page) == "Nykyinen salasana"
    page.keyboard.type("ei-oikea-salasana")
    press_and_swap(page, "Enter")
    assert focus_name(page) == "Nykyinen salasana"  # where the error is
    assert "Tarkista lomake" in alerts(page) and status(page) == ""
    page.keyboard.type("Lumi-Ranta-Kello-71")
    press_and_swap(page, "Enter")
    assert focus_name(page) == "Vaihda sähköpostiosoite"  # back on the control that opened the form
    assert "Lähetimme vahvistuslinkin osoitteeseen matti.uusi@example.fi" in status(page)
    expect(page.get_by_text("Odottaa vahvistusta: matti.uusi@example.fi")).to_be_visible()


def test_feedback_by_keyboard(browse, demo_data):
    page = browse()
    log_in(page)
    open_from_menu(page, "Asiakaspalvelu", "/asiakaspalvelu")
    skip_to_content(page)
    tab_to(page, "Aihe")
    page.keyboard.press("ArrowDown")  # Laskutus: the termination fields stay hidden
    assert focus_name(page) == "Aihe"
    assert page.get_by_label("Aihe").input_value() == "billing"
    assert tab_to(page, "Lähetä") == [
        "Viesti", "Liitteet", "Haluan, että minuun otetaan yhteyttä", "Sähköpostiosoite", "Puhelinnumero"]
    with htmx_swap(page):
        page.keyboard.press("Enter")  # nothing written: the form comes back with the error, focus on it
    assert focus_name(page) == "Viesti"
    assert "Kirjoita viestisi." in page.get_by_role("main").inner_text()
    page.keyboard.type("Laskussa on kaksi kertaa sama MIX-paketti.")
    tab_to(page, "Lähetä")
    page.keyboard.press("Enter")
    page.wait_for_url("**/asiakaspalvelu/viesti/*")
    assert page.url.rsplit("/", 1)[1] in status(page)
