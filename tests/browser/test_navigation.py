"""The header's menu, measured: on a phone it leaves the page heading near the top and opens with one
tap, without JavaScript; on a desktop it is one row."""
import pytest

from tests.browser.conftest import DESKTOP, PHONE, log_in

MENU = ["Tilaa", "Muokkaa MIX-pakettia", "Tilatut palvelut", "Laskut", "Käyttäjätiedot", "Asiakaspalvelu",
        "Sähköpostin hallinta", "Salasanan vaihto", "Kirjaudu ulos"]


def menu_boxes(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('nav[aria-label="Päävalikko"] li > *')]
        .map(e => ({text: e.textContent.trim(), ...e.getBoundingClientRect().toJSON(),
                    shown: e.checkVisibility()}))""")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("path", ["/", "/tilaa", "/tilatut-palvelut"])
def test_on_a_phone_the_heading_is_near_the_top_and_the_menu_one_tap_away(browse, demo_data, js, path):
    page = browse(js=js, viewport=PHONE)
    log_in(page)
    page.goto(path)
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert heading["y"] <= 120, heading
    assert not any(item["shown"] for item in menu_boxes(page))
    page.get_by_text("Valikko").click()
    items = menu_boxes(page)
    assert [item["text"] for item in items] == MENU and all(item["shown"] for item in items)
    for item in items:  # a target a thumb can hit, within the screen
        assert item["height"] >= 44 and 0 <= item["x"] and item["x"] + item["width"] <= PHONE["width"], item
    page.get_by_role("navigation").get_by_role("link", name="Tilatut palvelut").click()
    page.wait_for_url("**/tilatut-palvelut")


def test_on_a_desktop_the_menu_is_one_row_without_a_disclosure(browse, demo_data):
    page = browse(viewport=DESKTOP)
    log_in(page)
    assert not page.get_by_text("Valikko").is_visible()
    items = menu_boxes(page)
    assert [item["text"] for item in items] == MENU and all(item["shown"] for item in items)
    assert len({round(item["y"]) for item in items}) == 1, items
    page.get_by_role("navigation").get_by_role("link", name="Käyttäjätiedot").click()
    page.wait_for_url("**/kayttajatiedot")
