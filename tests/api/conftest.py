"""Tokens for the API tests, made by the service the console uses."""
import pytest

from app.services import api_tokens


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_token(app):
    """make_token("customers:read", ...) -> the headers of a new token with those scopes."""
    def make(*scopes: str, name: str = "Laskutus") -> dict:
        return bearer(api_tokens.create(name, list(scopes or api_tokens.SCOPES), None))

    return make


@pytest.fixture
def api(make_token, demo_data):
    """Headers of a token that may do everything, over the demo data."""
    return make_token()
