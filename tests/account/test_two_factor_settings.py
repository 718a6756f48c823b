"""Switching two-step login on and off under Käyttäjätiedot; the login step itself is in tests/auth."""
import json
import re
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher

from app.extensions import db
from app.models import Account, AuditEvent, Customer, RecoveryCode
from app.services.two_factor import TOTP
from tests.helpers import refused

PASSWORD = "Lumi-Ranta-Kello-71"
URL = "/kayttajatiedot/kaksivaiheinen"


def account() -> Account:
    return db.session.query(Account).join(Customer).filter(Customer.customer_number == "100001").one()


def secret_on(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)


@pytest.fixture
def logged_in(client, demo_data):
    client.login()
    return client


def switch_on(client) -> tuple[str, str]:
    secret = secret_on(client.get(URL).text)
    response = client.submit(URL + "/ota-kayttoon", {"code": TOTP(secret).now()}, page=URL)
    assert response.status_code == 200, response.text
    return secret, response.text


def test_setup_shows_a_server_made_svg_qr_code_and_the_key(logged_in):
    page = logged_in.get(URL)
    assert page.status_code == 200
    assert "<svg" in page.text and "<img" not in page.text and "data:image" not in page.text
    secret = secret_on(page.text)
    assert len(secret) >= 32
    assert secret == secret_on(logged_in.get(URL).text)  # the same key until it is confirmed
    assert "img-src 'self'" in page.headers["Content-Security-Policy"]
    assert not account().totp_enabled


def test_a_valid_code_switches_it_on_and_shows_ten_recovery_codes_once(logged_in, make_client):
    secret, page = switch_on(logged_in)
    codes = re.findall(r"<li><code>([0-9A-F]{6}-[0-9A-F]{6})</code></li>", page)
    assert len(codes) == 10
    assert account().totp_enabled and account().totp_secret == secret
    stored = db.session.query(RecoveryCode).all()
    assert len(stored) == 10 and all(codes[0] not in r.code_hash for r in stored)  # hashed
    assert codes[0] not in logged_in.get(URL).text  # shown once
    assert db.session.query(AuditEvent).filter_by(action="two_factor.enabled").count() == 1
    other = make_client()
    response = other.submit("/kirjaudu", {"login": "100001", "password": PASSWORD})
    assert response.headers["Location"] == "/kirjaudu/vahvistus"
    assert other.submit("/kirjaudu/vahvistus", {"code": codes[3]}).status_code == 303


@pytest.mark.parametrize("code,message", [
    ("000000", "Koodi on väärä tai vanhentunut."),
    ("", "Kirjoita koodi."),
    ("1" * 21, "Kentän"),
])
def test_a_wrong_code_keeps_it_off(logged_in, code, message):
    logged_in.get(URL)
    response = logged_in.submit(URL + "/ota-kayttoon", {"code": code}, page=URL)
    response = refused(response)
    assert 'id="code-error"' in response.text
    assert not account().totp_enabled


def test_switching_off_needs_the_password_and_a_code(logged_in):
    secret, _ = switch_on(logged_in)
    account().totp_last_step = 0
    db.session.commit()
    response = logged_in.submit(URL + "/poista", {"password": "wrong-password-1", "code": TOTP(secret).now()}, page=URL)
    response = refused(response)
    assert "Salasana on väärä." in response.text
    response = logged_in.submit(URL + "/poista", {"password": PASSWORD, "code": "000000"}, page=URL)
    response = refused(response)
    assert 'id="code-error"' in response.text
    assert account().totp_enabled
    response = logged_in.submit(URL + "/poista", {"password": PASSWORD, "code": TOTP(secret).now()}, page=URL)
    assert response.status_code == 303
    assert not account().totp_enabled and db.session.query(RecoveryCode).count() == 0


def test_wrong_passwords_when_switching_off_count_towards_the_login_limit(logged_in, make_client):
    switch_on(logged_in)
    for _ in range(5):
        logged_in.submit(URL + "/poista", {"password": "wrong-password-1", "code": "000000"}, page=URL)
    for _ in range(5):
        make_client().submit("/kirjaudu", {"login": "100001", "password": "wrong-password-2"})
    # 5 here + 5 at the login: the account's one limit of 10 is reached on both.
    assert make_client().submit("/kirjaudu", {"login": "100001", "password": PASSWORD}).status_code == 429
    assert logged_in.submit(URL + "/poista", {"password": PASSWORD, "code": "000000"}, page=URL).status_code == 429


def test_enable_with_a_code_of_no_secret_shown_does_nothing(logged_in, make_client):
    other = make_client()
    other.login()
    response = other.submit(URL + "/ota-kayttoon", {"code": "123456"}, page="/kayttajatiedot")
    assert response.status_code == 303 and response.location == URL  # to the page that shows one
    assert not account().totp_enabled and account().totp_secret is None


def test_the_secret_being_set_up_stays_on_the_server(app, logged_in):
    """The session cookie is signed, not encrypted: anything in it can be read by whoever holds it."""
    secret = secret_on(logged_in.get(URL).text)
    cookie = logged_in.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    session = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in json.dumps(session)
    assert account().totp_secret == secret and not account().totp_enabled  # pending on the account
    response = logged_in.submit(URL + "/ota-kayttoon", {"code": TOTP(secret).now()}, page=URL)
    assert response.status_code == 200 and account().totp_enabled


@pytest.fixture
def argon2(monkeypatch) -> SimpleNamespace:
    """Counts argon2 verifications: the work a request makes the server do."""
    counter = SimpleNamespace(checks=0)
    real = PasswordHasher.verify

    def verify(self, *args, **kwargs):
        counter.checks += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    return counter


def test_a_recovery_code_is_found_without_checking_every_stored_hash(logged_in, argon2):
    """A guess shaped like a recovery code costs the password check and no more; the right code one more."""
    _, page = switch_on(logged_in)
    codes = re.findall(r"<li><code>([0-9A-F]{6}-[0-9A-F]{6})</code></li>", page)
    argon2.checks = 0
    response = logged_in.submit(URL + "/poista", {"password": PASSWORD, "code": "ABCDEF-012345"}, page=URL)
    response = refused(response)
    assert account().totp_enabled
    assert argon2.checks == 1  # the password; not one per stored recovery code
    argon2.checks = 0
    response = logged_in.submit(URL + "/poista", {"password": PASSWORD, "code": codes[7].lower()}, page=URL)
    assert response.status_code == 303 and not account().totp_enabled
    assert argon2.checks == 2  # the password and the one code found
