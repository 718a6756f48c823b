"""Outage tests: the demo with Liisa moved to another postal code and municipality."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import ProductGroup
from app.models.base import utcnow
from tests.helpers import customer, staff_login

URL = "/hallinta/hairiot"


@pytest.fixture
def admin(client, demo_data):
    liisa = customer("100002")
    liisa.postal_code, liisa.city = "00100", "Helsinki"
    db.session.commit()
    return staff_login(client)


def group_id(code: str) -> int:
    return db.session.query(ProductGroup).filter_by(code=code).one().id


def publish(admin, title="Laajakaistakatko Tampereella", **fields):
    """Post the console's new-outage form; the fields override a broadband outage at 33100."""
    start = (utcnow() - timedelta(minutes=5)).astimezone(ZoneInfo("Europe/Helsinki"))  # as the staff read it
    data = {"title": title, "description": "Kuitukaapeli katkesi.", "severity": "major",
            "postal_codes": "33100", "municipalities": "", "group_ids": [group_id("broadband")],
            "started_at": start.strftime("%Y-%m-%dT%H:%M"), "estimated_fix_at": ""}
    data.update(fields)
    return admin.submit(URL, {k: v for k, v in data.items() if v is not None})
