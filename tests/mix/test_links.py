"""Where "a bigger MIX package" leads: the upgrade flow, else the MIX tiers under Tilaa, else nothing."""
from types import SimpleNamespace

import pytest
from flask import Blueprint

from app import create_app
from app.blueprints.mix.routes import upgrade_url
from app.services.mix import Picker


def app_with(*endpoints: str):
    """A fresh app with stand-ins for the ordering pages that may or may not exist yet."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    orders = Blueprint("orders", __name__)
    if "catalog" in endpoints:
        orders.add_url_rule("/tilaa", "catalog", lambda: "")
    if "upgrade" in endpoints:
        orders.add_url_rule("/tilatut-palvelut/<int:subscription_id>/paivita", "upgrade", lambda subscription_id: "")
    app.register_blueprint(orders)
    return app


@pytest.mark.parametrize(("endpoints", "bigger", "expected"), [
    (("catalog", "upgrade"), True, "/tilatut-palvelut/7/paivita"),
    (("catalog",), True, "/tilaa?ryhma=mix"),
    ((), True, None),
    (("catalog", "upgrade"), False, None),  # already the biggest MIX
])
def test_upgrade_link(endpoints, bigger, expected):
    view = Picker(subscription=SimpleNamespace(id=7), has_card=True, bigger_exists=bigger)
    with app_with(*endpoints).test_request_context():
        assert upgrade_url(view) == expected
