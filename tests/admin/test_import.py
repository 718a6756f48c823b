"""CSV import: a preview naming every bad line, nothing imported while any row is wrong, re-import updates."""
import io
from datetime import date
from pathlib import Path

from app.extensions import db
from app.models import AuditEvent, Customer
from app.services import customer_import
from tests.helpers import refused

EXAMPLE = (Path(__file__).resolve().parents[2] / "docs" / "customers-example.csv").read_text(encoding="utf-8")
URL = "/hallinta/tuonti"


def upload(client, text: str, name="asiakkaat.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return client.submit(URL, data, content_type="multipart/form-data")


def confirm(client, text: str):
    return client.submit(f"{URL}/vahvista", {"content": text}, page=URL)


def test_example_previews_then_imports_and_reimport_updates(admin):
    before = db.session.query(Customer).count()
    response = upload(admin, EXAMPLE)
    assert response.status_code == 200
    assert "3 uutta asiakasta, 1 päivitetään" in response.text
    assert db.session.query(Customer).count() == before  # the preview changes nothing
    response = confirm(admin, EXAMPLE)
    assert response.status_code == 303
    assert db.session.query(Customer).count() == before + 3
    kaisa = db.session.query(Customer).filter_by(customer_number="200001").one()
    assert kaisa.email == "kaisa.laine@example.fi"
    assert kaisa.may_log_in(date(2026, 1, 1)) and kaisa.has_agreement(("billing",), date(2026, 1, 1))
    assert db.session.query(Customer).filter_by(customer_number="200002").one().locale == "sv"
    liisa = db.session.query(Customer).filter_by(customer_number="100002").one()
    assert liisa.street_address == "Puistokatu 5"
    event = db.session.query(AuditEvent).filter_by(action="customer.imported", customer_id=kaisa.id).one()
    assert event.actor_name == "Ylläpito"
    agreements = len(kaisa.agreements)
    changed = EXAMPLE.replace("Koulukatu 4 B 7", "Koulukatu 6")
    assert "1 uutta" not in upload(admin, changed).text
    assert confirm(admin, changed).status_code == 303
    assert db.session.query(Customer).count() == before + 3
    kaisa = db.session.query(Customer).filter_by(customer_number="200001").one()
    assert kaisa.street_address == "Koulukatu 6"
    assert len(kaisa.agreements) == agreements  # not added twice


def test_every_bad_line_is_named_and_nothing_is_imported(admin):
    bad = EXAMPLE.replace("kaisa.laine@example.fi", "kaisa.laine-at-example") \
                 .replace("2023-09-01", "31.2.2023") \
                 .replace("200003;Juha Salo", "200001;Juha Salo")
    bad += "200004;;Tie 1;00100;Helsinki;;matti.virtanen@example.fi;de;phone;1.1.2025\n"
    bad += "200005;Testi Asiakas;Tie 2;331 00;Tampere;040 12;;fi;;\n"
    before = db.session.query(Customer).count()
    response = upload(admin, bad)
    response = refused(response)
    for text in ["Rivi 2: email ei ole sähköpostiosoite", "Rivi 3: agreements_from ei ole päivämäärä",
                 "Rivi 4: asiakas 200001 on myös rivillä 2", "Rivi 6: name puuttuu", "Rivi 6: language",
                 "Rivi 6: tuntematon sopimus phone", "Rivi 6: email kuuluu asiakkaalle 100001",
                 "Rivi 7: postal_code ei ole viisi numeroa", "Rivi 7: phone ei ole puhelinnumero"]:
        assert text in response.text, text
    assert "vahvista" not in response.text
    refused(confirm(admin, bad))  # a forged confirmation is checked again
    assert db.session.query(Customer).count() == before


def test_oversized_fields_and_address_lists_are_line_errors(admin):
    """A field past the csv module's 131 072 characters, an "address" that reads as two recipients, a
    NUL: each is an error of its line in the preview, never a 500 and never imported."""
    huge = "x" * 131_073
    bad = EXAMPLE.replace("Koulukatu 4 B 7", huge) \
                 .replace("oskar.lindqvist@example.fi", "a,b@evil.example") \
                 .replace("Pajakatu 12", "Paja\x00katu 12")
    before = db.session.query(Customer).count()
    response = upload(admin, bad)
    response = refused(response)
    for text in ["Rivi 2: riviä ei voi lukea: kentässä on yli 131072 merkkiä", "Rivi 3: email ei ole sähköpostiosoite",
                 "Rivi 4: street_address sisältää ohjausmerkkejä"]:
        assert text in response.text, text
    assert huge not in response.text  # told, not echoed back
    refused(confirm(admin, bad))
    assert db.session.query(Customer).count() == before
    assert db.session.query(Customer).filter(Customer.email.like("%evil.example%")).count() == 0


HEADER = "customer_number;name;postal_code;phone;email;language;agreements;agreements_from\n"


def test_a_quote_left_open_is_its_own_lines_error_and_the_lines_after_it_are_checked(admin):
    """A quote that does not close is told on its line; it does not take the following lines into
    one field and report them as one line of too few columns."""
    text = (HEADER + '300003;"Unclosed quote;33100;;;;;\n'
            + "abc;Fine;33100;;;;;\n"
            + "300021;Fine2;33100;;;;;\n")
    response = refused(upload(admin, text))
    assert "Rivi 2: riviä ei voi lukea" in response.text
    assert '<div class="alert" id="import-errors" tabindex="-1" role="alert" autofocus>' in response.text
    assert "Rivi 3: customer_number" in response.text
    assert "Rivi 4" not in response.text
    crlf = customer_import.preview(text.replace("\n", "\r\n"))
    assert [line for line, _message in crlf.errors] == [2, 3] and len(crlf.rows) == 2


def test_a_file_not_in_utf8_is_refused(admin):
    before = db.session.query(Customer).count()
    data = {"file": (io.BytesIO((HEADER + "300010;Järvinen;33100;;;;;\n").encode("latin-1")), "asiakkaat.csv")}
    response = refused(admin.submit(URL, data, content_type="multipart/form-data"))
    assert "Tiedosto ei ole UTF-8-muotoinen" in response.text
    assert "J\ufffdrvinen" not in response.text and "vahvista" not in response.text
    assert db.session.query(Customer).count() == before
    with_mark = {"file": (io.BytesIO(("\ufeff" + HEADER + "300010;Järvinen;33100;;;;;\n").encode("utf-8")), "a.csv")}
    assert "Järvinen" in admin.submit(URL, with_mark, content_type="multipart/form-data").text


def test_an_agreement_from_outside_the_years_every_date_takes_is_a_line_error(admin):
    text = HEADER + "300011;Aino;33100;;;;billing;0001-01-01\n300012;Eino;33100;;;;billing;31.12.9999\n"
    response = refused(upload(admin, text))
    assert "Rivi 2: agreements_from ei ole vuosina 1900–2199" in response.text
    assert "Rivi 3: agreements_from ei ole vuosina 1900–2199" in response.text


def test_missing_columns_and_comma_files(admin):
    response = upload(admin, "name;city\nA;Tampere\n")
    response = refused(response)
    assert "puuttuu: customer_number" in response.text
    comma = EXAMPLE.replace(";", ",").replace("connection,billing", "connection billing") \
                   .replace("connection,service,billing", "connection service billing")
    preview = customer_import.preview(comma)
    assert not preview.errors and len(preview.rows) == 4


def test_only_the_number_and_name_are_needed_and_a_column_left_out_keeps_what_is_stored(admin):
    """As the README's table says: the other columns may be left out of the file; a new customer's are
    then empty, and an existing customer's stay as they are (an empty cell would empty them)."""
    liisa = db.session.query(Customer).filter_by(customer_number="100002").one()
    street, phone, email = liisa.street_address, liisa.phone, liisa.email
    text = "customer_number;name\n300010;Minimal Oy\n100002;Liisa Korhonen-Virta\n"
    assert "1 uusi asiakas, 1 päivitetään." in upload(admin, text).text
    assert confirm(admin, text).status_code == 303
    db.session.expire_all()
    new = db.session.query(Customer).filter_by(customer_number="300010").one()
    assert (new.name, new.street_address, new.phone, new.email, new.locale) == ("Minimal Oy", "", "", None, "fi")
    liisa = db.session.query(Customer).filter_by(customer_number="100002").one()
    assert liisa.name == "Liisa Korhonen-Virta" and (liisa.street_address, liisa.phone, liisa.email) == (street, phone,
                                                                                                         email)
    emptied = "customer_number;name;street_address\n100002;Liisa Korhonen-Virta;\n"
    assert confirm(admin, emptied).status_code == 303
    db.session.expire_all()
    assert db.session.query(Customer).filter_by(customer_number="100002").one().street_address == ""


def test_example_file_is_served(admin):
    response = admin.get(f"{URL}/esimerkki.csv")
    assert response.data.decode() == EXAMPLE
