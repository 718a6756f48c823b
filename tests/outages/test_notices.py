"""Outage notices: one message per customer and event, by the channel they chose, in their
language, through a real SMTP server and an SMS gateway on loopback; exactly once, however
often the worker's fan-out runs or is killed."""
import base64
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Outage, OutageNotice, OutageUpdate, OutageUpdateNotice, OutboxMessage
from app.models.base import utcnow
from app.services import outages, outbox
from tests.helpers import customer, deliver_all, refused
from tests.outages.conftest import URL, publish


class Gateway(BaseHTTPRequestHandler):
    """An SMS gateway: keeps each request's headers and body, answers 200."""

    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(app):
    Gateway.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    keys = ("SMS_GATEWAY_URL", "SMS_GATEWAY_USER", "SMS_GATEWAY_PASSWORD")
    saved = {k: app.config[k] for k in keys}
    app.config.update(SMS_GATEWAY_URL=f"http://127.0.0.1:{server.server_port}/send", SMS_GATEWAY_USER="ipp",
                      SMS_GATEWAY_PASSWORD="sms-secret")
    yield Gateway
    app.config.update(saved)
    server.shutdown()
    server.server_close()


def choose(client, channel):
    assert client.submit("/kayttajatiedot/hairiotiedotteet", {"outage_notices": channel},
                         page="/kayttajatiedot").status_code == 303


def test_start_and_resolve_by_each_customers_channel_and_language(admin, make_client, smtp, gateway):
    pekka = make_client()
    pekka.login("100003", "Kuu-Joki-Lamppu-55")
    choose(pekka, "sms")
    customer("100001").locale = "sv"
    db.session.commit()
    publish(admin, "Laajakaistakatko", title_sv="Bredbandsavbrott")
    deliver_all()
    assert [m["To"] for m in smtp.messages] == ["matti.virtanen@example.fi"]  # Liisa is elsewhere
    assert "Bredbandsavbrott" in smtp.messages[0]["Subject"]
    headers, body = gateway.received[0]
    assert len(gateway.received) == 1
    sms = json.loads(body)
    assert sms["to"] == "+358445550101" and "Laajakaistakatko" in sms["text"] and "/hairiot" in sms["text"]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ipp:sms-secret").decode()

    outage = db.session.query(Outage).one()
    assert admin.submit(f"{URL}/{outage.id}/korjattu", {"closing_note": "Kunnossa."},
                        page=f"{URL}/{outage.id}").status_code == 303
    deliver_all()
    assert len(smtp.messages) == 2 and len(gateway.received) == 2
    assert "Kunnossa." in smtp.messages[1].get_content()
    text = admin.get(f"{URL}/{outage.id}").text
    assert text.count("<td>1</td>") == 4  # each event: one by email, one by SMS


def test_none_means_no_message(admin, make_client, smtp):
    matti = make_client()
    matti.login()
    choose(matti, "none")
    publish(admin)
    deliver_all()
    assert [m["To"] for m in smtp.messages] == ["pekka.nieminen@example.fi"]


def test_sms_needs_a_phone_number(admin, make_client):
    pekka = customer("100003")
    pekka.phone = ""
    db.session.commit()
    client = make_client()
    client.login("100003", "Kuu-Joki-Lamppu-55")
    response = client.submit("/kayttajatiedot/hairiotiedotteet", {"outage_notices": "sms"}, page="/kayttajatiedot")
    response = refused(response)
    assert 'id="outage_notices-error"' in response.text


def test_with_htmx_the_choice_is_saved_in_place(admin, make_client):
    """The section alone comes back, with the status said; a refusal comes back in it too."""
    client = make_client()
    client.login("100003", "Kuu-Joki-Lamppu-55")
    saved = client.submit("/kayttajatiedot/hairiotiedotteet", {"outage_notices": "email", "outage_updates": "y"},
                          page="/kayttajatiedot", htmx=True)
    assert saved.status_code == 200 and "<html" not in saved.text
    assert saved.text.lstrip().startswith('<section id="notices-section"') and "Valintasi on tallennettu." in saved.text
    assert re.search(r'<input checked id="outage_updates"', saved.text)
    assert customer("100003").outage_notices == "email" and customer("100003").outage_updates
    customer("100003").phone = ""
    db.session.commit()
    refusal = client.submit("/kayttajatiedot/hairiotiedotteet", {"outage_notices": "sms"}, page="/kayttajatiedot",
                            htmx=True)
    assert refusal.status_code == 422 and 'id="outage_notices-error"' in refusal.text and "<html" not in refusal.text
    assert re.search(r'<select [^>]*autofocus[^>]*id="outage_notices"', refusal.text)  # focus to what was refused
    assert customer("100003").outage_notices == "email"


