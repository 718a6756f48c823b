"""What a careless or hostile client sends is refused as a problem on its field, never a 500 nor a
value taken as another; found by an outside walk of the API."""
import json

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, Invoice, Outage, PayTvCard, Product
from tests.helpers import customer, invoice_body

NEW = {"name": "Aino Uusi", "email": "aino.uusi@example.fi"}
OUTAGE = {"title": "Katko", "started_at": "2026-11-29T06:00:00Z"}


@pytest.mark.parametrize("method,url,body,field", [
    ("put", "/api/v1/customers/200001", {**NEW, "name": "a\ud800b"}, "name"),
    ("post", "/api/v1/customers/100001/pay-tv-cards", {"card_number": "\udfff1", "valid_until": "2030-01-01"},
     "card_number"),
    ("post", "/api/v1/outages", {**OUTAGE, "all_customers": True, "title": "\ud83d"}, "title"),
])
def test_half_a_surrogate_pair_is_refused_on_its_field(client, api, method, url, body, field):
    response = getattr(client, method)(url, json=body, headers=api)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json["errors"]] == [field]


@pytest.mark.parametrize("url,body,field", [
    ("/api/v1/invoices", invoice_body(pdf=None, customer_number="1000\x0001"), "customer_number"),
    ("/api/v1/outages", {**OUTAGE, "all_customers": True, "groups": ["broad\x00band"]}, "groups.0"),
])
def test_a_nul_in_a_text_that_finds_a_row_is_refused_before_the_database_reads_it(client, api, url, body, field):
    """Postgres takes no NUL in a statement's text: it was a 500 (found by Schemathesis on Postgres)."""
    response = client.post(url, json=body, headers=api)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json["errors"]] == [field]


def test_a_place_named_twice_is_one_place(client, api):
    response = client.post("/api/v1/outages", json={**OUTAGE, "postal_codes": ["33100", "33100"],
                                                    "municipalities": ["Tampere", "Tampere"]}, headers=api)
    assert response.status_code == 201, response.text
    assert response.json["postal_codes"] == ["33100"] and response.json["municipalities"] == ["Tampere"]


def test_a_body_nested_too_deeply_is_not_json(client, api):
    body = "[" * 50000 + "]" * 50000
    response = client.put("/api/v1/customers/200001", data=body, content_type="application/json", headers=api)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("value", [34.9, 2.589e-42, "34.9", "3490", " 3490 ", "٣٤٩٠", 10_000_000])
def test_a_number_with_a_fraction_is_refused_not_cut(client, api, value):
    price = db.session.query(Product).filter_by(code="LAAJAKAISTA-100").one().price_cents
    response = client.put("/api/v1/catalog/products/LAAJAKAISTA-100/price",
                          json={"price_cents": value, "vat_basis_points": 2550}, headers=api)
    assert response.status_code == 422 and [e["field"] for e in response.json["errors"]] == ["price_cents"]
    db.session.expire_all()
    assert db.session.query(Product).filter_by(code="LAAJAKAISTA-100").one().price_cents == price


@pytest.mark.parametrize("limit", ["١٠", "+5", "5.0", " 5"])
def test_a_number_in_the_query_is_ascii_digits(client, api, limit):
    response = client.get(f"/api/v1/customers?limit={limit}", headers=api)
    assert response.status_code == 422 and [e["field"] for e in response.json["errors"]] == ["limit"]


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/customers?limit=-1", "limit"), ("/api/v1/events?after=-5", "after"),
    ("/api/v1/customers?limit=0", "limit")])
def test_a_number_out_of_range_is_told_its_range(client, api, url, field):
    response = client.get(url, headers=api)
    assert response.status_code == 422 and [e["field"] for e in response.json["errors"]] == [field]
    assert "Ei kokonaisluku" not in response.json["errors"][0]["detail"], response.json


def test_a_moment_needs_its_time_of_day(client, api):
    body = {"title": "Katko", "description": "Kaapeli", "severity": "major", "postal_codes": ["33100"],
            "groups": ["broadband"]}
    response = client.post("/api/v1/outages", json={**body, "started_at": "2026-11-29"}, headers=api)
    assert response.status_code == 422 and [e["field"] for e in response.json["errors"]] == ["started_at"]
    assert client.post("/api/v1/outages", json={**body, "started_at": "2026-11-29T08:00:00+02:00"},
                       headers=api).status_code == 201


def test_a_whole_number_written_with_a_point_is_taken(client, api):
    response = client.put("/api/v1/catalog/products/LAAJAKAISTA-100/price",
                          json={"price_cents": 3490.0, "vat_basis_points": 2550}, headers=api)
    assert response.status_code == 200 and response.json["price_cents"] == 3490


def test_spaces_alone_are_no_text(client, api):
    cards = db.session.query(PayTvCard).count()
    card = client.post("/api/v1/customers/100001/pay-tv-cards",
                       json={"card_number": "   ", "valid_until": "2030-01-01"}, headers=api)
    assert card.status_code == 422 and [e["field"] for e in card.json["errors"]] == ["card_number"]
    outage = client.post("/api/v1/outages", json={**OUTAGE, "all_customers": True, "title": " \u00a0 "}, headers=api)
    assert outage.status_code == 422 and [e["field"] for e in outage.json["errors"]] == ["title"]
    assert db.session.query(PayTvCard).count() == cards and db.session.query(Outage).count() == 0
    named = client.put("/api/v1/customers/200001", json={**NEW, "name": "  Aino Uusi  "}, headers=api)
    assert named.status_code == 201 and named.json["name"] == "Aino Uusi"


