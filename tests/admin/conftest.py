"""Staff sessions for the console tests: password and a real TOTP code, as in production."""
import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Account, Customer
from app.security import hash_password
from app.services.two_factor import TOTP

SECRET = "JBSWY3DPEHPK3PXP"
STAFF_PASSWORD = "Asiakaspalvelu-Kahvi-2026"  # noqa: S105


def staff_login(client, username="yllapito", password="Hallinta-Demo-2026-x", secret=SECRET):
    response = client.submit("/hallinta/kirjaudu", {"login": username, "password": password})
    assert response.status_code == 303, response.text
    response = client.submit("/kirjaudu/vahvistus", {"code": TOTP(secret).now()})
    assert response.status_code == 303, response.text
    # Another login in the same 30 seconds may use the same code again in these tests.
    db.session.query(Account).filter_by(username=username).update({"totp_last_step": 0})
    db.session.commit()
    return client


@pytest.fixture
def admin(client, demo_data):
    """A client logged in as the demo admin `yllapito`."""
    return staff_login(client)


@pytest.fixture
def staff(make_client, demo_data):
    """A client logged in as a customer-service member (role staff, not admin)."""
    db.session.add(Account(username="asiakaspalvelu", display_name="Anu Asiakaspalvelu", role="staff",
                           password_hash=hash_password(STAFF_PASSWORD), totp_secret=SECRET, totp_enabled=True))
    db.session.commit()
    return staff_login(make_client(), "asiakaspalvelu", STAFF_PASSWORD)


def customer_id(number: str = "100001") -> int:
    return db.session.query(Customer.id).filter_by(customer_number=number).scalar()


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


@pytest.fixture
def count_statements():
    """Counts the SQL statements run inside the block: `with count_statements() as c: ...`."""
    import contextlib

    @contextlib.contextmanager
    def counting():
        counter = StatementCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
