"""Finvoice 3.0 files as a billing system sends them, through the API's XML body: recorded with the
same checks as the JSON POST, every wrong element named, nothing half-imported, DTDs refused."""
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Invoice, InvoiceLine

FILES = Path(__file__).parent.parent / "invoices" / "finvoice"
XML = {"Content-Type": "application/xml"}


def post(client, api, name: str, **headers):
    return client.post("/api/v1/invoices/finvoice", data=(FILES / name).read_bytes(), headers={**api, **XML, **headers})


def stored(number: str) -> bool:
    return db.session.query(Invoice).filter_by(number=number).count() > 0


def errors(response) -> dict:
    return {e["field"]: e["detail"] for e in response.json["errors"]}


def test_a_finvoice_is_recorded_like_the_json_invoice(client, api):
    response = post(client, api, "one.xml")
    assert response.status_code == 201
    [body] = response.json["items"]
    assert body["number"] == "2026-000123" and body["customer_number"] == "100002"
    assert body["invoice_date"] == "2026-11-01" and body["due_date"] == "2026-11-15"
    assert (body["net_cents"], body["vat_cents"], body["gross_cents"]) == (3984, 1016, 5000)
    assert [(line["description"], line["vat_basis_points"], line["gross_cents"]) for line in body["lines"]] == [
        ("Laajakaista 300M", 2550, 4000), ("Reititinvuokra", 2550, 1000)]
    # The same barcode as the JSON invoice of the same contents (tests/api/test_invoices.py).
    assert body["virtual_barcode"] == "479440520200360820000500000000000868516259619897261115"
    again = post(client, api, "one.xml")
    assert again.status_code == 200 and again.json == response.json
    assert db.session.query(Invoice).filter_by(number="2026-000123").count() == 1


def test_many_invoices_in_one_file(client, api):
    response = post(client, api, "two.xml")
    assert response.status_code == 201
    assert [(i["number"], i["customer_number"], i["reference"]) for i in response.json["items"]] == [
        ("2026-000123", "100002", "868516259619897"), ("2026-000124", "100001", "RF09868516259619897")]


def test_every_unreadable_element_is_named_and_nothing_is_stored(client, api):
    """The elements missing or not in Finvoice's format, all at once; the checksums (here the IBAN's
    is also wrong) are checked once every element can be read."""
    response = post(client, api, "wrong_fields.xml")
    assert response.status_code == 422 and errors(response) == {
        "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate": "Elementti puuttuu tai on tyhjä.",
        "InvoiceRow[2]/RowAmount": "Ei summa muotoa 48,83."}
    assert not stored("2026-000123")


def test_a_wrong_reference_checksum_is_named_by_its_element(client, api):
    response = post(client, api, "wrong_reference.xml")
    assert response.status_code == 422 and errors(response) == {
        "EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier":
            "Viitenumeron tarkiste ei täsmää."}


def test_a_due_date_in_the_year_one_is_refused(client, api):
    data = (FILES / "one.xml").read_bytes().replace(b">20261115<", b">00010115<")
    response = client.post("/api/v1/invoices/finvoice", data=data, headers={**api, **XML})
    assert response.status_code == 422 and errors(response) == {
        "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate": "Tarkista päivämäärä."}
    assert not stored("2026-000123")


def test_an_amount_or_a_date_in_other_scripts_digits_is_refused(client, api):
    """int() reads "٢" as 2; a billing system's amount or date in them is a mistake, not a figure."""
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    data = (FILES / "one.xml").read_text(encoding="utf-8")
    data = data.replace(">20261115<", ">" + "20261115".translate(arabic) + "<", 1)
    data = data.replace('"EUR">40,00<', '"EUR">' + "40,00".translate(arabic) + "<", 1)
    response = client.post("/api/v1/invoices/finvoice", data=data.encode(), headers={**api, **XML})
    assert response.status_code == 422 and errors(response) == {
        "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate": "Ei päivämäärä muotoa VVVVKKPP (CCYYMMDD).",
        "InvoiceRow[1]/RowAmount": "Ei summa muotoa 48,83."}
    assert not stored("2026-000123")


def test_one_bad_invoice_of_many_refuses_the_whole_file(client, api):
    data = (FILES / "two.xml").read_bytes().replace(b"<BuyerPartyIdentifier>100001", b"<BuyerPartyIdentifier>999999")
    response = client.post("/api/v1/invoices/finvoice", data=data, headers={**api, **XML})
    assert response.status_code == 422
    assert set(errors(response)) == {"Finvoice[2]/BuyerPartyDetails/BuyerPartyIdentifier"}
    assert not stored("2026-000123") and not stored("2026-000124")
    assert db.session.query(InvoiceLine).filter_by(description="Laajakaista 300M").count() == 0


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_entities_and_dtds_are_refused_unread(client, api, name):
    response = post(client, api, name)
    assert response.status_code == 422 and set(errors(response)) == {"file"}
    assert "root:" not in response.get_data(as_text=True)
    assert not stored("2026-000123")


