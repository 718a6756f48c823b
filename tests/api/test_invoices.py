"""Invoices through the API: recorded once by number, checked so the customer can pay with them."""
import base64
import threading
import time

from flask import current_app

from app.extensions import db
from app.models import AuditEvent, Invoice, InvoiceLine
from app.services import invoices
from app.services.demo import DEMO_PDF
from tests.helpers import invoice_body

PDF = base64.b64encode(DEMO_PDF).decode()


def invoice(**changes) -> dict:
    return invoice_body(**{"pdf": PDF, **changes})


def test_an_invoice_is_recorded_with_its_lines_and_barcode(client, api):
    response = client.post("/api/v1/invoices", json=invoice(), headers=api)
    assert response.status_code == 201
    body = response.json
    assert body["reference"] == "868516259619897" and body["iban"] == "FI7944052020036082"
    assert body["virtual_barcode"] == "479440520200360820000500000000000868516259619897261115"
    assert body["has_pdf"] and [line["detail"] for line in body["lines"]] == ["11/2026", ""]
    stored = db.session.query(Invoice).filter_by(number="2026-000123").one()
    assert stored.customer.customer_number == "100002" and stored.pdf == DEMO_PDF
    assert client.get("/api/v1/invoices/2026-000123", headers=api).json == body
    event = db.session.query(AuditEvent).filter_by(action="invoice.recorded").one()
    assert event.actor_name == "API: Laskutus"


def test_the_same_invoice_again_changes_nothing_and_another_under_its_number_is_refused(client, api):
    first = client.post("/api/v1/invoices", json=invoice(), headers=api)
    again = client.post("/api/v1/invoices", json=invoice(), headers=api)
    assert again.status_code == 200 and again.json == first.json
    other = client.post("/api/v1/invoices", json=invoice(due_date="2026-11-30"), headers=api)
    assert other.status_code == 422 and other.json["errors"] == [
        {"field": "number", "detail": "Tällä numerolla on jo tallennettu lasku, jonka sisältö on toinen."}]
    assert db.session.query(Invoice).filter_by(number="2026-000123").count() == 1


def test_every_problem_is_named_at_once_and_nothing_is_stored(client, api):
    lines = invoice()["lines"]
    lines[1] = {**lines[1], "gross_cents": 1001}
    response = client.post("/api/v1/invoices", json=invoice(
        reference="86851 62596 19898", iban="FI79 4405 2020 0360 83", due_date="2026-10-31",
        customer_number="999999", gross_cents=5001, lines=lines, pdf=base64.b64encode(b"not a pdf").decode()),
        headers=api)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {
        "reference", "iban", "due_date", "customer_number", "lines.1.gross_cents", "pdf"}
    assert db.session.query(Invoice).filter_by(number="2026-000123").count() == 0
    assert db.session.query(InvoiceLine).filter_by(description="Reititinvuokra").count() == 0


def test_totals_must_be_the_sums_of_the_lines(client, api):
    response = client.post("/api/v1/invoices", json=invoice(net_cents=3985, gross_cents=5001), headers=api)
    assert response.status_code == 422 and {e["field"] for e in response.json["errors"]} == {"net_cents",
                                                                                            "gross_cents"}


def test_a_lines_vat_is_its_rate_of_the_amount_within_a_cent(client, api):
    lines = invoice()["lines"]
    wrong = [{**lines[0], "vat_cents": 50, "net_cents": 3950}, lines[1]]  # 50 cents is not 25,5 % of 39,50 €
    response = client.post("/api/v1/invoices", json=invoice(lines=wrong, net_cents=4747, vat_cents=253), headers=api)
    assert response.status_code == 422 and {e["field"] for e in response.json["errors"]} == {"lines.0.vat_cents"}
    # 25,5 % of 31,86 € is 8,12 €: 8,13 € is a cent apart, as another system's rounding may make it.
    rounded = [{**lines[0], "net_cents": 3186, "vat_cents": 813, "gross_cents": 3999}, lines[1]]
    assert client.post("/api/v1/invoices", json=invoice(lines=rounded, net_cents=3983, gross_cents=4999),
                       headers=api).status_code == 201
    # 25,5 % of 5,00 € is 1,275 €: 1,29 € and 1,26 € are both a cent and a half away, either sign.
    for net, vat in ((500, 129), (500, 126), (-500, -126), (-500, -129)):
        line = {"description": "Maksu", "net_cents": net, "vat_basis_points": 2550, "vat_cents": vat,
                "gross_cents": net + vat}
        far = client.post("/api/v1/invoices", json=invoice(number=f"V-{net}-{vat}", lines=[lines[1], line],
                                                           net_cents=797 + net, vat_cents=203 + vat,
                                                           gross_cents=1000 + net + vat), headers=api)
        assert far.status_code == 422 and far.json["errors"][0]["field"] == "lines.1.vat_cents", (net, vat)


