"""Laskutustapa: the customer asks to get their invoices another way; the request reaches the
billing system as an event and the staff on the customer's page."""
import re

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, InvoicePreferenceRequest, OutboxMessage
from tests.conftest import HTMX
from tests.helpers import refused, run_together, staff_login

URL = "/laskut/laskutustapa"


@pytest.fixture
def matti(client, demo_data):
    client.login()
    return client


def requests() -> list[InvoicePreferenceRequest]:
    return db.session.query(InvoicePreferenceRequest).order_by(InvoicePreferenceRequest.id).all()


def test_a_request_without_javascript_is_an_event_a_record_and_a_receipt(matti):
    page = matti.get("/laskut").text
    assert '<h2 id="preference-heading">Laskutustapa</h2>' in page and 'name="channel"' in page
    response = matti.submit(URL, {"channel": "e_invoice"}, page="/laskut")
    assert response.status_code == 303 and response.location == "/laskut#preference"
    page = matti.get("/laskut").text
    assert "Pyyntösi on lähetetty: E-lasku verkkopankkiini." in page
    assert "Pyysit: E-lasku verkkopankkiini (" in page
    [request] = requests()
    assert request.channel == "e_invoice"
    event = db.session.query(OutboxMessage).filter_by(topic="invoice_preference.requested").one()
    assert event.payload["data"] == {"customer_number": "100001", "channel": "e_invoice", "email": None}
    assert db.session.query(AuditEvent).filter_by(action="invoice_preference.requested").count() == 1


def test_with_htmx_only_the_section_comes_back(matti):
    response = matti.submit(URL, {"channel": "email"}, page="/laskut", htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert '<section id="preference"' in response.text[:200]
    assert "Pyysit: Sähköpostilla" in response.text and 'hx-target="#status"' in response.text
    assert len(response.data) < 2048
    # The way asked for stays chosen, in the answer and on the page.
    for html in (response.text, matti.get("/laskut").text):
        assert re.search(r'<option[^>]*selected[^>]*value="email"|<option[^>]*value="email"[^>]*selected', html)
    event = db.session.query(OutboxMessage).filter_by(topic="invoice_preference.requested").one()
    assert event.payload["data"]["email"] == "matti.virtanen@example.fi"


@pytest.mark.parametrize("htmx", [False, True])
def test_asking_again_for_the_same_or_for_nothing_is_refused_at_the_field(matti, htmx):
    matti.submit(URL, {"channel": "paper"}, page="/laskut")
    again = matti.submit(URL, {"channel": "paper"}, page="/laskut", htmx=htmx)
    again = refused(again)
    assert "Olet jo pyytänyt tätä" in again.text
    assert 'id="channel-error"' in again.text
    wrong = matti.submit(URL, {"channel": "carrier-pigeon"}, page="/laskut", htmx=htmx)
    wrong = refused(wrong)
    assert "Valitse, miten haluat laskusi." in wrong.text
    assert len(requests()) == 1
    assert db.session.query(OutboxMessage).filter_by(topic="invoice_preference.requested").count() == 1


def test_email_needs_an_address_on_record(matti):
    customer = db.session.query(Customer).filter_by(customer_number="100001").one()
    customer.email = None
    db.session.commit()
    answer = matti.submit(URL, {"channel": "email"}, page="/laskut")
    page = refused(answer)
    assert "Meillä ei ole sähköpostiosoitettasi" in page.text
    assert requests() == []


def test_the_staff_see_the_latest_request_on_the_customers_page(matti, make_client):
    matti.submit(URL, {"channel": "paper"}, page="/laskut")
    matti.submit(URL, {"channel": "direct_payment"}, page="/laskut")
    staff = make_client()
    staff_login(staff)
    customer = db.session.query(Customer).filter_by(customer_number="100001").one()
    page = staff.get(f"/hallinta/asiakkaat/{customer.id}").text
    assert "<dt>Pyydetty laskutustapa</dt><dd>Suoramaksu (" in page


def test_in_swedish_and_english(matti):
    for language, words in (("sv", ("Faktureringssätt", "E-faktura till min nätbank", "Skicka begäran")),
                            ("en", ("How you get your invoices", "E-invoice to my online bank", "Send the request"))):
        matti.submit("/kieli", {"lang": language, "next": "/laskut"}, page="/laskut")
        page = matti.get("/laskut").text
        assert all(word in page for word in words), language


def test_the_same_request_sent_ten_times_at_once_is_asked_once(app, matti):
    data = {"channel": "paper", "csrf_token": matti.csrf_token("/laskut")}
    # As htmx, where a refusal is an answer of its own; without JavaScript each goes back to /laskut.
    responses = run_together(app, lambda _i: matti.post(URL, data=data, headers=HTMX))
    assert sorted(r.status_code for r in responses) == [200] + [422] * 9
    assert len(requests()) == 1
    assert db.session.query(OutboxMessage).filter_by(topic="invoice_preference.requested").count() == 1
