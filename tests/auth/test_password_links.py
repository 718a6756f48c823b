"""Forgotten password and invitation links: sent by email, valid for a while, usable once."""
from datetime import timedelta

from app.extensions import db
from app.models import Account, AuditEvent, Customer, OutboxMessage
from app.models.base import utcnow
from app.services import accounts
from tests.helpers import deliver_all, emailed_link, refused


def test_reset_answers_the_same_for_known_and_unknown_addresses(client, demo_data):
    known = client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    unknown = client.submit("/unohtunut-salasana", {"login": "nobody@example.fi"})
    assert known.status_code == unknown.status_code == 303
    assert client.get("/kirjaudu").text.count("linkki") >= 1
    deliver_all()
    assert db.session.query(OutboxMessage).filter_by(topic="password_reset").count() == 1


def test_one_account_gets_at_most_three_reset_links_an_hour_however_many_ask(client, demo_data):
    """The form's limit is per address: from a few addresses anyone could fill a customer's inbox."""
    for n in range(5):
        answer = client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"},
                               environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
        assert answer.status_code == 303
    deliver_all()
    assert db.session.query(OutboxMessage).filter_by(topic="password_reset").count() == 3
    db.session.query(AuditEvent).filter_by(action="password.reset_requested").update(
        {AuditEvent.at: utcnow() - timedelta(hours=1, seconds=1)})
    db.session.commit()
    accounts.request_password_reset("100001")  # an hour later, one more
    deliver_all()
    assert db.session.query(OutboxMessage).filter_by(topic="password_reset").count() == 4


def test_reset_link_sets_a_new_password_once(client, make_client, demo_data):
    client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    link = emailed_link("password_reset")
    assert "Uusi salasana" in client.get(link).text
    response = client.submit(link, {"new_password": "Kahvi-Purjevene-Lokakuu-9"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # logged in
    # Used once: the same link no longer works.
    assert make_client().get(link).status_code == 404
    fresh = make_client()
    refused(fresh.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"}))
    assert fresh.submit("/kirjaudu", {"login": "100001", "password": "Kahvi-Purjevene-Lokakuu-9"}).status_code == 303


def test_reset_link_expires_after_an_hour(client, demo_data, monkeypatch):
    client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    link = emailed_link("password_reset")
    monkeypatch.setattr(accounts, "RESET_MAX_AGE", -1)
    assert client.get(link).status_code == 404


def test_tampered_link_does_not_work(client, demo_data):
    client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    link = emailed_link("password_reset")
    assert client.get(link[:-3] + "abc").status_code == 404


def test_weak_password_from_link_is_refused_with_reason(client, demo_data):
    client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    link = emailed_link("password_reset")
    response = client.submit(link, {"new_password": "matti.virtanen1"})
    response = refused(response)
    assert "nimeesi" in response.text


def test_invitation_from_the_command_line(client, runner, demo_data):
    customer = db.session.query(Customer).filter_by(customer_number="100002").one()
    customer.account.password_hash = None  # not yet taken into use
    db.session.commit()
    result = runner.invoke(args=["invite", "100002"])
    assert result.exit_code == 0, result.output
    link = emailed_link("invitation")
    assert link.startswith("/kutsu/")
    assert client.submit(link, {"new_password": "Saunailta-Mustikka-Kivi"}).status_code == 303
    assert client.get("/").status_code == 200


def test_no_invitation_from_the_command_line_to_a_customer_who_has_a_password(runner, demo_data):
    """The same rule as the console's and the API's: such a customer gets a reset link."""
    result = runner.invoke(args=["invite", "100002"])
    assert result.exit_code != 0 and "salasana" in result.output
    assert db.session.query(OutboxMessage).filter_by(topic="invitation").count() == 0


def test_invitation_for_unknown_customer_fails(runner, demo_data):
    result = runner.invoke(args=["invite", "999999"])
    assert result.exit_code != 0
    assert "no customer" in result.output


def test_reset_email_is_delivered_over_smtp(client, demo_data, smtp):
    client.submit("/unohtunut-salasana", {"login": "matti.virtanen@example.fi"})
    assert deliver_all() == 2  # the request, then the email
    [mail] = smtp.messages
    assert mail["To"] == "matti.virtanen@example.fi"
    assert "salasana" in mail["Subject"].lower()
    assert "/uusi-salasana/" in mail.get_content()


def test_account_without_password_cannot_log_in(client, demo_data):
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100002").one()
    account.password_hash = None
    db.session.commit()
    refused(client.submit("/kirjaudu", {"login": "100002", "password": ""}))
    refused(client.submit("/kirjaudu", {"login": "100002", "password": "anything-at-all"}))
