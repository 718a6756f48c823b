"""The catalog, licence-key batches (all or nothing) and the feedback inbox through the API."""
from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, Feedback, LicenceKey, Subscription
from app.models.base import today
from app.services import billing, ordering, support
from tests.helpers import count, customer


def test_groups_with_products_and_channels_are_read(client, api):
    groups = client.get("/api/v1/catalog/groups", headers=api).json["groups"]
    codes = {p["code"] for g in groups for p in g["products"]}
    assert {"LAAJAKAISTA-100", "MIX-6", "TURVAPAKETTI-3"} <= codes
    channels = client.get("/api/v1/catalog/channels", headers=api).json["channels"]
    assert channels and all(set(c) == {"id", "name", "genre", "retired"} for c in channels)


def test_a_licence_key_batch_is_added_whole(client, api):
    before = count(LicenceKey)
    response = client.post("/api/v1/catalog/products/TURVAPAKETTI-3/licence-keys",
                           json={"keys": ["API-KEY-0001", "API-KEY-0002"]}, headers=api)
    assert response.status_code == 201 and response.json["added"] == 2
    assert count(LicenceKey) == before + 2
    assert db.session.query(AuditEvent).filter_by(action="licence_keys.added").one().actor_name == "API: Laskutus"


def test_a_batch_with_a_bad_line_adds_nothing_and_names_every_line(client, api):
    before = count(LicenceKey)
    response = client.post("/api/v1/catalog/products/TURVAPAKETTI-3/licence-keys",
                           json={"keys": ["API-KEY-0001", "two words", "API-KEY-0001"]}, headers=api)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "keys"
    assert "rivi 2" in response.json["errors"][0]["detail"] and "rivi 3" in response.json["errors"][0]["detail"]
    assert count(LicenceKey) == before
    assert client.post("/api/v1/catalog/products/LAAJAKAISTA-100/licence-keys", json={"keys": ["X-1"]},
                       headers=api).status_code == 422
    assert client.post("/api/v1/catalog/products/EI-OLE/licence-keys", json={"keys": ["X-1"]},
                       headers=api).status_code == 404


def _feedback(topic: str = "feedback") -> Feedback:
    matti = customer("100001")
    return support.send(matti.id, support.Message(topic=topic, message="Netti pätkii.", contact_email=matti.email,
                                                  contact_phone=matti.phone))


def test_feedback_is_listed_by_status_and_its_status_set(client, api):
    item = _feedback()
    new = client.get("/api/v1/feedback?status=new", headers=api).json["items"]
    assert [f["reference"] for f in new] == [item.reference] and new[0]["customer_number"] == "100001"
    response = client.put(f"/api/v1/feedback/{item.id}/status", json={"status": "done", "staff_note": "Soitettu."},
                          headers=api)
    assert response.status_code == 200 and response.json["status"] == "done"
    assert client.get("/api/v1/feedback?status=new", headers=api).json["items"] == []
    assert client.get(f"/api/v1/feedback/{item.id}", headers=api).json["staff_note"] == "Soitettu."
    # Setting only the status keeps the note the console or an earlier call wrote; "" clears it.
    again = client.put(f"/api/v1/feedback/{item.id}/status", json={"status": "answered"}, headers=api)
    assert again.json["status"] == "answered" and again.json["staff_note"] == "Soitettu."
    cleared = client.put(f"/api/v1/feedback/{item.id}/status", json={"status": "answered", "staff_note": ""},
                         headers=api)
    assert cleared.json["staff_note"] == ""
    bad = client.put(f"/api/v1/feedback/{item.id}/status", json={"status": "lost"}, headers=api)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "status"
    assert client.get("/api/v1/feedback/2147483647", headers=api).status_code == 404
    assert client.get("/api/v1/feedback?kind=termination", headers=api).json["items"] == []


