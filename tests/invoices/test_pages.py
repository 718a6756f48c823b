"""Laskut: the customer's invoices newest first, each with its lines and payment details, and its
PDF for its owner only."""
import gzip
import json
import re
from datetime import date, timedelta

from app.extensions import db
from app.models import Invoice
from app.models.base import today
from app.services import billing
from app.services.demo import DEMO_PDF
from tests.helpers import PASSWORDS, customer_id, page_statements, record_invoice
from tests.orders.conftest import text


def logged_in(client, number="100001"):
    client.login(number, PASSWORDS[number])
    return client


def matti_invoices() -> list[Invoice]:
    return db.session.query(Invoice).filter_by(customer_id=customer_id("100001")).order_by(
        Invoice.invoice_date.desc()).all()


def test_the_menu_has_laskut_after_tilatut_palvelut(client, demo_data):
    page = logged_in(client).get("/laskut").text
    assert page.index('href="/tilatut-palvelut"') < page.index('href="/laskut"') < page.index('href="/kayttajatiedot"')


def test_invoices_are_listed_newest_first(client, demo_data):
    page = logged_in(client).get("/laskut").text
    newest, *older = matti_invoices()
    assert page.index(newest.number) < page.index(older[0].number) < page.index(older[1].number)
    # The newest is past its due date and unpaid: overdue, as Etusivu says (its status is "open").
    assert f'href="/laskut/{newest.id}"' in page and "erääntynyt" in page and "maksettu" in page
    assert newest.invoice_date.strftime("%-d.%-m.%Y") in page and "€" in page


def test_an_invoice_page_shows_its_lines_and_how_to_pay(client, demo_data):
    record_invoice(customer_number="100001", number="2026-000777", reference="RF09 8685 1625 9619 897")
    invoice = db.session.query(Invoice).filter_by(number="2026-000777").one()
    page = text(logged_in(client).get(f"/laskut/{invoice.id}"))
    assert "<h1>Lasku 2026-000777</h1>" in page
    assert "Laajakaista 300M · 11/2026" in page and "Reititinvuokra" in page
    assert "RF09 8685 1625 9619 897" in page and "FI79 4405 2020 0360 82" in page
    assert '<code id="barcode">579440520200360820000500009000000868516259619897261115</code>' in page
    # Copy buttons for the barcode, the account and the reference, shown only where the script can copy.
    for copied in ("barcode", "iban", "reference"):
        assert f'data-copy="{copied}" data-done="Kopioitu" aria-describedby="{copied}-label" hidden>Kopioi' in page
    assert "50,00 €" in page and "39,84 €" in page and "10,16 €" in page and "25,5 %" in page
    assert "15.11.2026" in page and f'href="/laskut/{invoice.id}/pdf"' in page


def test_the_page_in_swedish_and_english(client, demo_data):
    client = logged_in(client)
    invoice = matti_invoices()[0]
    url = f"/laskut/{invoice.id}"
    for language, words in (("sv", ("Fakturor", "Referensnummer", "Virtuell streckkod", "förfallen", "(25,5 %)")),
                            ("en", ("Invoices", "Reference number", "Virtual barcode", "overdue", "(25,5 %)"))):
        client.submit("/kieli", {"lang": language, "next": url}, page=url)
        page = client.get(url).text
        assert all(word in page for word in words), language
        upcoming = client.get("/laskut").text.split('id="upcoming"')[1]
        assert {"sv": "Bredband 100M", "en": "Broadband 100M"}[language] in upcoming
        assert "Laajakaista 100M" not in upcoming


