"""The second step of logging in, shared by customers who switch TOTP on and by staff."""

import pyotp
import pytest

from app.extensions import db
from app.models import Account, Customer, RecoveryCode
from app.security import hash_password
from app.services import DomainError, two_factor
from app.services.two_factor import TOTP
from tests.helpers import refused

SECRET = "26BGQPJCXZZSKBZLMLJIQOCFSJPAE3VE"


@pytest.fixture
def matti_with_totp(demo_data):
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100001").one()
    codes = two_factor.enable(account, SECRET, TOTP(SECRET).now())
    account.totp_last_step = 0  # the enabling code may be used once more by the login below
    db.session.commit()
    return codes


def test_enable_needs_a_valid_code_from_the_new_secret(demo_data):
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100001").one()
    with pytest.raises(DomainError):
        two_factor.enable(account, SECRET, "000000")
    assert not account.totp_enabled


def test_an_80_bit_secret_of_an_older_set_up_still_verifies(demo_data):
    """pyotp refuses secrets under 112 bits; staff and customers who set up an authenticator with an
    80-bit key (what many set-ups made) are not locked out. New secrets are 160 bits."""
    old_secret = "JBSWY3DPEHPK3PXP"
    with pytest.raises(ValueError):
        pyotp.TOTP(old_secret)
    account = db.session.query(Account).filter_by(username="yllapito").one()
    account.totp_secret, account.totp_last_step = old_secret, 0
    two_factor.check(account, TOTP(old_secret).now())
    with pytest.raises(DomainError):
        two_factor.check(account, "000000")
    assert len(two_factor.new_secret()) * 5 == 160


def test_login_asks_for_the_code_after_the_password(client, matti_with_totp):
    response = client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    assert response.headers["Location"] == "/kirjaudu/vahvistus"
    assert client.get("/").status_code == 302  # not in yet
    response = client.submit("/kirjaudu/vahvistus", {"code": "123456"})
    response = refused(response)
    response = client.submit("/kirjaudu/vahvistus", {"code": TOTP(SECRET).now()})
    assert response.status_code == 303
    assert client.get("/").status_code == 200


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_the_code_in_another_scripts_digits_is_a_wrong_code(client, matti_with_totp):
    """Not a 500: only ASCII digits make a code, whatever else counts as a digit."""
    client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    page = refused(client.submit("/kirjaudu/vahvistus", {"code": TOTP(SECRET).now().translate(ARABIC_INDIC)}))
    assert "Koodi on väärä" in page.text
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100002").one()
    with pytest.raises(DomainError):
        two_factor.enable(account, SECRET, TOTP(SECRET).now().translate(ARABIC_INDIC))


def test_a_code_is_accepted_once(client, make_client, matti_with_totp):
    code = TOTP(SECRET).now()
    client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    assert client.submit("/kirjaudu/vahvistus", {"code": code}).status_code == 303
    replay = make_client()
    replay.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    refused(replay.submit("/kirjaudu/vahvistus", {"code": code}))


def test_recovery_code_works_once(client, make_client, matti_with_totp):
    code = matti_with_totp[0]
    client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    assert client.submit("/kirjaudu/vahvistus", {"code": code.lower()}).status_code == 303
    again = make_client()
    again.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    refused(again.submit("/kirjaudu/vahvistus", {"code": code}))


def test_second_step_without_the_password_step_goes_back_to_login(client, demo_data):
    response = client.get("/kirjaudu/vahvistus")
    assert response.headers["Location"] == "/kirjaudu"


def test_staff_account_is_not_a_customer_login(demo_data):
    with pytest.raises(DomainError):
        from app.services import accounts

        accounts.authenticate("yllapito", "Hallinta-Demo-2026-x")
    from app.services import accounts

    assert accounts.authenticate("yllapito", "Hallinta-Demo-2026-x", staff=True).username == "yllapito"


def test_recovery_codes_stored_before_the_lookup_still_work_once(client, matti_with_totp):
    """Codes from before the keyed lookup have only their hash (migration c0dbcc30730c): they are
    checked the old way until used."""
    account = db.session.query(Account).join(Customer).filter(Customer.customer_number == "100001").one()
    account.recovery_codes.append(RecoveryCode(code_hash=hash_password("0A1B2C3D4E5F")))
    db.session.commit()
    client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    assert client.submit("/kirjaudu/vahvistus", {"code": "0a1b2c-3d4e5f"}).status_code == 303
    client.submit("/kirjaudu-ulos", page="/")
    client.submit("/kirjaudu", {"login": "100001", "password": "Lumi-Ranta-Kello-71"})
    refused(client.submit("/kirjaudu/vahvistus", {"code": "0a1b2c-3d4e5f"}))
    assert db.session.query(RecoveryCode).filter(RecoveryCode.lookup.is_(None)).one().used_at is not None
