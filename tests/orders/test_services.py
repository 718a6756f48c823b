"""Tilatut palvelut: every subscription with its dates, status, price and, for security, the key."""
import gzip
import re
from datetime import timedelta

from app.extensions import db
from app.models import Order, Subscription
from app.models.base import today
from tests.helpers import customer, product, statements
from tests.orders.conftest import text


def test_in_force_first_and_ended_under_their_own_heading(login):
    page = text(login().get("/tilatut-palvelut"))
    assert "<h1>Tilatut palvelut</h1>" in page
    current, ended = page.split('<h2 id="ended">Päättyneet</h2>')
    for name in ("Laajakaista 100M", "MIX 6", "F-Secure TURVAPAKETTI 3 laitetta"):
        assert name in current
    assert "Jääkiekkokausi" in ended and "Jääkiekkokausi" not in current
    # A badge and one validity line per service; the month's total of those in force.
    current, ended = (" ".join(re.sub(r"<[^>]+>", " ", part).split()) for part in (current, ended))
    assert "voimassa Voimassa 1.3.2019 alkaen, toistaiseksi" in current and "Päättyy" not in current
    assert "päättynyt Päättyi 31.8.2024" in ended
    assert "29,90 €/kk" in current and "Kuukausimaksut yhteensä 52,70 €/kk" in current


def test_security_products_show_key_download_and_asenna(login):
    page = login().get("/tilatut-palvelut").text
    # The key is text; a copy button for it, hidden until the script can copy (static/copy.js).
    assert '<code id="key-' in page and ">FSTP-0001-DEMO-3001</code>" in page
    assert 'class="secondary copy" data-copy="key-' in page and "hidden>Kopioi</button>" in page
    page = page.replace("\xa0", " ")
    assert '<a class="button" href="https://download.example.fi/turvapaketti/"' in page and "Lataa ohjelmisto" in page
    assert "paina Asenna" in page


def test_validity_text_and_no_cancelling_here(login):
    page = text(login().get("/tilatut-palvelut"))
    assert "Palvelut ovat voimassa toistaiseksi tai määräajan." in page
    assert "Tilauksia ei voi perua Omahallinnassa" in page
    assert "kirjallisesti" in page and "03 450 51" in page


def test_pending_and_coming_are_shown(login):
    client = login("100002")
    liisa = customer("100002")
    db.session.add(Subscription(customer=liisa, product=product("TURVAPAKETTI-5"), starts_on=today(),
                                status="pending"))
    db.session.add(Subscription(customer=liisa, product=product("LISAPOSTILAATIKKO"),
                                starts_on=today() + timedelta(days=3)))
    db.session.commit()
    page = text(client.get("/tilatut-palvelut"))
    current = page.split("Voimassaolo ja irtisanominen")[0]
    assert "tulossa – odottaa asiakaspalvelun käsittelyä" in current
    assert "Lisäsähköpostilaatikko" in current and "tulossa" in current


def test_only_upgradable_services_offer_upgrade(login):
    page = login().get("/tilatut-palvelut").text
    for code in ("LAAJAKAISTA-100", "MIX-6", "TURVAPAKETTI-3"):
        subscription = db.session.scalar(db.select(Subscription.id).where(
            Subscription.product_id == product(code).id, Subscription.customer_id == customer("100001").id))
        assert f'href="/tilatut-palvelut/{subscription}/paivita"' in page
    assert page.count("/paivita") == 3


def test_statements_and_weight_do_not_grow_with_subscriptions(login):
    client = login()

    def page():
        with statements() as seen:
            response = client.get("/tilatut-palvelut")
        return len(seen), response

    before, _ = page()
    matti = customer("100001")
    for n in range(10):
        subscription = Subscription(customer=matti, product=product("KIEKKOKAUSI"), status="ended",
                                    starts_on=today() - timedelta(days=800 + n),
                                    ends_on=today() - timedelta(days=400 + n))
        db.session.add(Order(customer=matti, product=product("KIEKKOKAUSI"), subscription=subscription,
                             status="delivered", idempotency_key=f"old-{n}", price_cents=1990, vat_basis_points=2550))
    db.session.commit()
    after, response = page()
    assert after == before
    assert len(gzip.compress(response.data)) <= 8 * 1024