def test_a_fan_out_run_again_tells_nobody_twice(admin, smtp):
    publish(admin)
    outage = db.session.query(Outage).one()
    deliver_all()
    assert len(smtp.messages) == 2
    outbox.queue_task("outage.notify", outage_id=outage.id, event="start")  # a second run of the same job
    db.session.commit()
    deliver_all()
    assert len(smtp.messages) == 2
    assert db.session.query(OutageNotice).count() == 2
    db.session.add(OutageNotice(outage_id=outage.id, customer_id=customer("100001").id, event="start",
                                channel="email"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_worker_killed_during_the_fan_out_tells_each_customer_once(app, admin, smtp):
    publish(admin)
    db.session.commit()
    with app.app_context():  # a worker leases the job, writes the notices and dies before its commit
        [job] = outbox.claim(10, utcnow())
        outages.notify(**job.payload)
        assert db.session.query(OutageNotice).count() == 2
        db.session.rollback()
    assert db.session.query(OutageNotice).count() == 0
    assert outbox.deliver_due(now=utcnow()) == 0  # leased: not due again yet
    later = utcnow() + outbox.lease() + timedelta(seconds=1)
    while outbox.deliver_due(now=later):
        pass
    assert sorted(m["To"] for m in smtp.messages) == ["matti.virtanen@example.fi", "pekka.nieminen@example.fi"]
    assert db.session.query(OutboxMessage).filter_by(topic="outage_start").count() == 2


def test_a_city_is_told_in_batches(admin, smtp, monkeypatch):
    """Each batch goes on from the last customer the one before it told, so no batch reads the
    stretch of customers already told again."""
    monkeypatch.setattr(outages, "NOTIFY_BATCH", 1)
    publish(admin)
    deliver_all()
    jobs = db.session.query(OutboxMessage).filter_by(channel="task", topic="outage.notify").order_by(OutboxMessage.id)
    assert [job.payload.get("after", 0) for job in jobs] == [0, customer("100001").id]
    assert len(smtp.messages) == 2


def test_sms_without_a_gateway_goes_by_email(admin, make_client, smtp):
    pekka = make_client()
    pekka.login("100003", "Kuu-Joki-Lamppu-55")
    choose(pekka, "sms")
    publish(admin)
    deliver_all()
    assert sorted(m["To"] for m in smtp.messages) == ["matti.virtanen@example.fi", "pekka.nieminen@example.fi"]
    assert db.session.query(OutboxMessage).filter_by(channel="sms").count() == 0


def post_update(admin, text: str):
    outage = db.session.query(Outage).one()
    assert admin.submit(f"{URL}/{outage.id}", {"text": text}).status_code == 303


def test_updates_reach_only_those_who_ask_once_each(admin, make_client, smtp, gateway):
    pekka = make_client()
    pekka.login("100003", "Kuu-Joki-Lamppu-55")
    answer = pekka.submit("/kayttajatiedot/hairiotiedotteet", {"outage_notices": "sms", "outage_updates": "y"},
                          page="/kayttajatiedot")
    assert answer.status_code == 303
    assert re.search(r'<input checked id="outage_updates"', pekka.get("/kayttajatiedot").text)
    customer("100002").outage_updates = True  # asked, but at another address: told of nothing
    db.session.commit()
    publish(admin)
    deliver_all()
    post_update(admin, "Korjaajat paikalla, arvio klo 18.")
    deliver_all()
    texts = [json.loads(body)["text"] for _, body in gateway.received]
    assert len(texts) == 2 and "Korjaajat paikalla" in texts[1]  # Pekka: the start, then the update
    assert [m["To"] for m in smtp.messages] == ["matti.virtanen@example.fi"]  # Matti did not ask
    [update] = db.session.query(OutageUpdate).all()
    outbox.queue_task("outage.notify_update", update_id=update.id)  # the same job again
    db.session.commit()
    deliver_all()
    assert len(gateway.received) == 2
    assert db.session.query(OutageUpdateNotice).count() == 1


def test_an_update_email_is_in_the_customers_language(admin, make_client, smtp):
    matti = customer("100001")
    matti.outage_updates, matti.locale = True, "sv"
    db.session.commit()
    publish(admin, title_sv="Bredbandsavbrott")
    deliver_all()
    post_update(admin, "Reparatörerna är på plats.")
    deliver_all()
    update = [m for m in smtp.messages if m["To"] == "matti.virtanen@example.fi"][-1]
    assert "Bredbandsavbrott" in update["Subject"] and "Reparatörerna är på plats." in update.get_content()


def test_customers_no_notice_can_reach_do_not_hold_up_the_batches(admin, smtp, monkeypatch):
    monkeypatch.setattr(outages, "NOTIFY_BATCH", 1)
    matti = customer("100001")
    matti.email = None  # before them in id order, and unreachable by email
    db.session.commit()
    publish(admin)
    deliver_all()
    assert [m["To"] for m in smtp.messages] == ["pekka.nieminen@example.fi"]
