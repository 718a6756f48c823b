"""Asiakaspalvelu (S12, S15, S17): contact details, feedback and the written termination notice."""
import gzip
import io
import json
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, Feedback, OutboxMessage, Subscription
from app.models.base import today
from app.services import outbox
from tests.helpers import PNG, idempotency_key, refused


@pytest.fixture
def logged_in(client, demo_data):
    client.login()
    return client


def subscription_id(customer_number: str, product_code: str) -> int:
    return db.session.query(Subscription).join(Subscription.customer).join(Subscription.product).filter(
        Customer.customer_number == customer_number, Subscription.product.has(code=product_code)).one().id


def feedback(**overrides) -> dict:
    data = {"topic": "feedback", "message": "Kiitos hyvästä palvelusta!", "contact_email": "matti.virtanen@example.fi",
            "contact_phone": "040 123 4567"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def termination(**overrides) -> dict:
    data = {"topic": "termination", "message": "Irtisanon palvelun.",
            "subscriptions": str(subscription_id("100001", "MIX-6")),
            "wished_end_date": (today() + timedelta(days=30)).isoformat()}
    return feedback(**{**data, **overrides})


def send(client, data):
    return client.submit("/asiakaspalvelu", data)


def test_contact_details_come_from_the_operator_settings(logged_in):
    page = logged_in.get("/asiakaspalvelu")
    assert page.status_code == 200
    for text in ("03 450 51", "ma–pe 8–16", "asiakaspalvelu@ipp.fi", "Laskua koskevissa kysymyksissä"):
        assert text in page.text
    for topic in ("Palaute", "Laskutus", "Tekninen tuki", "Irtisanominen", "Muu"):
        assert f">{topic}</option>" in page.text
    # prefilled from the account, and without JavaScript the termination fields are on the page
    assert 'value="matti.virtanen@example.fi"' in page.text and 'value="+358 40 1234567"' in page.text
    assert "MIX 6" in page.text and 'name="wished_end_date"' in page.text
    assert "Jääkiekkokausi" not in page.text  # ended: nothing to terminate


def test_feedback_is_stored_audited_receipted_and_announced(logged_in, smtp):
    response = send(logged_in, feedback(contact_requested="y"))
    assert response.status_code == 303
    message = db.session.query(Feedback).one()
    assert response.headers["Location"] == f"/asiakaspalvelu/viesti/{message.reference}"
    assert message.topic == "feedback" and message.contact_requested
    assert message.contact_phone == "+358 40 1234567"
    receipt = logged_in.get(response.headers["Location"])
    assert message.reference in receipt.text and "Kiitos hyvästä palvelusta!" in receipt.text
    assert db.session.query(AuditEvent).filter_by(action="feedback.received").count() == 1
    event = db.session.query(OutboxMessage).filter_by(channel="webhook").one()
    assert event.topic == "feedback.received" and event.payload["data"]["reference"] == message.reference
    outbox.deliver_due()
    mail = smtp.messages[0]
    assert mail["To"] == "matti.virtanen@example.fi" and message.reference in mail["Subject"]
    assert "Kiitos hyvästä palvelusta!" in mail.get_content()


def test_with_htmx_the_new_conversation_replaces_the_page_in_place(logged_in):
    response = logged_in.submit("/asiakaspalvelu", feedback(message="Kiitos <b>hyvästä</b> palvelusta!"), htmx=True)
    message = db.session.query(Feedback).one()
    assert response.status_code == 200 and "<html" not in response.text
    assert response.headers["HX-Push-Url"] == f"/asiakaspalvelu/viesti/{message.reference}"
    body = response.text
    assert '<div id="support">' in body and 'id="conversation"' in body  # the form's target, now the conversation
    assert f'autofocus>Viesti {message.reference}</h1>' in body  # the pressed button is gone
    assert f"Viesti {message.reference}" in body.split("<title>")[1]  # the page's new title
    assert f"Kiitos! Viestisi vastaanotettiin viitetunnuksella {message.reference}." in body
    assert "Kiitos &lt;b&gt;hyvästä&lt;/b&gt; palvelusta!" in body
    assert len(gzip.compress(response.data)) <= 2048


def test_with_htmx_a_refusal_is_the_form_again_with_every_message(logged_in):
    data = termination(message="", subscriptions=None, contact_email="", contact_phone="040 12")
    response = logged_in.submit("/asiakaspalvelu", data, htmx=True)
    assert response.status_code == 422 and "<html" not in response.text
    for field in ("message", "subscriptions", "contact_email", "contact_phone"):
        assert f'id="{field}-error"' in response.text, field
    assert 'hx-target="#support"' in response.text and 'value="040 12"' in response.text
    assert "4 kenttää" in response.text  # the status region counts them
    assert db.session.query(Feedback).count() == 0


def test_termination_notice_gets_its_copy_as_the_receipt(logged_in, smtp):
    mix = subscription_id("100001", "MIX-6")
    end = today() + timedelta(days=30)
    response = send(logged_in, termination(contact_phone="+358 40 1234567"))
    assert response.status_code == 303
    notice = db.session.query(Feedback).one()
    assert notice.topic == "termination" and [s.id for s in notice.subscriptions] == [mix]
    assert notice.wished_end_date == end
    event = db.session.query(OutboxMessage).filter_by(channel="webhook").one()
    assert event.topic == "termination.received" and event.payload["data"]["subscription_ids"] == [mix]
    assert db.session.query(AuditEvent).filter_by(action="termination.received").count() == 1
    assert db.session.get(Subscription, mix).status == "active"  # the portal ends nothing itself
    outbox.deliver_due()
    body = smtp.messages[0].get_content()
    assert "Irtisanomisilmoituksesi" in smtp.messages[0]["Subject"]
    for text in (notice.reference, "MIX 6", end.strftime("%-d.%-m.%Y"), "+358 40 1234567", "Irtisanon palvelun."):
        assert text in body, text
    assert re.search(r"irtisanomisilmoituksesi \d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d{2} ", body)  # date and time received


@pytest.mark.parametrize("kind", ["feedback", "termination"])
def test_the_receipt_goes_to_the_accounts_address_not_the_contact_field(logged_in, smtp, kind):
    """The contact fields are call-back details for the staff: anyone could write someone else's
    address there, and the portal must not carry their words to it in the operator's name."""
    words = "Tämä on kenen tahansa kirjoittama viesti toiselle."
    data = (feedback if kind == "feedback" else termination)(
        contact_requested="y", contact_email="someone.else@example.org", message=words)
    assert send(logged_in, data).status_code == 303
    stored = db.session.query(Feedback).one()
    assert stored.contact_email == "someone.else@example.org"  # kept for the staff to call back
    outbox.deliver_due()
    assert [m["To"] for m in smtp.messages] == ["matti.virtanen@example.fi"]
    assert smtp.recipients == [["matti.virtanen@example.fi"]]
    assert words in smtp.messages[0].get_content()
    assert db.session.query(OutboxMessage).filter_by(recipient="someone.else@example.org").count() == 0


def test_a_double_submit_stores_one_message(logged_in):
    key = idempotency_key(logged_in.get("/asiakaspalvelu").text)
    first = send(logged_in, feedback(idempotency_key=key))
    second = send(logged_in, feedback(idempotency_key=key))
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.query(Feedback).count() == 1
    assert db.session.query(OutboxMessage).count() == 2  # one receipt, one event


def test_the_form_sent_again_after_back_is_the_same_message(logged_in):
    """Back to the form draws it with a new key; the same words sent again within ten minutes are the
    message already sent, other words a new one."""
    first = send(logged_in, feedback(idempotency_key=idempotency_key(logged_in.get("/asiakaspalvelu").text)))
    again = send(logged_in, feedback(idempotency_key=idempotency_key(logged_in.get("/asiakaspalvelu").text)))
    assert again.headers["Location"] == first.headers["Location"]
    assert db.session.query(Feedback).count() == 1
    assert send(logged_in, feedback(message="Toinen asia.")).headers["Location"] != first.headers["Location"]
    with_file = send(logged_in, {**feedback(), "attachments": (io.BytesIO(PNG), "kuva.png")})  # the words, and a file
    assert with_file.headers["Location"] != first.headers["Location"]
    assert db.session.query(Feedback).count() == 3
    # A termination in the same words of another service is a notice of its own.
    mix, other = termination(), termination(subscriptions=str(subscription_id("100001", "LAAJAKAISTA-100")))
    assert send(logged_in, mix).headers["Location"] != send(logged_in, other).headers["Location"]
    assert db.session.query(Feedback).count() == 5
    for sent in db.session.query(Feedback):
        sent.created_at -= timedelta(minutes=11)
    db.session.commit()
    assert send(logged_in, feedback()).status_code == 303 and db.session.query(Feedback).count() == 6


def test_another_customers_key_does_not_reveal_their_message(logged_in, make_client):
    key = idempotency_key(logged_in.get("/asiakaspalvelu").text)
    send(logged_in, feedback(idempotency_key=key))
    reference = db.session.query(Feedback).one().reference
    liisa = make_client()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    assert liisa.get(f"/asiakaspalvelu/viesti/{reference}").status_code == 404
    response = send(liisa, feedback(idempotency_key=key, message="Liisan oma viesti"))
    assert response.status_code == 303 and reference not in response.headers["Location"]
    assert db.session.query(Feedback).count() == 2


def test_ten_messages_an_hour(logged_in):
    for n in range(10):
        assert send(logged_in, feedback(message=f"Viesti {n}")).status_code == 303
    response = send(logged_in, feedback(message="Yksitoista"))
    response = refused(response)
    assert "Olet lähettänyt tunnin sisällä 10 viestiä" in response.text
    assert "Yksitoista" in response.text  # what was typed is kept
    assert db.session.query(Feedback).count() == 10


@pytest.mark.parametrize("data,field,message", [
    (lambda: feedback(message=""), "message", "Kirjoita viestisi."),
    (lambda: feedback(message="   "), "message", "Kirjoita viestisi."),
    (lambda: feedback(message="x" * 5001), "message", "Viestissä voi olla enintään 5000 merkkiä."),
    (lambda: feedback(message="Hei\x00"), "message", "Poista tekstistä ohjausmerkit."),
    (lambda: feedback(message="Hei\x1b[31m"), "message", "Poista tekstistä ohjausmerkit."),
    (lambda: feedback(topic="nonsense"), "topic", "Valitse aihe."),
    (lambda: feedback(contact_requested="y", contact_email="not-an-address"), "contact_email",
     "Tarkista sähköpostiosoite."),
    (lambda: feedback(contact_requested="y", contact_email=""), "contact_email", "Kirjoita sähköpostiosoitteesi."),
    (lambda: feedback(contact_requested="y", contact_email="matti+😀@example.fi"), "contact_email",
     "Tarkista sähköpostiosoite: siinä ei voi olla kirjaimia"),
    (lambda: feedback(contact_requested="y", contact_phone="040 12"), "contact_phone", "Tarkista puhelinnumero"),
    (lambda: feedback(contact_requested="y", contact_phone="abc"), "contact_phone", "Tarkista puhelinnumero"),
    (lambda: feedback(contact_requested="y", contact_phone=""), "contact_phone", "Kirjoita puhelinnumerosi."),
    (lambda: feedback(contact_phone="040\x00123"), "contact_phone", "Poista tekstistä ohjausmerkit."),
    (lambda: termination(contact_email=""), "contact_email", "Kirjoita sähköpostiosoitteesi."),
    (lambda: termination(contact_phone=""), "contact_phone", "Kirjoita puhelinnumerosi."),
    (lambda: termination(subscriptions=None), "subscriptions", "Valitse palvelut, jotka haluat irtisanoa."),
    (lambda: termination(subscriptions="abc"), "subscriptions", "Valitse vain omia voimassa olevia palveluitasi."),
    (lambda: termination(subscriptions="²"), "subscriptions", "Valitse vain omia voimassa olevia palveluitasi."),
    (lambda: feedback(topic="fault", fault_subscription="²", fault_started_at="2026-11-01T10:00"), "fault_subscription",
     "Valitse vain omia voimassa olevia palveluitasi."),
    (lambda: termination(wished_end_date=None), "wished_end_date", "Kerro päivä"),
    (lambda: termination(wished_end_date="31.02.2026"), "wished_end_date", "Tarkista päivämäärä."),
    (lambda: termination(wished_end_date=(today() - timedelta(days=1)).isoformat()), "wished_end_date",
     "Päättymispäivä ei voi olla menneisyydessä."),
])
def test_bad_input_is_422_next_to_the_field_and_keeps_the_rest(logged_in, data, field, message):
    data = data()
    response = send(logged_in, data)
    response = refused(response)
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    if field != "message" and "\x00" not in data["message"]:
        assert data["message"] in response.text
    assert db.session.query(Feedback).count() == 0
    assert db.session.query(OutboxMessage).count() == 0


def test_another_customers_or_an_ended_subscription_cannot_be_terminated(logged_in):
    for other in (subscription_id("100002", "LAAJAKAISTA-300"), subscription_id("100001", "KIEKKOKAUSI"), 999999):
        response = send(logged_in, termination(subscriptions=str(other)))
        response = refused(response)
        assert "Valitse vain omia voimassa olevia palveluitasi." in response.text
    assert db.session.query(Feedback).count() == 0


def test_receipt_of_another_customer_is_404(logged_in, make_client):
    send(logged_in, feedback())
    reference = db.session.query(Feedback).one().reference
    other = make_client()
    other.login("100002", "Sade-Metsa-Tuoli-38")
    assert other.get(f"/asiakaspalvelu/viesti/{reference}").status_code == 404
    assert other.get("/asiakaspalvelu/viesti/nothing").status_code == 404


def test_support_needs_login(client, demo_data):
    assert client.get("/asiakaspalvelu").status_code == 302


def test_event_payload_is_json(logged_in):
    send(logged_in, termination())
    event = db.session.query(OutboxMessage).filter_by(channel="webhook").one()
    data = json.loads(event.payload_json)["data"]
    assert data["wished_end_date"] == (today() + timedelta(days=30)).isoformat()


def test_a_line_break_is_one_character_as_the_counter_counts_it(logged_in):
    """A browser sends each line break as CR LF; `maxlength` and the counter count one. 4 990 letters and
    ten line breaks are the whole 5 000, and are stored with one character for each break."""
    message = "\r\n".join(["a" * 454] * 10 + ["a" * 450])
    assert len(message.replace("\r\n", "\n")) == 5000
    assert send(logged_in, feedback(message=message)).status_code == 303
    assert db.session.query(Feedback).one().message == message.replace("\r\n", "\n")
    assert send(logged_in, feedback(message=message + "a")).status_code == 303  # the keep-and-303 of a refusal
    assert db.session.query(Feedback).count() == 1


def test_a_message_two_checks_share_is_said_once(logged_in):
    """A phone number too long is no phone number either: both checks say the same words."""
    page = refused(send(logged_in, feedback(contact_requested="y", contact_phone="0" * 50))).text
    message = re.search(r'<p class="error" id="contact_phone-error">([^<]*)</p>', page).group(1)
    assert message.count("Tarkista puhelinnumero") == 1
