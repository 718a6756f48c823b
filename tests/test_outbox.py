"""The outbox: written with the change, delivered by the worker over real SMTP, retried with
backoff while SMTP is down, and never taken by two workers at once."""
import hashlib
import hmac
import threading
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Customer, OutboxMessage
from app.models.base import utcnow
from app.services import outbox
from tests.helpers import PASSWORDS


def queue(n: int = 1, to: str = "asiakas@example.fi") -> list[int]:
    ids = []
    for i in range(n):
        message = outbox._queue("email", "test", None, {"to": to, "subject": f"Viesti {i}", "body": "Hei!\n"})
        db.session.flush()
        ids.append(message.id)
    db.session.commit()
    return ids


def test_queued_email_is_rendered_in_the_recipients_language(demo_data):
    customer = db.session.query(Customer).filter_by(customer_number="100001").one()
    message = outbox.queue_email(customer.email, "password_changed", "fi", customer.id, customer=customer)
    db.session.commit()
    assert message.payload["subject"] == "Omahallinnan salasanasi vaihdettiin"
    assert "Hei Matti Virtanen," in message.payload["body"]
    assert "03 450 51" in message.payload["body"]


def test_an_email_goes_to_the_customers_own_address_only(demo_data):
    """Only the email-change confirmation may go to an address the customer has not proven; it holds a
    link and fixed words. Anything else addressed elsewhere is a mistake in the code, refused here."""
    customer = db.session.query(Customer).filter_by(customer_number="100001").one()
    with pytest.raises(ValueError, match="own address"):
        outbox.queue_email("someone@example.org", "password_changed", "fi", customer.id, customer=customer)
    with pytest.raises(ValueError, match="own address"):
        outbox.queue_email(customer.email, "password_changed", "fi", None, customer=customer)
    confirm = outbox.queue_email("uusi@example.org", "email_change_confirm", "fi", customer.id,
                                 url="http://127.0.0.1/vahvista")
    assert confirm.recipient == "uusi@example.org"


def test_the_confirmation_to_a_new_address_names_no_one(client, login):
    """Whoever owns the address asked for, they learn nothing of the customer who asked."""
    login("100001").submit("/kayttajatiedot/sahkoposti", {"email": "toinen@example.org",
                                                         "password": PASSWORDS["100001"]})
    [confirm] = db.session.query(OutboxMessage).filter_by(recipient="toinen@example.org").all()
    assert confirm.payload["body"].startswith("Hei,\n")
    assert not any(known in confirm.payload["body"] for known in ("Matti", "Virtanen", "100001"))


def test_an_address_that_reads_as_a_list_is_still_one_recipient(smtp):
    """Whatever the To header could be read as, the envelope names the one address queued (which a
    real relay refuses as malformed; this test server reads it as far as the comma)."""
    queue(1, to="a,b@evil.example")
    assert outbox.deliver_due() == 1
    [recipients] = smtp.recipients
    assert len(recipients) == 1 and "b@evil.example" not in recipients


def test_worker_delivers_over_smtp_once(smtp):
    queue(3)
    assert outbox.deliver_due() == 3
    assert outbox.deliver_due() == 0
    assert [m["Subject"] for m in smtp.messages] == ["Viesti 0", "Viesti 1", "Viesti 2"]
    assert all(m["Message-ID"].startswith("<outbox-") for m in smtp.messages)
    assert db.session.query(OutboxMessage).filter_by(status="sent").count() == 3


def test_a_batch_of_emails_goes_over_one_connection(smtp):
    queue(5)
    assert outbox.deliver_due(batch=5) == 5
    assert len(smtp.inbox.peers) == 5 and len(set(smtp.inbox.peers)) == 1
    queue(2)
    assert outbox.deliver_due() == 2
    assert len(set(smtp.inbox.peers)) == 2  # the next batch's own connection


def test_a_refused_recipient_fails_alone_and_the_batch_goes_on(smtp):
    """The relay's refusal of one address is that message's failure, retried later; the emails after it
    go out, on a fresh connection."""
    smtp.inbox.refused.add("poissa@example.fi")
    [first] = queue(1)
    [refused] = queue(1, to="poissa@example.fi")
    [last] = queue(1)
    assert outbox.deliver_due() == 2
    assert [m["Message-ID"].split(".")[0] for m in smtp.messages] == [f"<outbox-{first}", f"<outbox-{last}"]
    assert len(set(smtp.inbox.peers)) == 2
    message = db.session.get(OutboxMessage, refused)
    assert (message.status, message.attempts) == ("pending", 1)
    assert "No such mailbox" in message.last_error and message.next_attempt_at > utcnow()


