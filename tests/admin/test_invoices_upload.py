"""Laskut from billing in the console: a Finvoice file uploaded by the staff is recorded as the
API's, all or none, and each refusal is named by its Finvoice element above the form."""
import io
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Invoice
from tests.conftest import HTMX
from tests.helpers import refused

URL = "/hallinta/laskut"
FILES = Path(__file__).parent.parent / "invoices" / "finvoice"


def upload(client, name: str, data: bytes | None = None, htmx: bool = False):
    content = data if data is not None else (FILES / name).read_bytes()
    return client.post(URL, data={"csrf_token": client.csrf_token(URL), "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", headers=HTMX if htmx else None)


def numbers() -> set[str]:
    return {n for (n,) in db.session.query(Invoice.number)}


def test_the_page_is_linked_from_billing(admin):
    assert f'href="{URL}"' in admin.get("/hallinta/laskutus").text
    page = admin.get(URL).text
    assert "<h1>Laskut laskutuksesta</h1>" in page and 'type="file"' in page and 'enctype="multipart/form-data"' in page


def test_a_file_is_recorded_and_sending_it_again_changes_nothing(admin):
    before = numbers()
    response = upload(admin, "two.xml")
    assert response.status_code == 303 and response.location == URL
    assert "Tiedostossa oli 2 laskua, joista 2 uutta; ne on tallennettu." in admin.get(URL).text
    assert numbers() - before == {"2026-000123", "2026-000124"}
    upload(admin, "two.xml")
    assert "Tiedostossa oli 2 laskua, joista 0 uutta; ne on tallennettu." in admin.get(URL).text
    assert numbers() - before == {"2026-000123", "2026-000124"}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_each_refusal_is_named_by_its_element_and_nothing_is_stored(admin, htmx):
    before = numbers()
    response = upload(admin, "wrong_fields.xml", htmx=htmx)
    response = refused(response)
    assert "InvoiceDetails/PaymentTermsDetails/InvoiceDueDate: Elementti puuttuu tai on tyhjä." in response.text
    assert "InvoiceRow[2]/RowAmount: Ei summa muotoa 48,83." in response.text
    assert 'role="alert"' in response.text
    assert numbers() == before


def test_a_file_with_entities_is_refused_at_the_file_field(admin):
    before = numbers()
    response = upload(admin, "xxe.xml")
    response = refused(response)
    assert 'id="file-error"' in response.text
    assert numbers() == before


def test_no_file_is_asked_for(admin):
    response = admin.post(URL, data={"csrf_token": admin.csrf_token(URL)}, content_type="multipart/form-data")
    response = refused(response)
    assert "Valitse tiedosto." in response.text
