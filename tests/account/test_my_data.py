"""Lataa omat tietoni (GDPR articles 15 and 20), and the statement budget of the pages of this area."""
import gzip
import json
import re
from datetime import timedelta

import pytest

from app import labels
from app.extensions import db
from app.models import AuditEvent, Customer, Feedback, MailAlias, Mailbox, Subscription
from app.models.base import utcnow
from app.services import support
from tests.helpers import customer_id, staff_login, statements

EXPORT = "/kayttajatiedot/omat-tiedot"


@pytest.fixture
def logged_in(client, demo_data):
    client.login()
    return client


def test_json_download_has_everything_but_secrets(logged_in):
    logged_in.submit("/asiakaspalvelu", {"topic": "feedback", "message": "Hei!"})
    response = logged_in.submit(EXPORT, {"format": "json"}, page="/kayttajatiedot")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="omat-tiedot-100001.json"'
    data = json.loads(response.text)
    assert data["customer"]["email"] == "matti.virtanen@example.fi"
    assert {a["kind"] for a in data["agreements"]} == {"connection", "service", "billing"}
    assert data["pay_tv_cards"][0]["card_number"] == "0100 2345 6789"
    assert {s["product"] for s in data["subscriptions"]} >= {"MIX 6", "Jääkiekkokausi"}
    assert len(data["mix_choices"]) == 4 and len(data["orders"]) == 4
    assert data["mailboxes"][0]["address"] == "matti.virtanen@ipp.fi"
    assert data["feedback"][0]["message"] == "Hei!"
    # The invoices with their lines; the PDF copies are downloads of their own, not in the file.
    assert len(data["invoices"]) == 3 and all(i["lines"] for i in data["invoices"])
    newest = max(data["invoices"], key=lambda i: i["invoice_date"])
    assert newest["gross_cents"] == sum(line["gross_cents"] for line in newest["lines"])
    assert {"number", "reference", "iban", "due_date", "status"} <= newest.keys()
    assert "pdf" not in newest and "has_pdf" not in newest
    assert "unread_replies" not in data["customer"]  # the menu's count, computed from the messages below
    assert {"login", "feedback.received", "personal_data.exported"} <= {e["action"] for e in data["audit_events"]}
    text = response.text
    for secret in ("password_hash", "$argon2", "totp_secret", "session_version", "ARGON2ID"):
        assert secret not in text
    assert "100002" not in text and "Liisa" not in text


STAFF_ADDRESS = {"REMOTE_ADDR": "10.20.30.40"}


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_the_copy_holds_what_is_about_the_customer_not_the_staffs_notes_or_addresses(logged_in, make_client, fmt):
    logged_in.submit("/asiakaspalvelu", {"topic": "feedback", "message": "Hei!"})
    feedback = db.session.query(Feedback).one()
    console = staff_login(make_client())
    note = "Näkyy vain henkilökunnalle: soita iltapäivällä."
    response = console.submit(f"/hallinta/palautteet/{feedback.id}", {"status": "in_progress", "staff_note": note},
                              environ_base=STAFF_ADDRESS)
    assert response.status_code == 303
    assert db.session.get(Feedback, feedback.id).staff_note == note
    response = logged_in.submit(EXPORT, {"format": fmt}, page="/kayttajatiedot")
    if fmt == "html":
        response = logged_in.get(response.location)
    assert response.status_code == 200
    for staff_only in (note, "staff_note", "10.20.30.40", "Ylläpito"):
        assert staff_only not in response.text, staff_only
    assert "127.0.0.1" in response.text  # the customer's own address in their own events is theirs
    if fmt == "json":
        events = {e["action"]: e for e in json.loads(response.text)["audit_events"]}
        assert events["feedback.updated"]["actor"] == "Asiakaspalvelu"
        assert events["feedback.updated"]["details"] == {"feedback": feedback.reference, "status": "in_progress"}
        assert events["feedback.received"]["details"]["ip"] == "127.0.0.1"


