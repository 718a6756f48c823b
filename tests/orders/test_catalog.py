"""Tilaa: the catalog by product group, in both renderings, with the reason for what cannot be ordered."""
import gzip
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Product, ProductGroup, Subscription
from app.models.base import today
from tests.conftest import HTMX
from tests.helpers import customer, page_statements, product
from tests.orders.conftest import text


def test_catalog_needs_login(client, demo_data):
    assert client.get("/tilaa").status_code == 302
    assert client.get("/tilatut-palvelut").status_code == 302


def test_groups_in_their_order_and_the_first_group_by_default(login):
    page = text(login().get("/tilaa"))
    names = ["TV-kanavat", "MIX-paketit", "Tietoturva", "Laajakaista", "Sähköposti"]
    positions = [page.index(f">{name}</a>") for name in names]
    assert positions == sorted(positions)
    assert 'href="/tilaa?ryhma=tv" hx-get="/tilaa?ryhma=tv"' in page
    assert 'aria-current="true">TV-kanavat</a>' in page
    assert "Urheilu Plus" in page and "14,90 €/kk" in page
    assert "Toistaiseksi voimassa" in page and "Määräaikainen 12 kk" in page
    assert "Edellyttää voimassa olevaa maksu-TV-korttia ja laskutussopimusta." in page
    assert "Laajakaista 300M" not in page  # another group


def test_group_by_plain_link_and_by_htmx(login):
    client = login()
    full = client.get("/tilaa?ryhma=broadband")
    assert full.status_code == 200 and "<html" in full.text
    assert 'aria-current="true">Laajakaista</a>' in full.text
    partial = client.get("/tilaa?ryhma=broadband", headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.text and partial.text.lstrip().startswith('<div id="catalog">')
    assert "Laajakaista 1000M" in partial.text and "54,90 €/kk" in text(partial)
    # No status message for a tab; the browser's title follows the group.
    assert "<title>Tilaa: Laajakaista – " in partial.text and "<p" not in partial.text.split("<hx-partial")[1]
    assert "HX-Request-Type" in partial.headers["Vary"]
    assert len(gzip.compress(partial.data)) <= 2048


def test_unknown_group_is_404(login):
    assert login().get("/tilaa?ryhma=nope").status_code == 404


def test_what_100001_has_is_not_ordered_again_and_family_offers_upgrade(login):
    page = login().get("/tilaa?ryhma=broadband").text
    assert "Sinulla on jo tämä palvelu." in page
    assert "Sinulla on jo Laajakaista 100M: voit päivittää sen." in page
    subscription_id = _subscription_of("100001", "LAAJAKAISTA-100")
    assert f'href="/tilatut-palvelut/{subscription_id}/paivita"' in page
    assert 'href="/tilaa/LAAJAKAISTA-300"' not in page


def test_a_service_ending_as_agreed_is_not_offered_for_upgrading(login):
    """Its end agreed by a termination notice, it cannot be upgraded: Tilaa says so instead of a link to
    an upgrade page that would say it, and in as many statements."""
    client = login()
    before = page_statements(client, "/tilaa?ryhma=broadband")
    subscription = db.session.get(Subscription, _subscription_of("100001", "LAAJAKAISTA-100"))
    subscription.ends_on = today() + timedelta(days=15)
    db.session.commit()
    page = text(client.get("/tilaa?ryhma=broadband"))
    assert f"Sinulla on jo Laajakaista 100M. Tämä palvelu päättyy sovitusti {subscription.ends_on:%-d.%-m.%Y}" in page
    assert f'href="/tilatut-palvelut/{subscription.id}/paivita"' not in client.get("/tilaa?ryhma=broadband").text
    review = client.get("/tilaa/LAAJAKAISTA-1000")
    assert review.status_code == 200 and "Sinulla on jo Laajakaista 100M. Tämä palvelu päättyy" in text(review)
    assert page_statements(client, "/tilaa?ryhma=broadband") == before


def test_pay_channels_need_a_card(login):
    page = login("100002").get("/tilaa?ryhma=tv").text
    # A reason every product of the group shares is said once, above the products.
    assert page.count("Maksukanavien ja MIX-pakettien tilaaminen edellyttää voimassa olevaa maksu-TV-korttia.") == 1
    assert '<div class="notice"><p>Maksukanavien' in page and 'class="reason"' not in page
    assert 'href="/tilaa/JUNIOR"' not in page


def test_ordering_needs_a_billing_agreement(login):
    client = login("100003")
    for group in ("email", "broadband", "tv"):
        page = client.get(f"/tilaa?ryhma={group}").text
        assert page.count("Tilaaminen edellyttää laskutussopimusta") == 1, group
        assert 'class="button' not in page.split("<main")[1], group  # no action that leads to a refusal
    # Nor an upgrade of what 100003 has.
    for url in ("/", "/tilatut-palvelut"):
        assert "/paivita" not in client.get(url).text


def test_a_bigger_service_held_means_customer_service_for_a_smaller_one(login):
    page = login("100002").get("/tilaa?ryhma=broadband").text
    assert "Sinulla on jo suurempi vastaava palvelu, Laajakaista 300M." in page
    assert 'href="/tilaa/LAAJAKAISTA-1000"' not in page
    assert 'href="/tilaa/LAAJAKAISTA-100"' not in page


def test_unsellable_products_are_not_shown(login):
    product("JUNIOR").sellable = False
    assert "Lastenkanava Junior" not in login().get("/tilaa?ryhma=tv").text


def test_a_change_to_the_catalogue_is_on_tilaa_at_once(login):
    """Each process keeps the catalogue (app/kept.py): a price, a product taken off sale and a new group are
    seen on the next page all the same."""
    client = login()
    assert "Lastenkanava Junior" in client.get("/tilaa?ryhma=tv").text
    product("JUNIOR").sellable = False
    product("SPORT-PLUS").price_cents = 1590
    db.session.add(ProductGroup(code="muut", name="Muut palvelut", position=99))
    db.session.commit()
    page = text(client.get("/tilaa?ryhma=tv"))
    assert "Lastenkanava Junior" not in page and "15,90 €/kk" in page and "Muut palvelut" in page


@pytest.mark.parametrize("group", ["tv", "mix", "security", "broadband", "email"])
def test_every_group_page_is_within_the_page_budget(login, group):
    page = login().get(f"/tilaa?ryhma={group}")
    assert len(gzip.compress(page.data)) <= 8 * 1024


def test_statements_do_not_grow_with_products(login):
    client = login()
    before = {g: page_statements(client, f"/tilaa?ryhma={g}") for g in ("tv", "security", "broadband")}
    tv = product("JUNIOR").group
    db.session.add_all(Product(group=tv, code=f"EXTRA-{n}", name=f"Lisäkanava {n}", price_cents=100 + n,
                               requires_pay_tv_card=True, position=100 + n) for n in range(30))
    db.session.commit()
    after = {g: page_statements(client, f"/tilaa?ryhma={g}") for g in ("tv", "security", "broadband")}
    assert after == before
    assert before["tv"] <= 10


def _subscription_of(number: str, code: str) -> int:
    from app.models import Subscription

    return db.session.scalar(db.select(Subscription.id).where(
        Subscription.customer_id == customer(number).id, Subscription.product_id == product(code).id))
