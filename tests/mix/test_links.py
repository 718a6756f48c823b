"""Where "a bigger MIX package" leads: the upgrade flow, else the MIX tiers under Tilaa, else nothing."""
from types import SimpleNamespace

import pytest

from app import create_app
from app.blueprints.mix.routes import upgrade_url
from app.services.mix import Picker


@pytest.mark.parametrize(("missing", "bigger", "expected"), [
    ((), True, "/tilatut-palvelut/7/paivita"),
    (("orders.upgrade",), True, "/tilaa?ryhma=mix"),
    (("orders.upgrade", "orders.catalog"), True, None),
    ((), False, None),  # already the biggest MIX
])
def test_upgrade_link(missing, bigger, expected):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for endpoint in missing:  # as if the ordering pages were not there
        app.view_functions.pop(endpoint)
    view = Picker(subscription=SimpleNamespace(id=7), has_card=True, bigger_exists=bigger)
    with app.test_request_context():
        assert upgrade_url(view) == expected
