"""Each process keeps the unresolved outages (app/kept.py): what Etusivu shows is never older than
the last change, whichever process made it and whenever the page's own transaction began."""
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app.extensions import db
from app.models import Customer, Outage, ProductGroup, Subscription
from app.models.base import today, utcnow
from app.services import outages, subscriptions
from app.sqlite import reading
from tests.helpers import customer
from tests.outages.conftest import group_id, publish

PUBLISH_IN_ANOTHER_PROCESS = """
import sys
from app import create_app
from app.models.base import utcnow
from app.services import outages, subscriptions
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    outages.create({"title": "Toisen prosessin katko", "description": "", "severity": "major",
                    "started_at": utcnow()}, [], ["33100"], [])
"""


def affecting(number: str, now: datetime) -> list[Outage]:
    return outages.affecting(customer(number), now, subscriptions.subscriptions_of(customer(number).id))


def titles(number: str) -> set[str]:
    return {o.title for o in affecting(number, utcnow())}


def test_an_outage_another_process_publishes_is_seen_by_a_transaction_begun_before(admin):
    """Another gunicorn worker publishes while this request's transaction is open (on SQLite its
    snapshot is then older than the change): the kept outages are read on a connection of their own."""
    publish(admin)
    assert titles("100001") == {"Laajakaistakatko Tampereella"}
    db.session.rollback()
    with reading():  # as a GET's: the other process need not wait for it
        db.session.scalars(select(Customer.id)).all()  # this request's transaction has begun
    url = db.engine.url.render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-c", PUBLISH_IN_ANOTHER_PROCESS, url], check=True, timeout=60)
    assert titles("100001") == {"Laajakaistakatko Tampereella", "Toisen prosessin katko"}
    assert titles("100001") == {"Laajakaistakatko Tampereella", "Toisen prosessin katko"}  # kept


def test_a_resolved_outage_and_a_renamed_service_are_seen_at_once(admin, make_client):
    publish(admin, group_ids=[group_id("broadband")])
    matti = make_client()
    matti.login()
    assert "Laajakaistakatko Tampereella" in matti.get("/").text
    group = db.session.get(ProductGroup, group_id("broadband"))
    group.name = "Valokuitu"
    db.session.commit()
    assert "Palvelut: Valokuitu" in matti.get("/").text
    outage = db.session.scalars(select(Outage)).one()
    outages.resolve(outage, "Korjattu.", utcnow())
    assert "Laajakaistakatko Tampereella" not in matti.get("/").text


def test_an_outage_shows_when_it_begins_and_not_before(admin):
    start = utcnow() + timedelta(hours=2)
    outages.create({"title": "Huoltokatko", "description": "", "severity": "minor", "started_at": start},
                   [], ["33100"], [])
    assert affecting("100001", utcnow()) == []
    assert [o.title for o in affecting("100001", start)] == ["Huoltokatko"]


def test_a_customer_without_services_in_force_is_not_affected(admin):
    publish(admin, "Kaikki palvelut", postal_codes="", all_customers="y", group_ids=[])
    db.session.execute(update(Subscription).where(Subscription.customer_id == customer("100001").id)
                       .values(status="cancelled"))
    db.session.commit()
    assert titles("100001") == set()
    assert titles("100003") == {"Kaikki palvelut"}


def test_after_midnight_a_service_that_ended_yesterday_is_not_affected(admin):
    """Pages and the fan-out count in the operator's days: at 00:30 in Helsinki (22:30 UTC the day before)
    a broadband that ended yesterday is over, on Etusivu, Asiakaspalvelu and for the notices alike."""
    publish(admin)  # broadband at 33100
    matti = customer("100001")
    broadband = next(s for s in subscriptions.subscriptions_of(matti.id) if s.product.code.startswith("LAAJAKAISTA"))
    broadband.ends_on = today()
    db.session.commit()
    after_midnight = datetime.combine(today() + timedelta(days=1), time(0, 30), ZoneInfo("Europe/Helsinki"))
    assert after_midnight.astimezone(UTC).date() == today()  # still the day it ended, in UTC
    outage = db.session.scalars(select(Outage)).one()
    assert affecting("100001", after_midnight) == []
    assert matti.id not in set(db.session.scalars(outages.affected(outage, after_midnight)))
    before_midnight = after_midnight - timedelta(minutes=31)  # 23:59, after the outage began whenever this runs
    assert {o.title for o in affecting("100001", before_midnight)} == {outage.title}
