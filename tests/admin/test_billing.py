"""Laskutus (S7): prorated monthly charges, checked by hand on a month with upgrades and ends."""
import csv
import io
import json
from datetime import date

import pytest

from app.extensions import db
from app.models import Customer, Order, Product, ProductGroup, Subscription
from app.services import billing
from tests.helpers import refused

NOV = "2026-11"  # 30 days


@pytest.fixture
def month_data():
    group = ProductGroup(code="g", name="Ryhmä")
    p = {code: Product(group=group, code=code, name=name, price_cents=price)
         for code, name, price in [("B-NET", "Laajakaista", 2990), ("B-MIX-3", "MIX 3", 990),
                                   ("B-MIX-6", "MIX 6", 1690), ("B-SPORT", "Urheilu", 1490),
                                   ("B-JUNIOR", "Junior", 590)]}
    a = Customer(customer_number="500001", name="Aino")
    b = Customer(customer_number="500002", name="Bertta")

    def sub(customer, code, starts, ends=None, status="active", price=None, order_status="delivered"):
        s = Subscription(customer=customer, product=p[code], starts_on=starts, ends_on=ends, status=status)
        db.session.add(Order(customer=customer, product=p[code], subscription=s, status=order_status,
                             idempotency_key=f"{customer.customer_number}-{code}-{starts}",
                             price_cents=price or p[code].price_cents, vat_basis_points=2550))
        return s

    sub(a, "B-NET", date(2020, 1, 1))                                      # whole month: 30 days
    old = sub(a, "B-MIX-3", date(2025, 1, 1), date(2026, 11, 10), "ended")  # upgraded on the 11th: 10 days
    new = sub(a, "B-MIX-6", date(2026, 11, 11), price=1590)                # the order's price, not today's 1690
    new.replaces = old
    sub(b, "B-SPORT", date(2026, 11, 5), date(2026, 11, 19))               # 15 days
    sub(b, "B-JUNIOR", date(2026, 11, 24))                                 # 7 days
    sub(b, "B-MIX-3", date(2026, 11, 2), status="pending", order_status="pending")       # not delivered
    sub(b, "B-MIX-6", date(2026, 11, 3), status="cancelled", order_status="rejected")  # never in force
    sub(b, "B-NET", date(2024, 1, 1), date(2026, 10, 31), "ended")         # ended before the month
    sub(b, "B-SPORT", date(2026, 12, 1))                                   # starts after
    db.session.add_all([a, b])
    db.session.commit()


def test_sums_by_hand(month_data):
    customers = billing.charges(NOV)
    assert [c.customer_number for c in customers] == ["500001", "500002"]
    aino, bertta = customers
    assert [(line.product_code, line.days, line.amount_cents, line.vat_cents) for line in aino.lines] == [
        ("B-NET", 30, 2990, 608), ("B-MIX-3", 10, 330, 67), ("B-MIX-6", 20, 1060, 215)]
    assert [(line.product_code, line.days, line.amount_cents, line.vat_cents) for line in bertta.lines] == [
        ("B-SPORT", 15, 745, 151), ("B-JUNIOR", 7, 138, 28)]  # 590 × 7 / 30 = 137.67 → 138
    assert (aino.total_cents, aino.vat_cents) == (4380, 890)
    assert (bertta.total_cents, bertta.vat_cents) == (883, 179)


def test_rounding_is_half_up():
    assert billing.prorate(100, 1, 8) == 13  # 12.5 → 13
    assert billing.prorate(100, 1, 3) == 33
    assert billing.vat_part(1255, 2550) == 255


def test_csv_download_opens_in_finnish_excel(admin, month_data):
    response = admin.get(f"/hallinta/laskutus/{NOV}.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Kuukausi", "Asiakasnumero", "Tuotekoodi"]
    assert ["2026-11", "500001", "B-MIX-6", "MIX 6", "20", "1590", "1060", "25,5", "215"] in rows
    assert ["2026-11", "500002", "", "Yhteensä", "", "", "883", "", "179"] in rows


def test_json_download(admin, month_data):
    data = json.loads(admin.get(f"/hallinta/laskutus/{NOV}.json").data)
    by_number = {c["customer_number"]: c for c in data["customers"]}
    assert by_number["500002"]["total_cents"] == 883
    assert by_number["500002"]["lines"][0]["days"] == 15
    assert data["total_cents"] == sum(c["total_cents"] for c in data["customers"])


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_downloads_are_never_stored_by_a_cache(admin, month_data, fmt):
    """The charges of every customer: no shared cache and no browser disk may keep a copy."""
    response = admin.get(f"/hallinta/laskutus/{NOV}.{fmt}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_page_shows_totals_and_refuses_bad_month(admin, month_data):
    total = sum(c.total_cents for c in billing.charges(NOV))
    page = admin.get(f"/hallinta/laskutus?kuukausi={NOV}")
    assert f"{total // 100},{total % 100:02d}" in page.text
    assert 'href="/hallinta/laskutus/2026-11.csv"' in page.text
    refused(admin.get("/hallinta/laskutus?kuukausi=marraskuu"))


@pytest.mark.parametrize("month", ["marraskuu", "0", "2026-13", "..", "٢٠٢٦-11", "２０２６-11", "2026-11x", "2200-01",
                                   "1899-12", "0000-01"])
def test_export_of_a_bad_month_is_a_404_with_the_reason(admin, month):
    response = admin.get(f"/hallinta/laskutus/{month}.csv")
    assert response.status_code == 404
    assert "Anna kuukausi muodossa VVVV-KK" in response.text


def test_command_line_export(runner, month_data, tmp_path):
    result = runner.invoke(args=["billing", "export", NOV])
    assert result.exit_code == 0, result.output
    assert "500002;;Yhteensä;;;883;;179" in result.output
    out = tmp_path / "nov.json"
    result = runner.invoke(args=["billing", "export", NOV, "--format", "json", "-o", str(out)])
    assert json.loads(out.read_text())["vat_cents"] == 890 + 179
    assert runner.invoke(args=["billing", "export", "2026-13"]).exit_code != 0
