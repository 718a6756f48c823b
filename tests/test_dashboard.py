"""Etusivu: who is logged in, what they have in force and pay a month, what is pending, what to do next."""
import re

from app.extensions import db
from app.models import Customer, Order, Product, Subscription
from app.models.base import today
from tests.helpers import statements


def test_etusivu_lists_services_in_force_only(client, demo_data):
    client.login()
    page = client.get("/").text
    assert "Tervetuloa, Matti Virtanen" in page
    assert "Asiakasnumero 100001" in page
    assert "Laajakaista 100M" in page and "16,90\xa0€/kk" in page
    assert "Jääkiekkokausi" not in page  # ended in 2024
    assert 'class="shortcuts"' not in page  # the menu is not repeated


def test_etusivu_totals_the_month_and_offers_each_service_its_next_action(client, demo_data):
    client.login()
    page = client.get("/").text
    # 29,90 + 16,90 + 5,90, VAT included, as the invoice sums the lines of a whole month.
    assert re.search(r'class="total">Kuukausimaksut yhteensä <strong>52,70\xa0€/kk</strong> <span class="note">'
                     r'Sisältää ALV:n', page)
    assert "Voimassa 15.1.2021 alkaen, toistaiseksi" in page
    for action, target in (("Vaihda kanavia", "/mix"), ("Lataa ohjelmisto", "https://"), ("Päivitä", "/paivita")):
        link = rf'<a class="button[^"]*" href="[^"]*{re.escape(target)}[^"]*"[^>]*>{action}</a>'
        assert re.search(link, page), action


def test_the_total_is_the_ordered_price_not_todays(client, demo_data):
    """A price change in the catalog does not change what an earlier order is charged (billing.charges)."""
    customer = db.session.query(Customer).filter_by(customer_number="100002").one()
    product = db.session.query(Product).filter_by(code="TURVAPAKETTI-5").one()
    subscription = Subscription(customer=customer, product=product, starts_on=today(), status="active")
    db.session.add(Order(customer=customer, product=product, subscription=subscription, status="delivered",
                         idempotency_key="k1", price_cents=790, vat_basis_points=2550))
    product.price_cents = 990
    db.session.commit()
    client.login("100002", "Sade-Metsa-Tuoli-38")
    page = client.get("/").text
    assert "<p>7,90\xa0€/kk ·" in page and "<p>9,90\xa0€/kk" not in page


def test_pending_orders_are_shown(client, demo_data):
    customer = db.session.query(Customer).filter_by(customer_number="100002").one()
    product = db.session.query(Product).filter_by(code="TURVAPAKETTI-5").one()
    subscription = Subscription(customer=customer, product=product, starts_on=today(), status="pending")
    db.session.add(Order(customer=customer, product=product, subscription=subscription, status="pending",
                         idempotency_key="k1", price_cents=890, vat_basis_points=2550))
    db.session.commit()
    client.login("100002", "Sade-Metsa-Tuoli-38")
    page = client.get("/").text
    assert "Vireillä olevat tilaukset" in page
    assert re.search(r"F-Secure TURVAPAKETTI 5 laitetta</strong> · tilattu [0-9.]+ · "
                     r'<span class="badge coming">odottaa', page)


def test_another_customers_services_are_not_shown(client, demo_data):
    client.login("100002", "Sade-Metsa-Tuoli-38")
    page = client.get("/").text
    assert "Liisa Korhonen" in page
    assert "MIX 6" not in page and "Matti" not in page


def test_statement_count_does_not_grow_with_subscriptions(app, client, demo_data):
    client.login()

    def count_statements() -> int:
        with statements() as seen:
            assert client.get("/").status_code == 200
        return len(seen)

    before = count_statements()
    customer = db.session.query(Customer).filter_by(customer_number="100001").one()
    for product in db.session.query(Product).filter_by(requires_pay_tv_card=True, family=None):
        db.session.add(Subscription(customer=customer, product=product, starts_on=today()))
    db.session.commit()
    assert count_statements() == before