def test_a_reference_number_is_one_customers(client, api):
    """A customer's invoices may share a standing reference number; another customer's may not."""
    assert client.post("/api/v1/invoices", json=invoice(), headers=api).status_code == 201
    own = client.post("/api/v1/invoices", json=invoice(number="2026-000124", invoice_date="2026-12-01",
                                                       due_date="2026-12-15"), headers=api)
    assert own.status_code == 201
    other = client.post("/api/v1/invoices", json=invoice(number="2026-000125", customer_number="100001"), headers=api)
    assert other.status_code == 422 and other.json["errors"] == [{"field": "reference", "detail": (
        "Toisen asiakkaan laskulla on tämä viitenumero: heidän maksujaan ei voisi erottaa toisistaan.")}]
    # Leading zeros are the same reference: the bank barcode pads it with them anyway.
    padded = client.post("/api/v1/invoices", json=invoice(number="2026-000126", customer_number="100001",
                                                          reference="00 86851 62596 19897"), headers=api)
    assert padded.status_code == 422 and padded.json["errors"][0]["field"] == "reference"
    assert db.session.query(Invoice).filter(Invoice.number.in_(("2026-000125", "2026-000126"))).count() == 0
    again = client.post("/api/v1/invoices", json=invoice(reference="0086851 62596 19897"), headers=api)
    assert again.status_code == 200 and again.json["reference"] == "868516259619897"  # the same invoice again


def test_two_customers_invoices_with_one_new_reference_sent_at_once_are_not_both_stored(make_client, api,
                                                                                       monkeypatch):
    """Each request checks that no other customer has the reference before either is written; the
    check is held open here so that both would pass it, unless the writes take turns."""
    found = invoices._reference_owners

    def slowly(references):
        owners = found(references)
        time.sleep(0.3)
        return owners

    monkeypatch.setattr(invoices, "_reference_owners", slowly)
    app = current_app._get_current_object()
    barrier, statuses = threading.Barrier(2), []

    def send(number: str, customer_number: str) -> None:
        with app.app_context():
            barrier.wait()
            statuses.append(make_client().post("/api/v1/invoices", headers=api, json=invoice(
                number=number, customer_number=customer_number)).status_code)

    threads = [threading.Thread(target=send, args=sent) for sent in (("2026-000201", "100002"),
                                                                      ("2026-000202", "100001"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 422]
    assert db.session.query(Invoice).filter(Invoice.number.in_(("2026-000201", "2026-000202"))).count() == 1


def test_a_total_below_zero_is_no_invoice_to_pay(client, api):
    lines = [{**line, **{name: -line[name] for name in ("net_cents", "vat_cents", "gross_cents")}}
             for line in invoice()["lines"]]
    totals = {name: sum(line[name] for line in lines) for name in ("net_cents", "vat_cents", "gross_cents")}
    response = client.post("/api/v1/invoices", json=invoice(lines=lines, **totals), headers=api)
    assert response.status_code == 422 and [e["field"] for e in response.json["errors"]] == ["gross_cents"]
    assert db.session.query(Invoice).filter_by(number="2026-000123").count() == 0


def test_an_rf_reference_gives_a_version_5_barcode(client, api):
    response = client.post("/api/v1/invoices", json=invoice(reference="RF09 8685 1625 9619 897"), headers=api)
    assert response.status_code == 201 and response.json["virtual_barcode"].startswith("5")


def test_types_and_shapes_are_checked_first(client, api):
    for body in (invoice(pdf="%%%"), invoice(number="12 34"), invoice(lines=[]), invoice(status="lost"),
                 invoice(vat_cents="many")):
        assert client.post("/api/v1/invoices", json=body, headers=api).status_code == 422


def test_status_updates_and_listing(client, api):
    client.post("/api/v1/invoices", json=invoice(), headers=api)
    paid = client.patch("/api/v1/invoices/2026-000123", json={"status": "paid"}, headers=api)
    assert paid.status_code == 200 and paid.json["status"] == "paid"
    assert client.patch("/api/v1/invoices/2026-000123", json={"status": "lost"}, headers=api).status_code == 422
    assert client.patch("/api/v1/invoices/nope", json={"status": "paid"}, headers=api).status_code == 404
    assert db.session.query(AuditEvent).filter_by(action="invoice.status").count() == 1
    liisas = client.get("/api/v1/invoices?customer_number=100002", headers=api).json["items"]
    assert [i["number"] for i in liisas] == ["2026-000123"]
    everyone = client.get("/api/v1/invoices", headers=api).json["items"]
    assert len(everyone) == 4 and [i["id"] for i in everyone] == sorted(i["id"] for i in everyone)
    after = client.get(f"/api/v1/invoices?after={everyone[0]['id']}&limit=2", headers=api).json["items"]
    assert [i["id"] for i in after] == [i["id"] for i in everyone[1:3]]


def test_a_read_token_cannot_record_nor_change(client, make_token, demo_data):
    reader = make_token("invoices:read")
    assert client.post("/api/v1/invoices", json=invoice(), headers=reader).status_code == 403
    number = db.session.query(Invoice.number).first()[0]
    assert client.patch(f"/api/v1/invoices/{number}", json={"status": "paid"}, headers=reader).status_code == 403
    assert client.get(f"/api/v1/invoices/{number}", headers=reader).status_code == 200
    other = make_token("customers:read", "customers:write")
    assert client.get("/api/v1/invoices", headers=other).status_code == 403
    assert db.session.query(Invoice).filter_by(number="2026-000123").count() == 0
