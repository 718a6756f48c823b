"""Tilaa and Tilatut palvelut in a real browser, with JavaScript on and off; axe checks the pages
without JavaScript here (tests/browser/test_audit.py checks them with it)."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Product, Subscription
from app.models.base import today
from app.services import ordering
from tests.browser.conftest import axe_violations_without_js, log_in
from tests.helpers import customer_id

JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])


def clean(page, js: bool) -> bool:
    """Without JavaScript, what the form posts and redirects lead to; test_audit checks the pages with it."""
    return js or axe_violations_without_js(page) == ""


def card(page, name: str):
    return page.locator("li.card", has=page.get_by_role("heading", name=name, exact=True))


def open_group(page, group: str) -> None:
    page.get_by_role("navigation", name="Tuoteryhmät").get_by_role("link", name=group).click()
    page.wait_for_url("**/tilaa?ryhma=*")
    page.get_by_role("heading", level=2, name=group).wait_for()


@JS
def test_100001_orders_upgrades_and_sees_both(browse, demo_data, js):
    page = browse(js=js)
    log_in(page)
    page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Tilaa").click()
    page.wait_for_url("**/tilaa")
    assert clean(page, js)
    open_group(page, "Sähköposti")
    # Swapped or loaded, the title follows the group (htmx sets it once the swap has settled).
    expect(page).to_have_title(re.compile("^Tilaa: Sähköposti – "))
    card(page, "Lisäsähköpostilaatikko").get_by_role("link", name="Tilaa").click()
    page.wait_for_url("**/tilaa/LISAPOSTILAATIKKO")
    assert page.get_by_role("heading", level=1).inner_text() == "Tarkista ja vahvista tilaus"
    assert "Veloitetaan kuukausilaskullasi." in page.content()
    assert clean(page, js)
    page.get_by_role("button", name="Vahvista tilaus").click()
    page.wait_for_url("**/tilaus/*")
    page.get_by_role("heading", level=1, name="Tilaus").wait_for()
    assert "Kiitos tilauksestasi!" in page.get_by_role("status").inner_text()
    expect(page).to_have_title(re.compile(r"^Tilaus \d+ – "))  # swapped or loaded, the receipt's own title
    assert clean(page, js)

    page.get_by_role("link", name="Tilatut palvelut").first.click()
    page.wait_for_url("**/tilatut-palvelut")
    card(page, "Laajakaista 100M").get_by_role("link", name="Päivitä").click()
    page.wait_for_url("**/paivita")
    assert "10,00 €/kk nykyistä enemmän" in page.inner_text("main").replace("\xa0", " ")
    assert clean(page, js)
    card(page, "Laajakaista 300M").get_by_role("button", name="Vahvista päivitys").click()
    page.wait_for_url("**/tilaus/*")
    expect(page).to_have_title(re.compile(r"^Tilaus \d+ – "))
    assert f"päättyi {today():%-d.%-m.%Y}." in page.inner_text("main")

    page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Tilatut palvelut").click()
    page.wait_for_url("**/tilatut-palvelut")
    current = page.get_by_role("region", name="Voimassa olevat ja tulossa olevat").inner_text()
    ended = page.get_by_role("region", name="Päättyneet").inner_text()
    assert "Lisäsähköpostilaatikko" in current and "Laajakaista 300M" in current
    assert "Laajakaista 100M" in ended and "Laajakaista 100M" not in current
    assert "Lataa ohjelmisto" in current and "FSTP-0001-DEMO-3001" in current
    assert clean(page, js)


REFUSALS = pytest.mark.parametrize("login,password,group,name,code,reason", [
    ("100002", "Sade-Metsa-Tuoli-38", "TV-kanavat", "Lastenkanava Junior", "JUNIOR",
     "edellyttää voimassa olevaa maksu-TV-korttia"),
    ("100003", "Kuu-Joki-Lamppu-55", "Sähköposti", "Lisäsähköpostilaatikko", "LISAPOSTILAATIKKO",
     "Tilaaminen edellyttää laskutussopimusta"),
], ids=["100002-card", "100003-billing"])


@JS
@REFUSALS
def test_ordering_is_refused_with_the_reason(browse, demo_data, js, login, password, group, name, code, reason):
    """100002 has no pay-TV card; 100003 has no billing agreement."""
    page = browse(js=js)
    log_in(page, login, password)
    page.goto("/tilaa?ryhma=mix")
    open_group(page, group)
    # A reason every product of the group shares is said once, above the products, which offer no action.
    assert reason in page.locator("main .notice").inner_text()
    assert page.locator("main").inner_text().count(reason) == 1
    product = card(page, name)
    assert reason not in product.inner_text()
    assert product.get_by_role("link").count() == 0
    assert clean(page, js)
    page.goto(f"/tilaa/{code}")
    assert reason in page.inner_text("main")
    assert page.get_by_role("button", name="Vahvista tilaus").count() == 0
    assert clean(page, js)


@JS
def test_an_upgrade_made_meanwhile_is_refused_with_focus_on_the_reason(browse, demo_data, js):
    """The page was opened before another tab upgraded the service: the refusal replaces the button
    that was pressed, so focus goes to what it says (it fell to the page's start)."""
    page = browse(js=js)
    log_in(page)
    subscription = db.session.scalar(select(Subscription.id).join(Subscription.product).where(
        Subscription.customer_id == customer_id(), Product.code == "LAAJAKAISTA-100"))
    page.goto(f"/tilatut-palvelut/{subscription}/paivita")
    ordering.upgrade(customer_id(), subscription, "LAAJAKAISTA-300", ordering.new_idempotency_key())
    db.session.remove()  # the live server shares the test's database: end this side's transaction
    card(page, "Laajakaista 1000M").get_by_role("button", name="Vahvista päivitys").click()
    reason = page.locator("#form-error")
    expect(reason).to_have_attribute("role", "alert")
    expect(reason).to_be_focused()
    assert clean(page, js)
