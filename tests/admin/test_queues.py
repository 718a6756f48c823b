"""Tilaukset, Palautteet ja irtisanomiset, Tapahtumaloki and failing messages."""
import re
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, Feedback, Order, OutboxMessage, Product, Subscription
from app.models.base import today, utcnow
from app.services import outbox
from tests.helpers import customer_id, refused, statements


def place(number="100002", code="SPORT-PLUS", status="new", sub_status="pending", key="k1") -> Order:
    customer = db.session.query(Customer).filter_by(customer_number=number).one()
    product = db.session.query(Product).filter_by(code=code).one()
    subscription = Subscription(customer=customer, product=product, starts_on=today(), status=sub_status)
    order = Order(customer=customer, product=product, subscription=subscription, status=status,
                  idempotency_key=key, price_cents=product.price_cents, vat_basis_points=2550)
    db.session.add(order)
    db.session.commit()
    return order


def test_queue_filters_and_pages(admin):
    ids = [place(key=f"k{n}").id for n in range(30)]
    page = admin.get("/hallinta/tilaukset?status=new")
    assert "Sivu 1/2, yhteensä 30" in page.text
    assert admin.get("/hallinta/tilaukset?status=delivered").text.count("Urheilu Plus") == 0
    with statements() as first:
        admin.get("/hallinta/tilaukset?status=new")
    with statements() as second:
        admin.get("/hallinta/tilaukset?status=new&sivu=2")
    assert len(first) == len(second)
    assert ids


@pytest.mark.parametrize("url", ["/hallinta/asiakkaat", "/hallinta/tilaukset", "/hallinta/palautteet",
                                 "/hallinta/tapahtumaloki", "/hallinta/tiedotteet", "/hallinta/viestit"])
def test_a_page_or_group_number_past_what_the_database_holds_is_ignored(admin, url):
    for query in ("sivu=99999999999999999999", "sivu=-5", "ryhma=99999999999999999999", "sivu=2147483647"):
        assert admin.get(f"{url}?{query}").status_code == 200, query


@pytest.mark.parametrize("url", ["/hallinta/tilaukset", "/hallinta/palautteet"])
def test_the_status_filter_is_shown_chosen_and_the_page_answers_200(admin, url):
    for status in ("new", "done", "9", "x"):
        response = admin.get(f"{url}?status={status}")
        assert response.status_code == 200, status  # the filter once became the HTTP status
    assert 'value="new" selected' in admin.get(f"{url}?status=new").text


def test_deliver_activates_the_subscription(admin):
    order = place()
    response = admin.submit(f"/hallinta/tilaukset/{order.id}/toimitettu", page="/hallinta/tilaukset")
    assert response.status_code == 303
    order = db.session.get(Order, order.id)
    assert order.status == "delivered" and order.subscription.status == "active"
    assert db.session.query(AuditEvent).filter_by(action="order.delivered").one().actor_name == "Ylläpito"
    again = admin.submit(f"/hallinta/tilaukset/{order.id}/toimitettu", page="/hallinta/tilaukset")
    again = refused(again)
    assert "jo käsitelty" in again.text


def test_reject_needs_a_reason_and_cancels_the_subscription(admin, smtp):
    order = place()
    url = f"/hallinta/tilaukset/{order.id}/hylkaa"
    response = admin.submit(url, {"reason": "  "})
    response = refused(response)
    assert db.session.get(Order, order.id).status == "new"
    response = admin.submit(url, {"reason": "Kortti ei kelpaa tälle kanavalle."})
    assert response.status_code == 303
    order = db.session.get(Order, order.id)
    assert order.status == "rejected"
    # Cancelled, not ended: it is never billed and never listed as a service that was in force.
    assert order.subscription.status == "cancelled" and order.subscription.ends_on is None
    page = admin.get(f"/hallinta/asiakkaat/{order.customer_id}").text
    listed = re.search(rf"<li>{re.escape(order.product.label)} · [^<]*</li>", page).group(0)
    assert "peruttu" in listed and "toistaiseksi" not in listed  # it never ran: no validity
    outbox.deliver_due()
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "liisa.korhonen@example.fi"
    assert "Kortti ei kelpaa tälle kanavalle." in smtp.messages[0].get_content()


