"""Console sessions for the console tests: password and a real TOTP code, as in production."""
import pytest

from app.extensions import db
from app.models import Account
from app.security import hash_password
from tests.helpers import STAFF_TOTP_SECRET, staff_login

STAFF_PASSWORD = "Asiakaspalvelu-Kahvi-2026"  # noqa: S105


@pytest.fixture
def admin(client, demo_data):
    """A client logged in as the demo admin `yllapito`."""
    return staff_login(client)


@pytest.fixture
def staff(make_client, demo_data):
    """A client logged in as a customer-service member (role staff, not admin)."""
    db.session.add(Account(username="asiakaspalvelu", display_name="Anu Asiakaspalvelu", role="staff",
                           password_hash=hash_password(STAFF_PASSWORD), totp_secret=STAFF_TOTP_SECRET,
                           totp_enabled=True))
    db.session.commit()
    return staff_login(make_client(), "asiakaspalvelu", STAFF_PASSWORD)