def test_an_idempotency_key_answers_a_retry_as_the_first_time(client, api):
    before = count(LicenceKey)
    url, body = "/api/v1/catalog/products/TURVAPAKETTI-3/licence-keys", {"keys": ["API-KEY-0001"]}
    first = client.post(url, json=body, headers={**api, "Idempotency-Key": "batch-1"})
    again = client.post(url, json=body, headers={**api, "Idempotency-Key": "batch-1"})
    assert first.status_code == again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true" and count(LicenceKey) == before + 1
    other = client.post(url, json={"keys": ["API-KEY-0002"]}, headers={**api, "Idempotency-Key": "batch-1"})
    assert other.status_code == 422 and "toisessa pyynnössä" in other.json["detail"]
    assert count(LicenceKey) == before + 1


def test_a_refused_request_does_not_use_up_its_idempotency_key(client, api):
    url = "/api/v1/catalog/products/TURVAPAKETTI-3/licence-keys"
    refused = client.post(url, json={"keys": ["two words"]}, headers={**api, "Idempotency-Key": "batch-2"})
    assert refused.status_code == 422
    fixed = client.post(url, json={"keys": ["two words"]}, headers={**api, "Idempotency-Key": "batch-2"})
    assert fixed.status_code == 422 and "Idempotent-Replayed" not in fixed.headers
    assert client.post(url, json={"keys": ["X"]}, headers={**api, "Idempotency-Key": "x" * 101}).status_code == 400


def test_a_subscription_named_in_a_termination_notice_is_ended(client, api):
    matti = customer("100001")
    subscription = db.session.query(Subscription).filter_by(customer_id=matti.id, status="active").first()
    notice = support.send(matti.id, support.Message(
        topic="termination", message="Irtisanon.", contact_email=matti.email, contact_phone=matti.phone,
        subscription_ids=[subscription.id], wished_end_date=today() + timedelta(days=30)))
    url = f"/api/v1/feedback/{notice.id}/subscriptions/{subscription.id}/end"
    early = client.post(url, json={"ends_on": "2000-01-01"}, headers=api)
    assert early.status_code == 422 and early.json["errors"][0]["field"] == "ends_on"
    ends_on = (today() + timedelta(days=30)).isoformat()
    response = client.post(url, json={"ends_on": ends_on}, headers=api)
    assert response.status_code == 200 and response.json["status"] == "in_progress"
    assert db.session.get(Subscription, subscription.id).ends_on.isoformat() == ends_on
    assert db.session.query(AuditEvent).filter_by(action="subscription.ending").one().actor_name == "API: Laskutus"
    other = db.session.query(Subscription).filter(Subscription.customer_id != matti.id).first()
    assert client.post(f"/api/v1/feedback/{notice.id}/subscriptions/{other.id}/end", json={"ends_on": ends_on},
                       headers=api).status_code == 404


def test_a_price_change_is_for_new_orders_and_the_export_keeps_the_old_price(client, api):
    month = today().strftime("%Y-%m")
    export = billing.to_json(month, billing.charges(month))
    assert "LAAJAKAISTA-100" in export
    response = client.put("/api/v1/catalog/products/LAAJAKAISTA-100/price",
                          json={"price_cents": 3490, "vat_basis_points": 2400}, headers=api)
    assert response.status_code == 200 and response.json["price_cents"] == 3490
    assert response.json["vat_basis_points"] == 2400
    event = db.session.query(AuditEvent).filter_by(action="product.price_changed").one()
    assert event.actor_name == "API: Laskutus" and event.details["old_price_cents"] == 2990
    assert billing.to_json(month, billing.charges(month)) == export
    client.put("/api/v1/catalog/products/LISAPOSTILAATIKKO/price", json={"price_cents": 345, "vat_basis_points": 2400},
               headers=api)
    order = ordering.place_order(customer("100001").id, "LISAPOSTILAATIKKO", "api-price-test")
    assert (order.price_cents, order.vat_basis_points) == (345, 2400)
    refused = client.put("/api/v1/catalog/products/LISAPOSTILAATIKKO/price",
                         json={"price_cents": -1, "vat_basis_points": 10000}, headers={**api, "Accept-Language": "fi"})
    assert refused.status_code == 422 and {e["field"]: e["detail"] for e in refused.json["errors"]} == {
        "price_cents": "Arvo 0–9999999.", "vat_basis_points": "Arvo 0–9999."}
    assert client.put("/api/v1/catalog/products/EI-OLE/price", json={"price_cents": 1, "vat_basis_points": 0},
                      headers=api).status_code == 404