def test_smtp_down_then_back_delivers_exactly_once(smtp):
    [message_id] = queue(1)
    smtp.stop()
    assert outbox.deliver_due() == 0
    message = db.session.get(OutboxMessage, message_id)
    assert message.status == "pending" and message.attempts == 1 and "Error" in message.last_error
    first_retry = message.next_attempt_at
    assert first_retry > utcnow()
    # Not due yet: nothing happens even when SMTP is back.
    smtp.start()
    assert outbox.deliver_due() == 0
    # Still down at the next try: the wait doubles.
    smtp.stop()
    outbox.deliver_due(now=first_retry)
    db.session.refresh(message)
    assert message.attempts == 2
    assert message.next_attempt_at - first_retry >= outbox.retry_delay(2)
    smtp.start()
    assert outbox.deliver_due(now=message.next_attempt_at) == 1
    assert outbox.deliver_due(now=message.next_attempt_at + timedelta(days=1)) == 0
    assert len(smtp.messages) == 1


def test_gives_up_after_the_maximum_attempts(app, smtp, caplog):
    [message_id] = queue(1)
    smtp.stop()
    later = utcnow()
    for _ in range(app.config["OUTBOX_MAX_ATTEMPTS"]):
        outbox.deliver_due(now=later)
        later += outbox.MAX_DELAY
    message = db.session.get(OutboxMessage, message_id)
    assert message.status == "failed"
    # The admin reads each attempt in the worker's log, by the message's id, not its recipient.
    said = [r for r in caplog.records if f"(message {message_id}) not delivered" in r.getMessage()]
    assert [r.levelname for r in said] == ["WARNING"] * (app.config["OUTBOX_MAX_ATTEMPTS"] - 1) + ["ERROR"]
    assert "failed for good" in said[-1].getMessage() and "next try at" in said[0].getMessage()
    assert not any("@" in r.getMessage() for r in said)
    smtp.start()
    assert outbox.deliver_due(now=later + timedelta(days=1)) == 0


def test_a_lease_that_ran_out_makes_the_message_due_again(smtp):
    [message_id] = queue(1)
    claimed = outbox.claim(10, utcnow())  # a worker took it, then died before sending
    assert [m.id for m in claimed] == [message_id]
    assert outbox.deliver_due() == 0  # leased: nobody else takes it
    assert outbox.deliver_due(now=utcnow() + outbox.lease() + timedelta(seconds=1)) == 1


def test_file_backend_writes_eml_files(app, tmp_path):
    queue(1)
    app.config.update(MAIL_BACKEND="file", MAIL_DIR=str(tmp_path))
    try:
        assert outbox.deliver_due() == 1
    finally:
        app.config["MAIL_BACKEND"] = "smtp"
    [eml] = tmp_path.glob("*.eml")
    assert b"Subject: Viesti 0" in eml.read_bytes()


def test_two_workers_never_take_the_same_message(app, smtp):
    queue(40)
    results = []

    def worker():
        with app.app_context():
            results.append(outbox.deliver_due(batch=5) + outbox.deliver_due(batch=50))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 40
    assert len(smtp.messages) == 40
    assert len({m["Message-ID"] for m in smtp.messages}) == 40


def test_webhook_events_are_posted_signed(webhook):
    outbox.queue_event("order.created", None, order=1)
    db.session.commit()
    assert outbox.deliver_due() == 1
    [hit] = webhook.requests
    signature = hmac.new(b"s3cret", hit.body, hashlib.sha256).hexdigest()
    assert hit.headers["X-Omahallinta-Signature"] == "sha256=" + signature
    assert hit.headers["X-Omahallinta-Event"] == "order.created"
    assert hit.event["event"] == "order.created"


def test_a_customers_later_event_waits_for_the_earlier_one(demo_data, webhook, smtp):
    """The first event of each customer is refused once: the second one must not overtake it."""
    webhook.failures = 1
    first, second = (customer.id for customer in db.session.query(Customer).order_by(Customer.id).limit(2))
    for customer_id, step in [(first, 1), (first, 2), (second, 1), (first, 3), (second, 2)]:
        outbox.queue_event("mix.changed", customer_id, step=step)
    outbox._queue("email", "test", first, {"to": "asiakas@example.fi", "subject": "Hei", "body": "Hei!\n"})
    db.session.commit()
    assert outbox.deliver_due() == 1  # both first events refused; the email is not held back
    later = utcnow()
    for _ in range(4):
        later += outbox.retry_delay(1)
        outbox.deliver_due(now=later)
    delivered = webhook.delivered()
    for customer_id in (first, second):
        steps = [event["data"]["step"] for event in delivered if event["customer_id"] == customer_id]
        assert steps == sorted(steps) == list(range(1, len(steps) + 1))
    assert len(delivered) == 5 and len(webhook.requests) == 7 and len(smtp.messages) == 1
