"""Orders and the events feed through the API: the console's own functions, the webhook's bodies."""
from app.extensions import db
from app.models import AuditEvent, Order, OutboxMessage
from app.services import outbox
from tests.admin.test_queues import place


def test_orders_are_listed_by_status_and_paged_by_id(client, api):
    ids = [place(key=f"k{n}").id for n in range(3)]
    new = client.get("/api/v1/orders?status=new", headers=api).json["items"]
    assert [o["id"] for o in new] == ids and new[0]["customer_number"] == "100002"
    page = client.get(f"/api/v1/orders?status=new&after={ids[0]}&limit=1", headers=api).json["items"]
    assert [o["id"] for o in page] == ids[1:2]
    assert client.get("/api/v1/orders?status=lost", headers=api).status_code == 422


def test_deliver_is_the_consoles_deliver(client, api):
    order = place()
    response = client.post(f"/api/v1/orders/{order.id}/deliver", headers=api)
    assert response.status_code == 200 and response.json["status"] == "delivered"
    assert db.session.get(Order, order.id).subscription.status == "active"
    assert client.get(f"/api/v1/orders/{order.id}", headers=api).json == response.json
    assert db.session.query(AuditEvent).filter_by(action="order.delivered").one().actor_name == "API: Laskutus"
    again = client.post(f"/api/v1/orders/{order.id}/deliver", headers=api)
    assert again.status_code == 422 and again.json["detail"] == "Tilaus on jo käsitelty."
    [event] = db.session.query(OutboxMessage).filter_by(channel="webhook", topic="order.delivered").all()
    assert event.payload["data"]["order_id"] == order.id and event.payload["data"]["product"] == order.product.code


def test_reject_needs_a_reason_and_tells_the_customer(client, api):
    order = place()
    missing = client.post(f"/api/v1/orders/{order.id}/reject", json={}, headers=api)
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "reason"
    blank = client.post(f"/api/v1/orders/{order.id}/reject", json={"reason": "   "}, headers=api)
    assert blank.status_code == 422 and blank.json["errors"][0]["field"] == "reason"
    response = client.post(f"/api/v1/orders/{order.id}/reject", json={"reason": "Ei saatavilla osoitteessa."},
                           headers=api)
    assert response.status_code == 200 and response.json["reject_reason"] == "Ei saatavilla osoitteessa."
    assert db.session.query(OutboxMessage).filter_by(channel="email", topic="order_rejected").count() == 1


def test_an_unknown_order_is_404(client, api):
    assert client.get("/api/v1/orders/2147483647", headers=api).status_code == 404
    assert client.post("/api/v1/orders/2147483647/deliver", headers=api).status_code == 404
    assert client.get("/api/v1/orders/99999999999999", headers=api).status_code == 404


def test_the_events_feed_has_the_webhooks_ids_and_bodies(client, api, webhook):
    first = outbox.queue_event("order.created", None, order=1)
    second = outbox.queue_event("mix.changed", None, channels=["YLE"])
    db.session.commit()
    while outbox.deliver_due():
        pass
    sent = {event["id"]: event for event in webhook.delivered()}
    assert {first.id, second.id} <= set(sent)
    feed = client.get("/api/v1/events", headers=api).json["items"]
    ids = [e["id"] for e in feed]
    assert ids[-2:] == [first.id, second.id] and ids == sorted(ids)
    for event in feed:
        assert event == sent[event["id"]]
    after = client.get(f"/api/v1/events?after={first.id}", headers=api).json["items"]
    assert [e["id"] for e in after] == [second.id]