def test_the_reject_page_of_a_handled_order_offers_no_form(admin, make_client):
    """Handled since the queue was read: the page says so instead of a reason to write in vain, also
    to a reason (or none) sent from a page opened before."""
    order = place()
    url = f"/hallinta/tilaukset/{order.id}/hylkaa"
    assert 'name="reason"' in admin.get(url).text
    opened_before = admin.csrf_token(url)
    assert admin.submit(f"/hallinta/tilaukset/{order.id}/toimitettu", {}, page="/hallinta/tilaukset").status_code == 303
    page = admin.get(url).text
    assert "Tilaus on jo käsitelty." in page and 'name="reason"' not in page and "Hylkää</button>" not in page
    late = admin.post(url, data={"reason": "Myöhässä", "csrf_token": opened_before},
                      headers={"Referer": "http://localhost" + url})
    late = refused(late)
    assert "Tilaus on jo käsitelty." in late.text and 'name="reason"' not in late.text
    empty = refused(admin.post(url, data={"reason": "", "csrf_token": opened_before},
                               headers={"Referer": "http://localhost" + url}))
    assert "Tilaus on jo käsitelty." in empty.text and "Kirjoita syy" not in empty.text
    assert db.session.get(Order, order.id).status == "delivered"


def test_unknown_order_is_404(admin):
    assert admin.get("/hallinta/tilaukset/99999/hylkaa").status_code == 404


def feedback(topic="feedback", status="new", days_ago=0, ref="P-1", subscriptions=(), wished=None):
    customer = db.session.get(Customer, customer_id())
    item = Feedback(customer=customer, reference=ref, topic=topic, message="Viesti " + ref, status=status,
                    contact_email="matti@example.fi", contact_phone="040 1", wished_end_date=wished,
                    subscriptions=list(subscriptions))
    item.created_at = utcnow() - timedelta(days=days_ago)
    db.session.add(item)
    db.session.commit()
    return item


def test_inbox_is_oldest_first_and_filters(admin):
    feedback(ref="P-NEW", days_ago=1)
    feedback(ref="P-OLD", days_ago=5)
    feedback(topic="termination", ref="P-TERM", days_ago=3)
    feedback(ref="P-DONE", status="done", days_ago=9)
    page = admin.get("/hallinta/palautteet?status=new").text
    assert page.index("P-OLD") < page.index("P-TERM") < page.index("P-NEW")
    assert "P-DONE" not in page
    terminations = admin.get("/hallinta/palautteet?kind=termination").text
    assert "P-TERM" in terminations and "P-OLD" not in terminations
    overview = admin.get("/hallinta/").text
    assert "<strong>2</strong> uutta palautetta" in overview
    assert "<strong>1</strong> uusi irtisanominen" in overview  # one, not "1 uutta irtisanomista"


def test_status_and_internal_note(admin):
    item = feedback()
    url = f"/hallinta/palautteet/{item.id}"
    response = admin.submit(url, {"status": "in_progress", "staff_note": "Soitettu asiakkaalle."})
    assert response.status_code == 303
    item = db.session.get(Feedback, item.id)
    assert item.status == "in_progress" and item.staff_note == "Soitettu asiakkaalle."
    refused(admin.submit(url, {"status": "bogus"}))


def test_termination_ends_subscription_on_the_given_day(admin, smtp):
    matti = db.session.get(Customer, customer_id())
    mix = db.session.query(Subscription).join(Product).filter(
        Subscription.customer_id == matti.id, Product.code == "MIX-6").one()
    wished = today() + timedelta(days=20)
    item = feedback(topic="termination", subscriptions=[mix], wished=wished)
    url = f"/hallinta/palautteet/{item.id}"
    page = admin.get(url).text
    assert wished.isoformat() in page  # the wished day is the default
    for day, said in (("2000-01-01", "ennen tilauksen alkua"), (today() - timedelta(days=1), "Päivä on jo mennyt"),
                      (wished - timedelta(days=1), f"Asiakas pyysi palvelua {wished:%-d.%-m.%Y} asti")):
        response = refused(admin.submit(f"{url}/paattyy/{mix.id}", {f"end-{mix.id}-ends_on": str(day)}, page=url))
        assert said in response.text, day
    assert db.session.get(Subscription, mix.id).ends_on is None
    response = admin.submit(f"{url}/paattyy/{mix.id}", {f"end-{mix.id}-ends_on": wished.isoformat()}, page=url)
    assert response.status_code == 303
    assert db.session.get(Subscription, mix.id).ends_on == wished
    assert db.session.get(Feedback, item.id).status == "in_progress"
    # The operator's systems are told, as the customer is.
    event = db.session.query(OutboxMessage).filter_by(topic="subscription.ending").one()
    assert event.payload["data"] == {"subscription_id": mix.id, "product": "MIX-6", "ends_on": wished.isoformat(),
                                     "feedback_reference": item.reference}
    # The event log reads what the event recorded as My data does: field names and dates in Finnish.
    log = admin.get("/hallinta/tapahtumaloki?tapahtuma=subscription.ending").text
    assert f"Päättyy: {wished:%-d.%-m.%Y}" in log and item.reference in log
    outbox.deliver_due()
    assert "MIX 6" in smtp.messages[0]["Subject"]
    assert wished.strftime("%-d.%-m.%Y") in smtp.messages[0].get_content()
    # The same day agreed again (a second tab, the API) changes nothing and tells no one again.
    again = admin.submit(f"{url}/paattyy/{mix.id}", {f"end-{mix.id}-ends_on": wished.isoformat()}, page=url)
    assert again.status_code == 303 and "mitään ei muutettu" in admin.get(url).text
    assert db.session.query(OutboxMessage).filter_by(topic="subscription.ending").count() == 1
    assert db.session.query(OutboxMessage).filter_by(topic="subscription_ending").count() == 1


