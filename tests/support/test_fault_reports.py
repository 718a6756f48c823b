"""Vikailmoitus: a fault report names the customer's own service in force and when the fault started;
an outage that may explain it is shown before the form."""
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Feedback, OutboxMessage
from app.models.base import utcnow
from app.services import api_tokens
from tests.helpers import refused, staff_login
from tests.outages.conftest import publish
from tests.support.test_feedback import feedback, send, subscription_id


@pytest.fixture
def matti(client, demo_data):
    client.login()
    return client


def local(moment) -> str:
    return moment.astimezone(ZoneInfo("Europe/Helsinki")).strftime("%Y-%m-%dT%H:%M")


def fault(**overrides) -> dict:
    data = {"topic": "fault", "message": "Netti katkeilee iltaisin.",
            "fault_subscription": str(subscription_id("100001", "LAAJAKAISTA-100")),
            "fault_started_at": local(utcnow() - timedelta(hours=2))}
    return feedback(**{**data, **overrides})


def test_the_form_offers_the_topic_and_only_the_customers_own_services_in_force(matti):
    page = matti.get("/asiakaspalvelu").text
    assert '<option value="fault">Vikailmoitus</option>' in page
    assert 'name="fault_started_at"' in page and 'type="datetime-local"' in page
    own = subscription_id("100001", "LAAJAKAISTA-100")
    assert f'<option value="{own}">' in page
    assert f'value="{subscription_id("100002", "LAAJAKAISTA-300")}"' not in page


def test_a_fault_report_is_stored_with_its_service_and_start_and_reaches_staff_email_and_event(matti, make_client):
    started = utcnow().replace(second=0, microsecond=0) - timedelta(hours=2)
    response = send(matti, fault(fault_started_at=local(started)))
    assert response.status_code == 303
    stored = db.session.query(Feedback).one()
    assert stored.topic == "fault" and stored.fault_subscription.product.code == "LAAJAKAISTA-100"
    assert stored.fault_started_at == started
    page = matti.get(response.headers["Location"]).text
    assert "Vian alkamisaika" in page and "Laajakaista 100M" in page
    [event] = db.session.query(OutboxMessage).filter_by(topic="feedback.received").all()
    data = event.payload["data"]
    assert data["kind"] == "fault" and data["fault_subscription_id"] == stored.fault_subscription_id
    assert data["fault_started_at"] == started.isoformat()
    [receipt] = db.session.query(OutboxMessage).filter_by(topic="feedback_receipt").all()
    assert "Vikaantunut palvelu: Laajakaista 100M" in json.dumps(receipt.payload, ensure_ascii=False)
    staff = staff_login(make_client())
    console = staff.get(f"/hallinta/palautteet/{stored.id}").text
    assert "Vikailmoitus" in console and "Laajakaista 100M" in console and "Vian alkamisaika" in console


@pytest.mark.parametrize("overrides,field,message", [
    ({"fault_subscription": ""}, "fault_subscription", "Valitse palvelu, jossa vika on."),
    ({"fault_started_at": ""}, "fault_started_at", "Kerro, milloin vika alkoi."),
    ({"fault_started_at": local(utcnow() + timedelta(days=1))}, "fault_started_at",
     "Vika ei voi olla alkanut tulevaisuudessa."),
    ({"fault_subscription": "abc"}, "fault_subscription", "Valitse vain omia voimassa olevia palveluitasi."),
])
def test_a_fault_report_needs_the_service_and_a_start_not_in_the_future(matti, overrides, field, message):
    response = send(matti, fault(**overrides))
    response = refused(response)
    assert message in response.text
    assert f'id="{field}"' in response.text and f'id="{field}-error"' in response.text
    assert db.session.query(Feedback).count() == 0


def test_another_customers_service_cannot_be_named(matti):
    theirs = subscription_id("100002", "LAAJAKAISTA-300")
    response = send(matti, fault(fault_subscription=str(theirs)))
    response = refused(response)
    assert "Valitse vain omia voimassa olevia palveluitasi." in response.text
    assert db.session.query(Feedback).count() == 0


def test_an_outage_affecting_the_customer_is_offered_before_the_form(matti, make_client):
    admin = staff_login(make_client())
    assert publish(admin).status_code == 303
    page = matti.get("/asiakaspalvelu").text
    outage_id = db.session.execute(db.text("SELECT id FROM outage")).scalar()
    assert "Onko kyse tästä häiriöstä?" in page
    assert f'<a href="/hairiot/{outage_id}">Laajakaistakatko Tampereella</a>' in page
    assert page.index("Onko kyse tästä häiriöstä?") < page.index('name="topic"')


def test_the_api_tells_a_fault_reports_service_and_start(matti, app):
    send(matti, fault())
    stored = db.session.query(Feedback).one()
    token = api_tokens.create("Vikapalvelu", ["feedback:read"], None)
    item = app.test_client().get(f"/api/v1/feedback/{stored.id}", headers={"Authorization": f"Bearer {token}"}).json
    assert item["topic"] == "fault" and item["fault_subscription_id"] == stored.fault_subscription_id
    assert item["fault_started_at"].startswith(stored.fault_started_at.strftime("%Y-%m-%dT%H:%M"))
