"""Provisioning events POSTed to a real HTTP server on loopback, signed with HMAC-SHA256, retried."""
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.extensions import db
from app.models import OutboxMessage
from app.models.base import utcnow
from app.services import outbox

SECRET = "webhook-test-secret"  # noqa: S105


class Receiver(BaseHTTPRequestHandler):
    received: list = []
    fail_next: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        status = 500 if self.fail_next and self.fail_next.pop() else 204
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(app):
    Receiver.received, Receiver.fail_next = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {k: app.config[k] for k in ("PROVISIONING_WEBHOOK_URL", "PROVISIONING_WEBHOOK_SECRET")}
    app.config.update(PROVISIONING_WEBHOOK_URL=f"http://127.0.0.1:{server.server_port}/hook",
                      PROVISIONING_WEBHOOK_SECRET=SECRET)
    yield Receiver
    app.config.update(saved)
    server.shutdown()


@pytest.mark.parametrize("topic,data", [
    ("order.created", {"order_id": 7, "product_code": "MIX-6", "kind": "new"}),
    ("mix.changed", {"subscription_id": 3, "channels": ["Sport One", "Luonto HD"]}),
    ("mailbox.changed", {"address": "matti.virtanen@ipp.fi", "change": "created"}),
    ("termination.received", {"reference": "P-1", "subscription_ids": [3], "wished_end_date": "2026-12-31"}),
])
def test_events_arrive_signed(receiver, topic, data):
    outbox.queue_event(topic, None, **data)
    db.session.commit()
    assert outbox.deliver_due() == 1
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, "sha256").hexdigest()
    assert hmac.compare_digest(headers["X-Omahallinta-Signature"], expected)
    assert headers["X-Omahallinta-Signature"] == outbox.webhook_signature(SECRET, body)
    assert headers["X-Omahallinta-Event"] == topic
    payload = json.loads(body)
    assert payload["event"] == topic and payload["data"] == data and isinstance(payload["id"], int)


def test_a_failed_delivery_is_retried(receiver):
    receiver.fail_next.append(True)
    message = outbox.queue_event("order.created", None, order_id=1)
    db.session.commit()
    assert outbox.deliver_due() == 0
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "pending" and message.attempts == 1 and "500" in message.last_error
    assert outbox.deliver_due(now=utcnow() + timedelta(minutes=5)) == 1
    assert db.session.get(OutboxMessage, message.id).status == "sent"
    first, second = receiver.received
    assert first[1] == second[1]  # the same body, the same id: the receiver can drop a duplicate
