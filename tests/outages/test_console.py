"""The console: publish an outage, post updates, resolve it; everything audited and counted."""
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import AuditEvent, Customer, Outage
from app.models.base import utcnow
from app.services import outages, subscriptions
from tests.helpers import customer, deliver_all, page_statements, refused
from tests.outages.conftest import URL, group_id, publish


def test_staff_publish_and_only_affected_customers_see_it(admin, make_client):
    assert publish(admin).status_code == 303
    assert publish(admin, "TV-häiriö Helsingissä", postal_codes="", municipalities="Helsinki",
                   group_ids=[group_id("tv"), group_id("mix")]).status_code == 303
    matti, liisa, pekka = make_client(), make_client(), make_client()
    matti.login()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    pekka.login("100003", "Kuu-Joki-Lamppu-55")
    for client in (matti, pekka):  # broadband at 33100
        page = client.get("/").text
        assert "Laajakaistakatko Tampereella" in page and "TV-häiriö" not in page
        assert "Laajakaistakatko Tampereella" in client.get("/asiakaspalvelu").text
    page = liisa.get("/").text  # at 00100 Helsinki, broadband only: neither
    assert "Laajakaistakatko" not in page and "TV-häiriö" not in page
    assert 'id="outages-here"' not in liisa.get("/asiakaspalvelu").text
    assert [e.action for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("outage.%"))] == [
        "outage.created", "outage.created"]


def test_all_customers_and_by_municipality(admin, make_client):
    publish(admin, "Kaikki palvelut poikki", postal_codes="", all_customers="y", group_ids=[])
    publish(admin, "Helsingin laajakaista", postal_codes="", municipalities="Helsinki")
    liisa = make_client()
    liisa.login("100002", "Sade-Metsa-Tuoli-38")
    page = liisa.get("/").text
    assert "Kaikki palvelut poikki" in page and "Helsingin laajakaista" in page


def test_updates_and_resolve_are_audited_and_shown(admin, make_client):
    publish(admin)
    outage = db.session.query(Outage).one()
    page = f"{URL}/{outage.id}"
    assert admin.submit(page, {"text": "Korjaajat paikalla <b>nyt</b>."}).status_code == 303
    assert admin.submit(f"{page}/korjattu", {"closing_note": "Kaapeli jatkettu."}, page=page).status_code == 303
    text = admin.get(page).text
    assert "Korjaajat paikalla &lt;b&gt;nyt&lt;/b&gt;." in text and "Kaapeli jatkettu." in text
    assert 'id="update-form"' not in text and 'id="resolve-form"' not in text  # resolved: no more forms
    actions = [(e.action, json.loads(e.details_json)) for e in db.session.query(AuditEvent).order_by(AuditEvent.id)
               if e.action.startswith("outage.")]
    assert [a for a, _ in actions] == ["outage.created", "outage.updated", "outage.resolved"]
    assert actions[2][1]["closing_note"] == "Kaapeli jatkettu."


def test_resolving_twice_is_refused(admin):
    publish(admin)
    outage = db.session.query(Outage).one()
    page = f"{URL}/{outage.id}"
    assert admin.submit(f"{page}/korjattu", {"closing_note": ""}, page=page).status_code == 303
    again = refused(admin.submit(f"{page}/korjattu", {"closing_note": ""}, page=page))
    assert "Häiriö on jo korjattu." in again.text  # said, though the page has no form to say it on
    assert db.session.query(AuditEvent).filter_by(action="outage.resolved").count() == 1
    assert "Häiriö koskee nyt" not in admin.get(page).text  # over: it affects no one now


def test_bad_input_is_refused_field_by_field_and_kept(admin):
    response = publish(admin, "Katko <script>", postal_codes="331, abcde", estimated_fix_at="2000-01-01T10:00")
    response = refused(response)
    text = response.text
    assert "Postinumero on viisi numeroa: 331, abcde" in text
    assert 'aria-invalid="true"' in text and 'id="postal_codes-error"' in text
    assert 'id="estimated_fix_at-error"' in text
    assert 'value="Katko &lt;script&gt;"' in text
    refused(publish(admin, postal_codes="", municipalities=""))
    assert db.session.query(Outage).count() == 0


