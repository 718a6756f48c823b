"""Password hashing cost is configuration: cheap in the test suite (TestConfig), OWASP's argon2id
baseline everywhere else. This is the one test of the real cost."""
import pytest

from app import create_app
from app.security import hash_password, verify_password


@pytest.mark.parametrize("config", ["production", "development"])
def test_outside_the_tests_passwords_are_hashed_at_owasps_cost(config):
    app = create_app(config, {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        hashed = hash_password("Lumi-Ranta-Kello-71")
        assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert verify_password(hashed, "Lumi-Ranta-Kello-71") and not verify_password(hashed, "Lumi-Ranta-Kello-72")


def test_the_suite_hashes_cheaply_and_still_verifies_real_hashes(app):
    production = create_app("production", {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with production.app_context():
        real = hash_password("Lumi-Ranta-Kello-71")
    assert hash_password("x").startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert verify_password(real, "Lumi-Ranta-Kello-71")