def test_the_end_form_offers_no_day_after_the_subscriptions_own_end(admin):
    """A wish past a fixed term's end: the form offers the term's last day, which the rule takes."""
    matti = db.session.get(Customer, customer_id())
    mix = db.session.query(Subscription).join(Product).filter(
        Subscription.customer_id == matti.id, Product.code == "MIX-6").one()
    mix.ends_on = today() + timedelta(days=40)
    db.session.commit()
    item = feedback(topic="termination", subscriptions=[mix], wished=date(2199, 12, 31))
    page = admin.get(f"/hallinta/palautteet/{item.id}").text
    assert f'value="{mix.ends_on.isoformat()}"' in page and 'value="2199-12-31"' not in page


def test_subscription_not_named_in_the_notice_is_404(admin):
    liisa_sub = db.session.query(Subscription).join(Customer).filter(Customer.customer_number == "100002").first()
    item = feedback(topic="termination")
    url = f"/hallinta/palautteet/{item.id}"
    response = admin.submit(f"{url}/paattyy/{liisa_sub.id}", {f"end-{liisa_sub.id}-ends_on": "2030-01-01"}, page=url)
    assert response.status_code == 404


def test_audit_log_filters(admin):
    url = f"/hallinta/asiakkaat/{customer_id()}/salasanalinkki"
    admin.submit(url, page=f"/hallinta/asiakkaat/{customer_id()}")
    page = admin.get("/hallinta/tapahtumaloki?asiakas=100001&tekija=Ylläpito").text
    assert "password.reset_sent" in page
    assert "password.reset_sent" not in admin.get("/hallinta/tapahtumaloki?asiakas=100002").text
    assert "password.reset_sent" not in admin.get("/hallinta/tapahtumaloki?tapahtuma=login").text


def test_failing_messages_are_listed(admin):
    db.session.add(OutboxMessage(channel="email", topic="invitation", payload_json="{}", status="failed",
                                 attempts=5, last_error="SMTPConnectError: refused"))
    db.session.commit()
    assert "<strong>1</strong> epäonnistunut viesti" in admin.get("/hallinta/").text
    assert "SMTPConnectError" in admin.get("/hallinta/viestit").text


def test_console_pages_fit_the_budget(admin):
    import gzip
    for url in ["/hallinta/", "/hallinta/asiakkaat", "/hallinta/tilaukset", "/hallinta/palautteet",
                "/hallinta/tapahtumaloki", f"/hallinta/asiakkaat/{customer_id()}"]:
        assert len(gzip.compress(admin.get(url).data)) <= 8192, url


def test_status_and_note_with_htmx(admin):
    item = feedback()
    url = f"/hallinta/palautteet/{item.id}"
    response = admin.submit(url, {"status": "done", "staff_note": "Hoidettu."}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="feedback-form"' in response.text
    assert "Tallennettu." in response.text  # in the status region's part
    assert len(response.data) <= 2048
    assert db.session.get(Feedback, item.id).status == "done"
    response = admin.submit(url, {"status": "bogus", "staff_note": "x"}, htmx=True)
    response = refused(response)
    assert 'aria-invalid="true"' in response.text and "<html" not in response.text
    assert db.session.get(Feedback, item.id).staff_note == "Hoidettu."


def test_a_control_character_in_any_text_field_is_refused_on_its_field(admin, smtp):
    """No form lists the rule: the base form refuses control characters in every text field (a
    text area takes line breaks). A NUL was a 500 on Postgres, which stores none, and an ESC went
    to the customer in the rejection's email."""
    order = place()
    url = f"/hallinta/tilaukset/{order.id}/hylkaa"
    for reason in ("Kortti\x00", "Kortti \x1b[31mei kelpaa"):
        response = refused(admin.submit(url, {"reason": reason}))
        assert "Poista tekstistä ohjausmerkit." in response.text
        assert db.session.get(Order, order.id).status == "new"
    assert admin.submit(url, {"reason": "Kortti ei kelpaa.\r\nSoita meille."}).status_code == 303
    outbox.deliver_due()
    assert "Kortti ei kelpaa.\nSoita meille." in smtp.messages[0].get_content().replace("\r\n", "\n")
