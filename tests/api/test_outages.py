"""Outages through the API: the console's functions, so the same customers are told the same way."""
from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, Outage, OutageNotice
from app.models.base import utcnow
from app.validators import FILLED_TEXT_PATTERN, MULTILINE_TEXT_PATTERN
from tests.helpers import deliver_all


def outage(**changes) -> dict:
    return {"title": "Laajakaistakatko", "description": "Kuitukaapeli katkesi.", "severity": "major",
            "postal_codes": ["33100"], "groups": ["broadband"],
            "started_at": (utcnow() - timedelta(minutes=5)).isoformat(), **changes}


def test_publish_update_and_resolve_tell_the_affected_customers(client, api, smtp):
    created = client.post("/api/v1/outages", json=outage(), headers=api)
    assert created.status_code == 201
    body = created.json
    assert body["groups"] == ["broadband"] and body["postal_codes"] == ["33100"] and body["resolved_at"] is None
    deliver_all()
    told = ["liisa.korhonen@example.fi", "matti.virtanen@example.fi", "pekka.nieminen@example.fi"]
    assert sorted(m["To"] for m in smtp.messages) == told
    url = f"/api/v1/outages/{body['id']}"
    updated = client.post(f"{url}/updates", json={"text": "Korjaajat paikalla."}, headers=api)
    assert updated.status_code == 201 and updated.json["updates"][0]["text"] == "Korjaajat paikalla."
    resolved = client.post(f"{url}/resolve", json={"closing_note": "Kaapeli jatkettu."}, headers=api)
    assert resolved.status_code == 200 and resolved.json["resolved_at"] is not None
    deliver_all()
    assert len(smtp.messages) == 6
    assert db.session.query(OutageNotice).filter_by(event="resolve").count() == 3
    assert client.get(url, headers=api).json == resolved.json
    actors = {e.actor_name for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("outage.%"))}
    assert actors == {"API: Laskutus"}


def test_every_problem_is_named_at_once_and_nothing_is_stored(client, api):
    response = client.post("/api/v1/outages", json=outage(
        postal_codes=["331"], groups=["nope"], severity="critical",
        estimated_fix_at=(utcnow() - timedelta(days=1)).isoformat()), headers=api)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {"groups", "postal_codes", "estimated_fix_at"}
    # A field the schema refuses and the service's rules: one answer, not one after the other.
    rounds = client.post("/api/v1/outages", json=outage(started_at="2026-11-30", groups=["nope"], postal_codes=[],
                                                        severity="bad"), headers=api)
    assert {e["field"] for e in rounds.json["errors"]} == {"started_at", "groups", "postal_codes", "severity"}
    assert len(rounds.json["errors"]) == 4  # the severity said once, by its field
    response = client.post("/api/v1/outages", json=outage(
        postal_codes=["331"], estimated_fix_at=(utcnow() - timedelta(days=1)).isoformat()), headers=api)
    assert {e["field"] for e in response.json["errors"]} == {"postal_codes", "estimated_fix_at"}
    nowhere = client.post("/api/v1/outages", json=outage(postal_codes=[]), headers=api)
    assert nowhere.status_code == 422 and nowhere.json["errors"][0]["field"] == "postal_codes"
    assert client.post("/api/v1/outages", json=outage(severity="bad"), headers=api).status_code == 422
    assert db.session.query(Outage).count() == 0


def test_a_resolved_outage_takes_no_update_nor_second_resolve(client, api):
    url = f"/api/v1/outages/{client.post('/api/v1/outages', json=outage(), headers=api).json['id']}"
    assert client.post(f"{url}/resolve", json={}, headers=api).status_code == 200
    assert client.post(f"{url}/resolve", json={}, headers=api).status_code == 422
    assert client.post(f"{url}/updates", json={"text": "Vielä"}, headers=api).status_code == 422
    assert client.post("/api/v1/outages/999999/resolve", json={}, headers=api).status_code == 404
    assert db.session.query(AuditEvent).filter_by(action="outage.resolved").count() == 1


def test_listing_by_state_in_pages(client, api):
    ids = [client.post("/api/v1/outages", json=outage(title=f"Katko {n}"), headers=api).json["id"] for n in range(3)]
    client.post(f"/api/v1/outages/{ids[1]}/resolve", json={}, headers=api)
    everything = client.get("/api/v1/outages", headers=api).json["items"]
    assert [o["id"] for o in everything] == ids
    current = client.get("/api/v1/outages?current=true", headers=api).json["items"]
    assert [o["id"] for o in current] == [ids[0], ids[2]]
    assert [o["id"] for o in client.get("/api/v1/outages?current=false", headers=api).json["items"]] == [ids[1]]
    after = client.get(f"/api/v1/outages?after={ids[0]}&limit=1", headers=api).json["items"]
    assert [o["id"] for o in after] == [ids[1]]
    # One that begins tomorrow is not on yet, as the public page says: in neither list until it begins.
    later = client.post("/api/v1/outages", json=outage(title="Huomenna", started_at=(
        utcnow() + timedelta(days=1)).isoformat()), headers=api).json["id"]
    assert later not in [o["id"] for o in client.get("/api/v1/outages?current=true", headers=api).json["items"]]
    assert later not in [o["id"] for o in client.get("/api/v1/outages?current=false", headers=api).json["items"]]
    assert "Huomenna" not in client.get("/hairiot").text
    assert later in [o["id"] for o in client.get("/api/v1/outages", headers=api).json["items"]]