def test_readable_page_and_audit(logged_in):
    # Post, redirect, get: Back and reload show the page without posting again.
    response = logged_in.submit(EXPORT, {"format": "html"}, page="/kayttajatiedot")
    assert response.status_code == 303 and response.location == EXPORT
    response = logged_in.get(EXPORT)
    assert response.status_code == 200 and "<html" in response.text
    for text in ("Omat tietoni", "Asiakastiedot", "Hämeenkatu 10 A 5", "MIX 6", "matti.virtanen@ipp.fi"):
        assert text in response.text
    assert "$argon2" not in response.text
    assert db.session.query(AuditEvent).filter_by(action="personal_data.exported").count() == 1
    # Readable: fields named in the reader's language, dates as written in Finland, rows in tables.
    page = response.text
    for text in ("<dt>Asiakasnumero</dt><dd>100001</dd>", "<dt>Postinumero</dt>", '<th scope="col">Alkaa</th>',
                 "<td>1.3.2019</td>", "<td>Laajakaista 100M</td>", '<h2 id="s-invoices">Laskut</h2>',
                 '<th scope="col">Eräpäivä</th>', "<td>15.11.2026</td>", "ALV: 25,5 %",
                 "<td>5\xa0120</td>"):  # the mailbox's quota in MB, numbers as written in Finland
        assert text in page, text
    assert "customer_number" not in page and "starts_on" not in page and "2019-03-01" not in page
    assert page.count("<table>") == len(re.findall(r'<div class="scroll" role="region"', page))


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_every_field_and_stored_code_is_named_in_the_readers_language(logged_in):
    """Whatever the customer has (a fault report with a reply here), no column name nor stored code
    (active, delivered, fi) reaches the page, and no two columns of a table read alike."""
    matti = customer_id("100001")
    broadband = db.session.query(Subscription.id).filter_by(customer_id=matti, status="active").first()[0]
    feedback = support.send(matti, support.Message(topic="fault", message="Netti pätkii.",
                                                   fault_subscription_id=broadband,
                                                   fault_started_at=utcnow() - timedelta(hours=2)))
    logged_in.submit(f"/asiakaspalvelu/viesti/{feedback.reference}", {"message": "Yhä pätkii."})
    data = json.loads(logged_in.submit(EXPORT, {"format": "json"}, page="/kayttajatiedot").text)
    assert data["feedback"][0]["replies"][0]["body"] == "Yhä pätkii."
    fields = {k for section, v in data.items() if section != "audit_events" for k in _keys(v)}
    fields |= {k for e in data["audit_events"] for k in e if k != "details"}
    assert not fields - labels.DATA_FIELDS.keys()
    logged_in.submit(EXPORT, {"format": "html"}, page="/kayttajatiedot")
    page = logged_in.get(EXPORT).text
    for stored in (">active<", ">delivered<", ">connection<", ">open<", ">fault<", ">customer<", ">fi<",
                   "fault_subscription_id", "last_activity_at", "contact_requested"):
        assert stored not in page, stored
    for head in re.findall(r"<thead><tr>(.*?)</tr></thead>", page):
        names = re.findall(r'<th scope="col">([^<]*)</th>', head)
        assert len(names) == len(set(names)), names


def test_export_needs_post_with_csrf_and_is_rate_limited(logged_in):
    assert logged_in.post(EXPORT, data={"format": "json"}).status_code == 400
    for _ in range(10):
        assert logged_in.submit(EXPORT, {"format": "json"}, page="/kayttajatiedot").status_code == 200
    response = logged_in.submit(EXPORT, {"format": "json"}, page="/kayttajatiedot")
    assert response.status_code == 429 and "Liian monta yritystä" in response.text


def test_export_takes_a_fixed_number_of_statements(logged_in):
    logged_in.submit(EXPORT, {"format": "json"}, page="/kayttajatiedot")
    with statements() as before:
        logged_in.post(EXPORT, data={"format": "json", "csrf_token": logged_in.csrf_token("/kayttajatiedot")})
    matti = db.session.query(Customer).filter_by(customer_number="100001").one()
    mailbox = db.session.query(Mailbox).filter_by(customer_id=matti.id).one()
    for n in range(5):
        db.session.add(Subscription(customer=matti, product=db.session.query(Subscription).first().product,
                                    starts_on=matti.agreements[0].valid_from))
        db.session.add(MailAlias(mailbox=mailbox, kind="alias", address=f"a{n}@ipp.fi", goto=mailbox.address))
    db.session.commit()
    with statements() as after:
        logged_in.post(EXPORT, data={"format": "json", "csrf_token": logged_in.csrf_token("/kayttajatiedot")})
    assert len(after) == len(before)


@pytest.mark.parametrize("url", ["/kayttajatiedot", "/kayttajatiedot/sahkoposti", "/asiakaspalvelu",
                                 "/kayttajatiedot/kaksivaiheinen"])
def test_pages_take_few_statements_whatever_the_customer_has(logged_in, url):
    logged_in.get(url)
    with statements() as before:
        assert logged_in.get(url).status_code == 200
    matti = db.session.query(Customer).filter_by(customer_number="100001").one()
    product = db.session.query(Subscription).first().product
    for _ in range(10):
        db.session.add(Subscription(customer=matti, product=product, starts_on=matti.agreements[0].valid_from))
    db.session.commit()
    with statements() as after:
        response = logged_in.get(url)
    assert len(after) == len(before) <= 12
    assert len(gzip.compress(response.data)) <= 8 * 1024