def test_a_closed_customer_is_not_invited_nor_closed_twice(client, api, smtp):
    assert client.put("/api/v1/customers/200001", json=NEW, headers=api).status_code == 201
    for _ in range(2):
        assert client.post("/api/v1/customers/200001/close", headers=api).status_code == 200
    response = client.post("/api/v1/customers/200001/invite", headers=api)
    assert response.status_code == 422 and "suljettu" in response.json["detail"]
    assert customer("200001").status == "closed" and customer("200001").account is None
    assert db.session.query(AuditEvent).filter_by(action="customer.closed").count() == 1


def test_the_finvoice_media_type_is_asked_for_in_the_requests_language(client, api):
    response = client.post("/api/v1/invoices/finvoice", data="x", content_type="text/plain",
                           headers={**api, "Accept-Language": "fi"})
    assert response.status_code == 415 and "Content-Type" in response.json["detail"]
    assert response.json["detail"] != "Send the Finvoice with Content-Type application/xml."


def test_a_customer_number_too_long_is_refused_as_too_long(client, api):
    response = client.put(f"/api/v1/customers/{'2' * 25}", json=NEW, headers={**api, "Accept-Language": "en"})
    assert response.status_code == 422
    assert [e["detail"] for e in response.json["errors"]] == ["customer_number is longer than 20 characters"]


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_a_day_outside_the_years_the_console_takes_is_refused(client, api, day):
    """A year 1 or 9999 is a slip: it would reach the customer's pages, and an invoice's barcode (a due date
    in the year 1 reads as 2001); an outage at 9999-12-31T23:59 broke the console's list of outages."""
    moment, invoices = f"{day}T23:59:59Z", db.session.query(Invoice).count()
    sent = {
        "/api/v1/customers/100001/agreements": ({"kind": "billing", "valid_from": day}, "valid_from"),
        "/api/v1/customers/100001/pay-tv-cards": ({"card_number": "0100 5555 0009", "valid_until": day}, "valid_until"),
        "/api/v1/invoices": (invoice_body(pdf=None, invoice_date="2026-11-01", due_date=day), "due_date"),
        "/api/v1/outages": ({**OUTAGE, "all_customers": True, "started_at": moment}, "started_at"),
    }
    for url, (body, field) in sent.items():
        response = client.post(url, json=body, headers={**api, "Accept-Language": "fi"})
        assert response.status_code == 422, (url, response.text)
        assert {e["field"]: e["detail"] for e in response.json["errors"]}[field].startswith("Tarkista"), url
    assert db.session.query(Outage).count() == 0 and db.session.query(Invoice).count() == invoices


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_json_under_another_media_type_is_refused_as_such(client, api, content_type):
    """Not "every field is missing": the body was there, under a type the API does not read."""
    response = client.put("/api/v1/customers/200001", data=json.dumps(NEW), content_type=content_type,
                          headers={**api, "Accept-Language": "en"})
    assert response.status_code == 415 and response.json["detail"] == "Send JSON with Content-Type application/json."
    assert db.session.query(Customer).filter_by(customer_number="200001").count() == 0


@pytest.mark.parametrize("number", ["200001%20", "%20200001", "%09200001", "200001%0A"])
def test_a_customer_number_is_taken_as_the_path_writes_it(client, api, number):
    """Spaces around the number would make it another customer's path than its reads'."""
    response = client.put(f"/api/v1/customers/{number}", json=NEW, headers=api)
    assert response.status_code == 422 and [e["field"] for e in response.json["errors"]] == ["customer_number"]
    assert client.get("/api/v1/customers/200001", headers=api).status_code == 404


@pytest.mark.parametrize("rows,body", [
    ("agreements", {"kind": "service", "valid_from": "2026-12-01"}),
    ("pay-tv-cards", {"card_number": "0100 2345 7777", "valid_until": "2030-01-01"}),
])
def test_a_deleted_rows_id_is_never_given_again(client, api, rows, body):
    """A DELETE retried after another row was added must not remove the new one."""
    url = f"/api/v1/customers/100004/{rows}"  # agreements that ended: a new one overlaps none
    first = client.post(url, json=body, headers=api).json["id"]
    assert client.delete(f"{url}/{first}", headers=api).status_code == 204
    second = client.post(url, json=body, headers=api).json["id"]
    assert second != first
    assert client.delete(f"{url}/{first}", headers=api).status_code == 404


@pytest.mark.parametrize("body", [[1, 2], "text", 5])
def test_a_body_that_is_no_object_is_said_of_the_body(client, api, body):
    response = client.put("/api/v1/customers/200001", json=body, headers=api)
    assert response.status_code == 422 and [e["field"] for e in response.json["errors"]] == ["body"]
