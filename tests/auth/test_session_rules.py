"""Who may have a session, by every way in (issue 13's audit findings 1, 3, 8, 9, 10): one rule
decides it, and every wrong password or code counts towards one limit per account."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Agreement, OutboxMessage
from app.models.base import today
from app.services import two_factor
from app.services.two_factor import TOTP
from tests.helpers import PASSWORDS, customer, deliver_all, refused, statements

NEW_PASSWORD = "Kahvi-Purjevene-Lokakuu-9"
SECRET = "26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE"


def reset_link(client, login: str) -> str:
    client.submit("/unohtunut-salasana", {"login": login})
    deliver_all()
    message = db.session.query(OutboxMessage).filter_by(topic="password_reset").order_by(OutboxMessage.id.desc())[0]
    return "/uusi-salasana/" + message.payload["body"].split("/uusi-salasana/")[1].split()[0]


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_reset_link_sets_the_password_but_starts_no_session_without_an_agreement(client, demo_data):
    link = reset_link(client, "100004")
    response = client.submit(link, {"new_password": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/kirjaudu"
    assert "voimassa olevaa liittymä- tai palvelusopimusta" in client.get("/kirjaudu").text
    assert not logged_in(client)
    # The password was set: the login form now tells the same reason after the right password.
    answer = client.submit("/kirjaudu", {"login": "100004", "password": NEW_PASSWORD})
    page = refused(answer)
    assert "voimassa olevaa liittymä- tai palvelusopimusta" in page.text


def test_a_closed_customer_is_told_the_account_is_closed_not_that_an_agreement_is_missing(client, demo_data):
    closed = customer("100002")  # agreements in force
    closed.status = "closed"
    db.session.commit()
    page = refused(client.submit("/kirjaudu", {"login": "100002", "password": PASSWORDS["100002"]})).text
    assert "Asiakkuutesi on suljettu" in page and "palvelusopimusta. Ota yhteyttä" not in page
    assert not logged_in(client)


def test_an_invitation_starts_no_session_without_an_agreement(client, runner, demo_data):
    account = customer("100004").account
    account.password_hash = None
    db.session.commit()
    assert runner.invoke(args=["invite", "100004"]).exit_code == 0
    message = db.session.query(OutboxMessage).filter_by(topic="invitation").one()
    link = "/kutsu/" + message.payload["body"].split("/kutsu/")[1].split()[0]
    assert client.submit(link, {"new_password": NEW_PASSWORD}).status_code == 303
    assert not logged_in(client)


def test_an_agreement_ending_between_the_password_and_the_code_starts_no_session(client, demo_data):
    account = customer("100001").account
    two_factor.enable(account, SECRET, TOTP(SECRET).now())
    account.totp_last_step = 0
    db.session.commit()
    assert client.submit("/kirjaudu", {"login": "100001", "password": PASSWORDS["100001"]}).status_code == 303
    db.session.execute(update(Agreement).where(Agreement.customer_id == customer("100001").id)
                       .values(valid_until=today() - timedelta(days=1)))
    db.session.commit()
    response = client.submit("/kirjaudu/vahvistus", {"code": TOTP(SECRET).now()})
    response = refused(response)
    assert "palvelusopimus" in response.text
    assert not logged_in(client)


def test_a_session_ends_when_the_agreement_does(client, demo_data):
    client.login()
    assert logged_in(client)
    db.session.execute(update(Agreement).where(Agreement.customer_id == customer("100001").id)
                       .values(valid_until=today() - timedelta(days=1)))
    db.session.commit()
    assert not logged_in(client)


def test_a_session_ends_after_its_absolute_lifetime_however_active(client, app, demo_data):
    client.login()
    with client.session_transaction() as session:
        session["started_at"] -= app.config["SESSION_MAX_AGE"].total_seconds() - 60
    assert logged_in(client)  # a minute left
    with client.session_transaction() as session:
        session["started_at"] -= 120
    assert not logged_in(client)


def test_number_and_email_count_towards_one_limit_of_ten(client, make_client, demo_data):
    for attempt in range(10):
        login = "100001" if attempt % 2 else "matti.virtanen@example.fi"
        refused(make_client().submit("/kirjaudu", {"login": login, "password": "wrong-password-x"}))
    limited = make_client().submit("/kirjaudu", {"login": "100001", "password": PASSWORDS["100001"]})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 800


def test_wrong_current_passwords_of_salasanan_vaihto_count_towards_the_login_limit(client, make_client, demo_data):
    client.login()
    for _ in range(10):
        response = client.submit("/salasanan-vaihto", {"current_password": "wrong-password-x",
                                                       "new_password": NEW_PASSWORD})
        response = refused(response)
    assert client.submit("/salasanan-vaihto", {"current_password": PASSWORDS["100001"],
                                               "new_password": NEW_PASSWORD}).status_code == 429
    assert make_client().submit("/kirjaudu", {"login": "100001", "password": PASSWORDS["100001"]}).status_code == 429


def test_wrong_codes_when_switching_two_step_login_off_count_too(client, make_client, demo_data):
    account = customer("100001").account
    two_factor.enable(account, SECRET, TOTP(SECRET).now())
    account.totp_last_step = 0  # the enabling code may be used once more by the login below
    db.session.commit()
    client.submit("/kirjaudu", {"login": "100001", "password": PASSWORDS["100001"]})
    assert client.submit("/kirjaudu/vahvistus", {"code": TOTP(SECRET).now()}).status_code == 303
    for _ in range(10):
        client.submit("/kayttajatiedot/kaksivaiheinen/poista", {"password": PASSWORDS["100001"], "code": "000000"},
                      page="/kayttajatiedot/kaksivaiheinen")
    assert make_client().submit("/kirjaudu", {"login": "100001", "password": PASSWORDS["100001"]}).status_code == 429


def test_a_reset_link_stops_working_when_the_email_address_changes(client, demo_data):
    link = reset_link(client, "matti.virtanen@example.fi")
    matti = customer("100001")
    matti.email = "matti.uusi@example.fi"
    db.session.commit()
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("login", ["matti.virtanen@example.fi", "100001"])
def test_forgotten_password_does_the_same_work_for_known_and_unknown_logins(client, demo_data, login):
    token = client.csrf_token("/unohtunut-salasana")

    def ask(value):
        with statements() as seen:
            response = client.post("/unohtunut-salasana", data={"login": value, "csrf_token": token})
        return response, [statement.split(" ")[0:3] for statement, _ in seen]

    known, known_work = ask(login)
    unknown, unknown_work = ask("nobody@example.fi" if "@" in login else "999999")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known_work == unknown_work  # the same statements: one row handed to the worker
    assert db.session.query(OutboxMessage).filter_by(channel="email").count() == 0
    assert deliver_all() == 3  # two requests, and the one email the known login gets
    assert db.session.query(OutboxMessage).filter_by(topic="password_reset").count() == 1


def test_staff_with_totp_log_in_through_the_same_second_step(client, demo_data):
    response = client.submit("/hallinta/kirjaudu", {"login": "yllapito", "password": PASSWORDS["yllapito"]})
    assert response.headers["Location"] == "/kirjaudu/vahvistus"
    assert client.submit("/kirjaudu/vahvistus", {"code": TOTP(SECRET).now()}).headers["Location"] == "/hallinta/"
    assert client.get("/hallinta/").status_code == 200
    assert client.submit("/kirjaudu-ulos", page="/hallinta/").headers["Location"] == "/hallinta/kirjaudu"
