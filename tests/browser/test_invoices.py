"""Laskut in the browser: the payment details copied with a button where the script can copy,
selectable text where it cannot (axe and IBM on the pages: test_audit)."""
import pytest

from app.extensions import db
from app.models import Customer, Invoice
from tests.browser.conftest import log_in


def newest_invoice_id() -> int:
    customer = db.session.query(Customer).filter_by(customer_number="100001").one()
    return db.session.query(Invoice).filter_by(customer_id=customer.id).order_by(Invoice.invoice_date.desc()).first().id


def test_the_barcode_is_copied_with_a_button(browse, demo_data):
    page = browse()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page)
    page.goto(f"/laskut/{newest_invoice_id()}")
    barcode = page.locator("#barcode").inner_text()
    assert len(barcode) == 54 and barcode.isdigit()
    button = page.get_by_role("button", name="Kopioi").and_(page.locator("[data-copy=barcode]"))
    button.click()
    page.locator("[data-copy=barcode]", has_text="Kopioitu").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == barcode


@pytest.mark.parametrize("width", [412, 320])
def test_without_javascript_there_is_no_dead_button_and_the_barcode_can_be_selected(browse, demo_data, width):
    page = browse(js=False, viewport={"width": width, "height": 800})
    log_in(page)
    page.goto(f"/laskut/{newest_invoice_id()}")
    assert page.get_by_role("button", name="Kopioi").count() == 0
    page.locator("#barcode").select_text()
    assert page.evaluate("String(getSelection())") == page.locator("#barcode").inner_text()
    page.goto("/tilatut-palvelut")  # the licence key's button too
    assert page.locator("code.secret").count() > 0 and page.get_by_role("button", name="Kopioi").count() == 0
