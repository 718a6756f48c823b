"""The console in a real browser: TOTP login, a customer, CSV import, licence keys, billing, announcements
(axe on every console page and state: test_audit)."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import (
    Account,
    Announcement,
    Customer,
    FeedbackReply,
    LicenceKey,
    OperatorSettings,
    Order,
    Product,
    Subscription,
)
from app.models.base import today
from app.security import verify_password
from app.services import support
from app.services.two_factor import TOTP
from tests.browser.conftest import PHONE, axe_violations, axe_violations_without_js, sideways_scroll

SECRET = "26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE"
EXAMPLE = (Path(__file__).resolve().parents[2] / "docs" / "customers-example.csv").read_bytes()


def staff_log_in(page) -> None:
    page.goto("/hallinta/kirjaudu")
    page.get_by_label("Käyttäjätunnus").fill("yllapito")
    page.get_by_label("Salasana", exact=True).fill("Hallinta-Demo-2026-x")
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url("**/kirjaudu/vahvistus")
    page.get_by_label("Koodi").fill(TOTP(SECRET).now())
    page.get_by_role("button", name="Vahvista").click()
    page.wait_for_url("**/hallinta/")
    # The next login in this test run may fall in the same 30 seconds.
    db.session.query(Account).filter_by(username="yllapito").update({"totp_last_step": 0})
    db.session.commit()


def waiting_security_order() -> int:
    product = db.session.query(Product).filter_by(code="TURVAPAKETTI-5").one()
    db.session.query(LicenceKey).filter_by(product_id=product.id).delete()
    customer = db.session.query(Customer).filter_by(customer_number="100002").one()
    subscription = Subscription(customer=customer, product=product, starts_on=today(), status="pending")
    order = Order(customer=customer, product=product, subscription=subscription, status="pending",
                  idempotency_key="browser-wait", price_cents=product.price_cents, vat_basis_points=2550)
    db.session.add(order)
    db.session.flush()
    order_id = order.id
    db.session.commit()  # no transaction of the test may stay open: the server writes
    return order_id


def csv_file(data: bytes) -> dict:
    return {"name": "asiakkaat.csv", "mimeType": "text/csv", "buffer": data}


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_staff_day(browse, demo_data, js):
    order_id = waiting_security_order()
    page = browse(js=js)
    staff_log_in(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Yleiskatsaus"

    page.get_by_label("Etsi asiakas").fill("100001")
    page.get_by_role("button", name="Hae").click()
    page.get_by_role("link", name="100001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Matti Virtanen"))

    page.get_by_role("navigation", name="Hallinnan valikko").get_by_role("link", name="Asiakastuonti").click()
    page.get_by_label("CSV-tiedosto").set_input_files(csv_file(EXAMPLE.replace(b"2023-09-01", b"31.2.2023")))
    page.get_by_role("button", name="Esikatsele").click()
    assert "Rivi 3: agreements_from ei ole päivämäärä" in page.locator(".alert").inner_text()
    page.get_by_label("CSV-tiedosto").set_input_files(csv_file(EXAMPLE))
    page.get_by_role("button", name="Esikatsele").click()
    page.get_by_role("button", name="Tuo 4 asiakasta").click()
    expect(page.get_by_role("status")).to_contain_text("Tuotu: 3 uutta asiakasta, 1 asiakas päivitetty.")

    page.get_by_role("navigation", name="Hallinnan valikko").get_by_role("link", name="Lisenssiavaimet").click()
    page.get_by_label("Tuote").select_option(label="F-Secure TURVAPAKETTI 5 laitetta")
    page.get_by_label("Avaimet", exact=True).fill("BROWSER-KEY-1\nBROWSER-KEY-2")
    page.get_by_role("button", name="Lisää avaimia").click()
    expect(page.get_by_role("status")).to_contain_text("1 odottava tilaus sai avaimensa.")
    assert db.session.get(Order, order_id).status == "delivered"
    db.session.commit()

    page.get_by_role("navigation", name="Hallinnan valikko").get_by_role("link", name="Laskutus").click()
    page.get_by_label("Kuukausi").fill("2026-11")
    page.get_by_role("button", name="Näytä").click()
    page.wait_for_url("**/laskutus?kuukausi=2026-11")  # the page before has a Lataa CSV link too
    with page.expect_download() as download:
        page.get_by_role("link", name="Lataa CSV").click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith("\ufeff".encode()) and b"100001;LAAJAKAISTA-100" in body


def test_announcement_on_etusivu_closes_in_place(browse, demo_data):
    from tests.browser.conftest import log_in

    db.session.add(Announcement(title="Turvapalvelut uudistuvat", body="Katso https://www.ipp.fi/turva",
                                valid_from=today()))
    db.session.commit()
    page = browse()
    log_in(page)
    notice = page.get_by_role("article", name="Turvapalvelut uudistuvat")
    expect(notice.get_by_role("link", name="https://www.ipp.fi/turva")).to_be_visible()
    notice.get_by_role("button", name="Sulje").click()
    page.get_by_role("status").get_by_text("Tiedote on suljettu.").wait_for()
    assert page.get_by_role("article", name="Turvapalvelut uudistuvat").count() == 0
    assert page.evaluate("document.activeElement.id") == "welcome"  # not lost with the Close button


def console_menu(page, name: str) -> None:
    page.get_by_role("navigation", name="Hallinnan valikko").get_by_role("link", name=name).click()


def no_violations(page, js: bool) -> str:
    return axe_violations(page) if js else axe_violations_without_js(page)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_staff_change_their_own_password(browse, demo_data, js):
    page = browse(js=js)
    staff_log_in(page)
    console_menu(page, "Salasanan vaihto")
    expect(page.get_by_role("heading", level=1)).to_have_text("Salasanan vaihto")  # the click starts the navigation

    def change(current: str) -> None:
        page.get_by_label("Nykyinen salasana").fill(current)
        page.get_by_label("Uusi salasana").fill("Kuusi-Kettua-Lumessa-84")
        page.get_by_role("button", name="Vaihda salasana").click()

    change("Vaara-Salasana-2026")
    page.get_by_text("Nykyinen salasana on väärä.").wait_for()
    assert page.get_by_label("Nykyinen salasana").get_attribute("aria-invalid") == "true"
    assert no_violations(page, js) == ""
    change("Hallinta-Demo-2026-x")
    page.get_by_role("status").get_by_text("Salasanasi on vaihdettu.").wait_for()
    assert no_violations(page, js) == ""
    db.session.expire_all()
    account = db.session.query(Account).filter_by(username="yllapito").one()
    assert verify_password(account.password_hash, "Kuusi-Kettua-Lumessa-84")
    db.session.commit()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_staff_edit_the_reserved_addresses_in_settings(browse, demo_data, js):
    page = browse(js=js)
    staff_log_in(page)
    console_menu(page, "Asetukset")
    field = page.get_by_label("Varatut osoitteet")
    assert "myynti" in field.input_value().split()
    page.get_by_text("Aina varatut osoitteet").click()
    assert "postmaster" in page.locator("main details").inner_text()
    field.fill("myynti\nkahvila\nÄäkkönen")
    page.get_by_role("button", name="Tallenna", exact=True).click()
    page.get_by_text("ääkkönen ei ole osoitteen alkuosa").wait_for()
    field = page.get_by_label("Varatut osoitteet")
    assert field.get_attribute("aria-invalid") == "true" and "kahvila" in field.input_value()  # kept as typed
    assert no_violations(page, js) == ""
    field.fill("myynti\nKahvila")
    page.get_by_role("button", name="Tallenna", exact=True).click()
    page.get_by_role("status").get_by_text("Asetukset on tallennettu.").wait_for()
    assert page.get_by_label("Varatut osoitteet").input_value() == "myynti\nkahvila"
    assert no_violations(page, js) == ""
    db.session.expire_all()
    assert db.session.get(OperatorSettings, 1).reserved_local_parts == "myynti\nkahvila"
    db.session.commit()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_order_queue_works_on_a_phone(browse, demo_data, js):
    """At 412 px each order is a block of its facts with its actions: nothing scrolls sideways,
    not even inside the table, and the actions are at hand."""
    order_id = waiting_security_order()
    page = browse(js=js, viewport=PHONE)
    staff_log_in(page)
    page.goto("/hallinta/tilaukset")
    assert sideways_scroll(page) == ""
    scrolled = page.evaluate("[...document.querySelectorAll('main *')].filter(e => ['auto', 'scroll']"
                             ".includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1).length")
    assert scrolled == 0  # not even the table's own scroller
    # Each cell is read after its column's name, which the phone layout shows instead of the head row.
    row = page.get_by_role("row", name=re.compile("Asiakas: 100002 Liisa Korhonen Tuote: F-Secure TURVAPAKETTI"))
    deliver = row.get_by_role("button", name="Merkitse toimitetuksi")
    assert deliver.bounding_box()["x"] + deliver.bounding_box()["width"] <= 412
    row.get_by_role("link", name="Hylkää").click()
    page.wait_for_url(f"**/hallinta/tilaukset/{order_id}/hylkaa")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_canned_reply_is_added_to_what_the_staff_typed(browse, demo_data, js):
    """Käytä keeps the reply written so far and adds the canned text after it: with JavaScript in place
    (the page is not loaded again), without it by the same form sent and the page drawn again."""
    feedback_id = support.send(db.session.query(Customer.id).filter_by(customer_number="100001").scalar(),
                               support.Message(topic="support", message="Netti pätkii.")).id
    db.session.commit()  # no transaction of the test may stay open: the server writes
    page = browse(js=js)
    staff_log_in(page)
    page.goto(f"/hallinta/palautteet/{feedback_id}")
    page.evaluate("window.notReloaded = true")  # gone if the page loads again
    reply = page.get_by_role("textbox", name="Vastaus asiakkaalle")
    reply.fill("Hei Matti,")
    files = page.get_by_label("Liitteet")
    files.set_input_files({"name": "ohje.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" + b"0" * 300_000})
    page.get_by_label("Vastauspohja").select_option(label="Modeemin uudelleenkäynnistys")
    with page.expect_request("**/vastauspohja") as sent:
        page.get_by_role("button", name="Käytä").click()
    # The text is added without uploading the files chosen for the reply; with htmx they stay chosen.
    assert sent.value.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert len(sent.value.post_data_buffer) < 2000
    expect(reply).to_have_value(re.compile(r"^Hei Matti,\n\nKokeilethan käynnistää modeemin uudelleen"))
    expect(reply).to_be_focused()
    assert page.evaluate("window.notReloaded === true") is js
    assert files.evaluate("input => input.files.length") == (1 if js else 0)
    assert no_violations(page, js) == ""
    assert db.session.query(FeedbackReply).count() == 0