def test_the_forms_own_refusals_and_the_services_come_in_one_answer(admin):
    """A mistyped time and no place at all: both are said at once, not the place after the time
    is mended; the rules are the service's own (`outages.refusals`)."""
    text = refused(publish(admin, "", postal_codes="", municipalities="", started_at="0001-01-01T00:00",
                           estimated_fix_at="")).text
    assert "Kirjoita otsikko." in text
    assert 'id="started_at-error"' in text and "Tarkista aika." in text
    assert "Anna postinumerot tai kunnat tai valitse kaikki asiakkaat." in text
    assert text.count('aria-invalid="true"') == 3
    for fix in ("2026-11-30T10:00", "2026-11-30T12:00"):  # before the start, at the start
        text = refused(publish(admin, "", postal_codes="331", started_at="2026-11-30T12:00",
                               estimated_fix_at=fix)).text
        assert "Postinumero on viisi numeroa: 331" in text
        assert "Arvioidun korjausajan on oltava alkamisen jälkeen." in text
    text = refused(publish(admin, "", group_ids=["99"])).text  # a group not offered, and no title
    assert "Valitse annetuista vaihtoehdoista." in text and "Kirjoita otsikko." in text
    assert db.session.query(Outage).count() == 0


def test_console_counts_affected_and_told(admin, smtp):
    publish(admin)
    deliver_all()
    outage = db.session.query(Outage).one()
    text = admin.get(f"{URL}/{outage.id}").text
    assert "Häiriö koskee nyt 2 asiakasta." in text


def affecting(customer: Customer, now: datetime) -> list[Outage]:
    return outages.affecting(customer, now, subscriptions.subscriptions_of(customer.id))


def test_etusivu_and_the_fan_out_agree_on_who_is_affected(admin):
    publish(admin, "Laajakaista 33100")
    publish(admin, "TV Tampere", postal_codes="", municipalities="Tampere", group_ids=[group_id("mix")])
    publish(admin, "Kaikki, kaikki palvelut", postal_codes="", all_customers="y", group_ids=[])
    publish(admin, "Helsinki", postal_codes="", municipalities="Helsinki", group_ids=[])
    now = utcnow()
    for outage in db.session.query(Outage):
        by_fan_out = set(db.session.scalars(outages.affected(outage, now)))
        by_page = {c.id for c in db.session.query(Customer) if outage.id in {o.id for o in affecting(c, now)}}
        assert by_fan_out == by_page, outage.title
    assert {o.title for o in affecting(customer("100003"), now)} == {
        "Laajakaista 33100", "Kaikki, kaikki palvelut"}


def test_etusivu_takes_as_many_statements_with_more_outages(admin, make_client):
    publish(admin, "Ensimmäinen")
    matti = make_client()
    matti.login()
    one = page_statements(matti, "/")
    publish(admin, "Toinen", postal_codes="", municipalities="Tampere")
    publish(admin, "Kolmas", postal_codes="", all_customers="y", group_ids=[])
    assert page_statements(matti, "/") == one



def test_a_resolve_without_the_note_field_resolves_with_an_empty_note(admin):
    """A form posted without its closing note field at all (not only empty) is no 500."""
    publish(admin)
    outage = db.session.query(Outage).one()
    page = f"/hallinta/hairiot/{outage.id}"
    assert admin.submit(f"{page}/korjattu", {}, page=page).status_code == 303
    db.session.expire_all()
    assert outage.resolved_at is not None and outage.closing_note == ""


def test_the_start_is_offered_in_the_operators_time(admin):
    """The form offers now as the staff read it, not in UTC (two or three hours off, which the
    outage then kept as its start)."""
    before = utcnow().astimezone(ZoneInfo("Europe/Helsinki")).replace(tzinfo=None, second=0, microsecond=0)
    offered = re.search(r'name="started_at"[^>]*value="([^"]+)"', admin.get(URL).text)
    assert offered, "no start offered"
    assert 0 <= (datetime.fromisoformat(offered.group(1)) - before).total_seconds() <= 60