def test_a_read_token_cannot_publish(client, make_token, demo_data):
    reader = make_token("outages:read")
    assert client.post("/api/v1/outages", json=outage(), headers=reader).status_code == 403
    assert client.get("/api/v1/outages", headers=reader).status_code == 200
    assert client.get("/api/v1/outages", headers=make_token("invoices:read")).status_code == 403
    assert db.session.query(Outage).count() == 0


def test_long_texts_keep_their_line_breaks_and_no_text_takes_a_control_character(client, api):
    """A description, an update and a closing note are written as a text area in the console:
    lines as they were sent. A title is one line; NUL or ESC is refused anywhere, in Finnish, and
    the document gives each field's rule as its pattern."""
    created = client.post("/api/v1/outages", json=outage(description="Kaapeli katkesi.\nKorjaus alkaa klo 9."),
                          headers=api)
    assert created.status_code == 201 and created.json["description"] == "Kaapeli katkesi.\nKorjaus alkaa klo 9."
    url = f"/api/v1/outages/{created.json['id']}"
    updated = client.post(f"{url}/updates", json={"text": "Paikalla.\r\n\tKaivuu alkaa."}, headers=api)
    assert updated.status_code == 201 and updated.json["updates"][0]["text"] == "Paikalla.\r\n\tKaivuu alkaa."
    for field, value in (("title", "Katko\nkaksi riviä"), ("description", "Katko\x00"), ("description", "\x1b[31m")):
        refused = client.post("/api/v1/outages", json=outage(**{field: value}), headers=api)
        assert refused.status_code == 422
        assert refused.json["errors"] == [{"field": field, "detail": "Poista tekstistä ohjausmerkit."}]
    assert client.post(f"{url}/resolve", json={"closing_note": "Valmis\x00"}, headers=api).status_code == 422
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["OutageInput"]["properties"]
    # A title must have a character that is no space; a description may be empty.
    assert schema["title"]["pattern"] == FILLED_TEXT_PATTERN
    assert schema["description"]["pattern"] == MULTILINE_TEXT_PATTERN
    assert client.post("/api/v1/outages", json=outage(title="\u00a0 \u3000"), headers=api).status_code == 422
    assert db.session.query(Outage).count() == 1


def test_a_moment_needs_its_offset_from_utc(client, api):
    """10:00 without an offset could be UTC or Helsinki's 10:00, two or three hours apart: refused on its field."""
    refused = client.post("/api/v1/outages", json=outage(started_at="2026-11-29T10:00:00"), headers=api)
    assert refused.status_code == 422
    assert refused.json["errors"] == [{"field": "started_at", "detail": "Anna aika ja sen ero UTC-aikaan, esimerkiksi "
                                       "2026-11-28T08:40:00+02:00 tai 2026-11-28T06:40:00Z."}]
    assert db.session.query(Outage).count() == 0
    for written in ("2026-11-29T12:00:00+02:00", "2026-11-29T10:00:00Z", "2026-11-29T10:00:00+00:00"):
        made = client.post("/api/v1/outages", json=outage(started_at=written), headers=api)
        assert made.status_code == 201 and made.json["started_at"].startswith("2026-11-29T10:00:00"), written


def test_a_postal_code_is_taken_without_the_spaces_around_it(client, api):
    """As every text of the API: " 33100 " is 33100."""
    made = client.post("/api/v1/outages", json=outage(postal_codes=[" 33100 "]), headers=api)
    assert made.status_code == 201 and made.json["postal_codes"] == ["33100"]


def test_all_customers_is_json_true_or_false_only(client, api):
    """An outage told to every customer is asked for with true, not with a value that reads as true."""
    for value in ("yes", "true", 1, "1"):
        response = client.post("/api/v1/outages", json=outage(all_customers=value, postal_codes=[]), headers=api)
        assert response.status_code == 422, value
        assert "all_customers" in {e["field"] for e in response.json["errors"]}, value
    assert db.session.query(Outage).count() == 0
    assert client.post("/api/v1/outages", json=outage(all_customers=True, postal_codes=[]),
                       headers=api).status_code == 201