@pytest.mark.parametrize("data", [b"<Finvoice Version='3.0'><InvoiceDetails>", b"<Lasku/>", b""])
def test_what_is_not_a_finvoice_is_refused(client, api, data):
    response = client.post("/api/v1/invoices/finvoice", data=data, headers={**api, **XML})
    assert response.status_code == 422 and set(errors(response)) == {"file"}


def test_only_xml_is_taken_and_the_token_needs_invoices_write(client, api, make_token):
    assert client.post("/api/v1/invoices/finvoice", json={}, headers=api).status_code == 415
    reader = make_token("invoices:read")
    assert post(client, reader, "one.xml").status_code == 403


def test_two_customers_invoices_with_one_reference_number_are_refused(client, api):
    """A payment is told to its invoice by its reference number: one file's invoices of two customers
    may not share one, nor may an invoice share one already recorded for another customer."""
    national = (FILES / "two.xml").read_bytes().replace(
        b'IdentificationSchemeName="ISO">RF09868516259619897', b'IdentificationSchemeName="SPY">868516259619897')
    response = client.post("/api/v1/invoices/finvoice", data=national, headers={**api, **XML})
    assert response.status_code == 422
    assert [field for field in errors(response) if "EpiRemittanceInfoIdentifier" in field]
    assert not stored("2026-000123") and not stored("2026-000124")
    assert post(client, api, "one.xml").status_code == 201  # 100002's invoice with that reference
    other = (FILES / "one.xml").read_bytes().replace(b"<BuyerPartyIdentifier>100002", b"<BuyerPartyIdentifier>100001") \
        .replace(b"2026-000123", b"2026-000999")
    refused = client.post("/api/v1/invoices/finvoice", data=other, headers={**api, **XML})
    assert refused.status_code == 422 and not stored("2026-000999")
    assert "Toisen asiakkaan laskulla on tämä viitenumero" in " ".join(errors(refused).values())


def test_a_vat_rate_that_is_no_rate_is_told_as_a_rate(client, api):
    wrong = (FILES / "one.xml").read_bytes().replace(b"<RowVatRatePercent>25,5</RowVatRatePercent>",
                                                     b"<RowVatRatePercent>14,125</RowVatRatePercent>", 1)
    response = client.post("/api/v1/invoices/finvoice", data=wrong, headers={**api, **XML})
    assert response.status_code == 422
    assert errors(response) == {"InvoiceRow[1]/RowVatRatePercent": "Ei arvonlisäverokanta muotoa 25,5."}


@pytest.mark.parametrize("name,told", [
    ("A&#x202e;B", "Poista tekstistä ohjausmerkit."), ("A&#x2028;B", "Poista tekstistä ohjausmerkit."),
    ("A&#x85;B", "Poista tekstistä ohjausmerkit."), ("A&#xfeff;B", "Poista tekstistä ohjausmerkit."),
    ("A&#xa;B", "Poista tekstistä ohjausmerkit."), ("A&#x9;B", "Poista tekstistä ohjausmerkit."),
    ("x" * 201, "Enintään 200 merkkiä."),
])
def test_a_row_name_is_text_by_the_rules_of_the_json_invoice(client, api, name, told):
    """The JSON POST refuses these in a line's description; the Finvoice import stored and showed them."""
    wrong = (FILES / "one.xml").read_bytes().replace(b"<ArticleName>Reititinvuokra<",
                                                     f"<ArticleName>{name}<".encode(), 1)
    response = client.post("/api/v1/invoices/finvoice", data=wrong, headers={**api, **XML})
    assert response.status_code == 422 and errors(response) == {"InvoiceRow[2]/ArticleName": told}
    assert not stored("2026-000123")


def test_a_row_name_of_the_longest_length_with_spaces_around_is_taken(client, api):
    taken = (FILES / "one.xml").read_bytes().replace(b"<ArticleName>Reititinvuokra<",
                                                     f"<ArticleName>  {'x' * 200}\n<".encode(), 1)
    response = client.post("/api/v1/invoices/finvoice", data=taken, headers={**api, **XML})
    assert response.status_code == 201 and response.json["items"][0]["lines"][1]["description"] == "x" * 200