def test_the_pdf_is_an_attachment_for_its_owner(client, demo_data):
    invoice = matti_invoices()[0]
    response = logged_in(client).get(f"/laskut/{invoice.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data == DEMO_PDF
    assert response.headers["Content-Disposition"] == f"attachment; filename=lasku-{invoice.number}.pdf"


def test_another_customers_invoice_and_pdf_are_404(client, demo_data):
    invoice = matti_invoices()[0]
    liisa = logged_in(client, "100002")
    assert liisa.get(f"/laskut/{invoice.id}").status_code == 404
    pdf = liisa.get(f"/laskut/{invoice.id}/pdf")
    assert pdf.status_code == 404 and DEMO_PDF not in pdf.data
    assert invoice.number not in liisa.get("/laskut").text
    assert liisa.get("/laskut/2147483647").status_code == 404


def test_without_a_pdf_there_is_no_link_and_no_file(client, demo_data):
    invoice = record_invoice(customer_number="100001", number="ILMAN-PDF", pdf=None)
    client = logged_in(client)
    assert "/pdf" not in client.get(f"/laskut/{invoice.id}").text
    assert client.get(f"/laskut/{invoice.id}/pdf").status_code == 404


def test_logged_out_goes_to_the_login(client, demo_data):
    assert client.get("/laskut").status_code == 302
    assert client.get(f"/laskut/{matti_invoices()[0].id}/pdf").status_code == 302


def test_a_customer_without_invoices(client, demo_data):
    assert "Sinulla ei ole vielä laskuja." in logged_in(client, "100002").get("/laskut").text


def test_budgets_hold_with_36_invoices(client, demo_data):
    client = logged_in(client)
    few = page_statements(client, "/laskut")
    first = date(2023, 1, 1)
    for n in range(33):
        day = first + timedelta(days=31 * n)
        record_invoice(customer_number="100001", number=f"B-{n:03d}", invoice_date=day.isoformat(),
                       due_date=(day + timedelta(days=14)).isoformat())
    assert len(matti_invoices()) == 36
    assert page_statements(client, "/laskut") == few
    assert len(gzip.compress(client.get("/laskut").data)) <= 8192
    assert len(gzip.compress(client.get(f"/laskut/{matti_invoices()[0].id}").data)) <= 8192


def test_overdue_invoices_are_on_etusivu_with_how_to_pay(client, demo_data):
    today_ = today()
    record_invoice(customer_number="100002", number="MYOHASSA", invoice_date=(today_ - timedelta(days=30)).isoformat(),
                   due_date=(today_ - timedelta(days=1)).isoformat())
    record_invoice(customer_number="100002", number="MAKSETTU", status="paid",
                   invoice_date=(today_ - timedelta(days=30)).isoformat(),
                   due_date=(today_ - timedelta(days=2)).isoformat())
    record_invoice(customer_number="100002", number="TULEVA", invoice_date=today_.isoformat(),
                   due_date=(today_ + timedelta(days=14)).isoformat())
    page = text(logged_in(client, "100002").get("/"))
    overdue = page.split('<h2 id="overdue">Erääntyneet laskut</h2>')[1].split("</section>")[0]
    assert "Lasku MYOHASSA" in overdue and "50,00 €" in overdue
    assert "FI79 4405 2020 0360 82" in overdue and "86851 62596 19897" in overdue
    assert "MAKSETTU" not in page and "TULEVA" not in page


def test_no_overdue_section_when_all_is_paid(client, demo_data):
    db.session.query(Invoice).update({"status": "paid"})
    db.session.commit()
    assert 'id="overdue"' not in logged_in(client).get("/").text


def test_upcoming_charges_are_the_billing_exports_to_the_cent(client, demo_data):
    export = json.loads(billing.to_json(f"{today():%Y-%m}", billing.charges(f"{today():%Y-%m}")))
    matti = next(c for c in export["customers"] if c["customer_number"] == "100001")
    page = text(logged_in(client).get("/laskut"))
    upcoming = page.split('<h2 id="upcoming">Tulevat veloitukset</h2>')[1].split("</section>")[0]
    assert "laskutusjärjestelmämme" in upcoming
    for line in matti["lines"]:
        assert f"<td>{line['product_name']}</td><td>{line['days']}</td>" in upcoming
    total = f"{matti['total_cents'] // 100},{matti['total_cents'] % 100:02d} €"
    assert f"<td>{total}</td></tr></tfoot>" in upcoming
    assert billing.month_so_far(customer_id("100001"), today()).total_cents == matti["total_cents"]


def test_upcoming_charges_are_only_the_customers_own(client, demo_data):
    page = text(logged_in(client, "100003").get("/laskut"))
    upcoming = page.split('<h2 id="upcoming">Tulevat veloitukset</h2>')[1]
    assert "Laajakaista 100M" in upcoming and "MIX 6" not in upcoming and "Laajakaista 300M" not in upcoming


def test_an_unpaid_invoice_past_its_due_date_is_shown_overdue(client, demo_data):
    """As Etusivu lists it: the due date decides, though the billing system may report the status a
    day late; a paid one stays paid."""
    late = record_invoice(customer_number="100001", number="2026-000888", status="open",
                          invoice_date=(today() - timedelta(days=30)).isoformat(),
                          due_date=(today() - timedelta(days=1)).isoformat())
    logged_in(client)
    assert "erääntynyt" in text(client.get(f"/laskut/{late.id}"))
    row = re.search(r"<tr><td><a[^>]*>2026-000888</a>.*?</tr>", client.get("/laskut").text).group(0)
    assert "erääntynyt" in row and "2026-000888" in text(client.get("/"))
    late.status = "paid"
    db.session.commit()
    assert "erääntynyt" not in text(client.get(f"/laskut/{late.id}"))


def test_an_invoice_the_billing_system_reports_overdue_is_on_etusivu_before_its_due_date(client, demo_data):
    """Laskut shows the status the billing system reports; Etusivu lists the same invoice."""
    reported = record_invoice(customer_number="100002", number="ILMOITETTU", status="overdue",
                              invoice_date=(today() - timedelta(days=3)).isoformat(),
                              due_date=(today() + timedelta(days=10)).isoformat())
    logged_in(client, "100002")
    assert "erääntynyt" in text(client.get(f"/laskut/{reported.id}"))
    overdue = text(client.get("/")).split('<h2 id="overdue">Erääntyneet laskut</h2>')[1].split("</section>")[0]
    assert "Lasku ILMOITETTU" in overdue


def test_an_invoice_paid_in_part_says_so_on_etusivu_and_laskut(client, demo_data):
    """Past its due date it is still asked for, but not as if nothing had been paid."""
    part = record_invoice(customer_number="100002", number="OSITTAIN", status="partially_paid",
                          invoice_date=(today() - timedelta(days=30)).isoformat(),
                          due_date=(today() - timedelta(days=1)).isoformat())
    logged_in(client, "100002")
    overdue = text(client.get("/")).split('<h2 id="overdue">Erääntyneet laskut</h2>')[1].split("</section>")[0]
    assert "Lasku OSITTAIN" in overdue and "50,00 €, maksettu osittain, eräpäivä" in overdue
    assert "osittain maksettu, erääntynyt" in text(client.get(f"/laskut/{part.id}"))
    row = re.search(r"<tr><td><a[^>]*>OSITTAIN</a>.*?</tr>", client.get("/laskut").text).group(0)
    assert "osittain maksettu, erääntynyt" in row
