"""Upgrades (S3): a higher rank of the same family replaces a subscription in force, both today."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MixChoice, Order, OutboxMessage, Subscription
from app.models.base import today
from app.services import licences
from tests.conftest import HTMX
from tests.helpers import customer, product, refused
from tests.orders.conftest import empty_pool, form_data, snapshot, text


def subscription_of(number: str, code: str) -> Subscription:
    return db.session.scalar(select(Subscription).where(
        Subscription.customer_id == customer(number).id, Subscription.product_id == product(code).id))


def upgrade_url(number: str, code: str) -> str:
    return f"/tilatut-palvelut/{subscription_of(number, code).id}/paivita"


def test_upgrade_page_lists_higher_ranks_with_the_difference(login):
    client = login()
    page = text(client.get(upgrade_url("100001", "LAAJAKAISTA-100")))
    assert "Päivitä Laajakaista 100M" in page
    assert "Laajakaista 300M" in page and "10,00 €/kk nykyistä enemmän" in page
    assert "Laajakaista 1000M" in page and "25,00 €/kk nykyistä enemmän" in page
    assert page.count("Vahvista päivitys") == 2
    assert "Muutoksia pienempään palveluun ei tehdä täällä" in page and "03 450 51" in page


def test_the_upgrade_page_counts_from_the_price_the_customer_pays(login):
    """A price change applies to new orders: the customer who ordered at 29,90 € still pays it, so the
    page says that, and the difference is counted from it."""
    client = login("100002")
    subscription = subscription_of("100002", "LAAJAKAISTA-300")
    paid = db.session.scalar(select(Order.price_cents).where(Order.subscription_id == subscription.id))
    product("LAAJAKAISTA-300").price_cents = paid + 500
    db.session.commit()
    page = text(client.get(f"/tilatut-palvelut/{subscription.id}/paivita"))
    euros = f"{paid // 100},{paid % 100:02d} €/kk"
    assert f"hintaan {euros}" in page, page
    difference = product("LAAJAKAISTA-1000").price_cents - paid
    assert f"{difference // 100},{difference % 100:02d} €/kk nykyistä enemmän" in page


def test_a_higher_rank_that_costs_less_or_the_same_says_so(login):
    """A price agreed before a change of prices may be above a higher rank's price today: never a
    negative "more than now"."""
    client = login("100002")
    subscription = subscription_of("100002", "LAAJAKAISTA-300")
    paid = db.session.scalar(select(Order.price_cents).where(Order.subscription_id == subscription.id))
    product("LAAJAKAISTA-1000").price_cents = paid - 690
    db.session.commit()
    page = text(client.get(f"/tilatut-palvelut/{subscription.id}/paivita"))
    assert "6,90 €/kk nykyistä vähemmän" in page and "-6,90" not in page
    product("LAAJAKAISTA-1000").price_cents = paid
    db.session.commit()
    page = text(client.get(f"/tilatut-palvelut/{subscription.id}/paivita"))
    assert "Sama hinta kuin nyt" in page and "0,00 €/kk" not in page


def test_nothing_higher_says_so(login):
    client = login("100002")
    subscription = subscription_of("100002", "LAAJAKAISTA-300")
    upgrade = f'href="/tilatut-palvelut/{subscription.id}/paivita"'
    assert upgrade in client.get("/tilatut-palvelut").text
    product("LAAJAKAISTA-1000").sellable = False
    db.session.commit()
    page = text(client.get(f"/tilatut-palvelut/{subscription.id}/paivita"))
    assert "Sinulla on jo tämän palvelun suurin vaihtoehto." in page
    assert upgrade not in client.get("/tilatut-palvelut").text  # the kept top ranks (app/kept.py) saw it
    product("LAAJAKAISTA-1000").sellable = True
    db.session.commit()
    assert upgrade in client.get("/tilatut-palvelut").text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_upgrade_ends_the_old_today_and_starts_the_new_today(login, htmx):
    client = login()
    old = subscription_of("100001", "LAAJAKAISTA-100")
    url = f"/tilatut-palvelut/{old.id}/paivita"
    response = client.post(url, data=form_data(client.get(url).text, product="LAAJAKAISTA-300"),
                           headers=HTMX if htmx else None)
    order = db.session.scalar(select(Order).where(Order.kind == "upgrade"))
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert response.headers["HX-Push-Url"] == f"/tilaus/{order.id}"
        assert f"Laajakaista 100M päättyi {today():%-d.%-m.%Y}." in response.text
    else:
        assert response.status_code == 303 and response.headers["Location"] == f"/tilaus/{order.id}"
    old = db.session.get(Subscription, old.id)
    new = order.subscription
    assert (old.status, old.ends_on) == ("ended", today())
    assert (new.status, new.starts_on, new.ends_on, new.replaces_id) == ("active", today(), None, old.id)
    assert order.replaces_subscription_id == old.id and order.price_cents == 3990
    event = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "order.created"))
    assert event.payload["data"]["kind"] == "upgrade"
    assert event.payload["data"]["replaces_subscription_id"] == old.id
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "order_receipt"))

    services = text(client.get("/tilatut-palvelut"))
    current, ended = services.split("Päättyneet")
    assert "Laajakaista 300M" in current and "Laajakaista 100M" in ended


def test_mix_upgrade_keeps_the_channel_choices(login):
    client = login()
    old = subscription_of("100001", "MIX-6")
    chosen = sorted(c.channel_id for c in old.mix_choices)
    assert len(chosen) == 4
    url = f"/tilatut-palvelut/{old.id}/paivita"
    assert client.post(url, data=form_data(client.get(url).text, product="MIX-10")).status_code == 303
    new = db.session.scalar(select(Subscription).where(Subscription.replaces_id == old.id))
    assert sorted(c.channel_id for c in new.mix_choices) == chosen
    # The ended MIX 6 keeps its own: a rejected upgrade gives it back as it was.
    assert sorted(db.session.scalars(select(MixChoice.channel_id).where(MixChoice.subscription_id == old.id))) == chosen


@pytest.mark.parametrize("target", ["LAAJAKAISTA-100", "MIX-10", "JUNIOR"])
def test_same_rank_lower_rank_or_another_family_is_422(login, target):
    client = login()
    url = upgrade_url("100001", "LAAJAKAISTA-100")
    data = form_data(client.get(url).text, product=target)
    before = snapshot()
    response = client.post(url, data=data)
    response = refused(response)
    assert "Täällä voi tilata vain samanlaisen, suuremman palvelun." in response.text
    assert snapshot() == before


def test_an_unknown_product_in_an_upgrade_is_404(login):
    client = login()
    url = upgrade_url("100001", "LAAJAKAISTA-100")
    before = snapshot()
    assert client.post(url, data=form_data(client.get(url).text, product="NOPE")).status_code == 404
    assert snapshot() == before


def test_an_ended_subscription_cannot_be_upgraded_again(login):
    client = login()
    url = upgrade_url("100001", "LAAJAKAISTA-100")
    page = client.get(url).text
    assert client.post(url, data=form_data(page, product="LAAJAKAISTA-300")).status_code == 303
    before = snapshot()
    response = client.post(url, data=form_data(page, product="LAAJAKAISTA-1000", idempotency_key="y" * 24))
    response = refused(response)
    assert "ei ole enää voimassa" in response.text
    assert snapshot() == before


def test_upgrade_needs_the_card_again(login):
    client = login()
    url = upgrade_url("100001", "MIX-6")
    data = form_data(client.get(url).text, product="MIX-10")
    for card in customer("100001").pay_tv_cards:
        db.session.delete(card)
    db.session.commit()
    before = snapshot()
    response = client.post(url, data=data)
    response = refused(response)
    assert "maksu-TV-korttia" in response.text
    assert snapshot() == before


def test_another_customers_subscription_is_404(login):
    client = login("100002")
    url = upgrade_url("100001", "LAAJAKAISTA-100")
    assert client.get(url).status_code == 404
    data = form_data(client.get(upgrade_url("100002", "LAAJAKAISTA-300")).text, product="LAAJAKAISTA-300")
    before = snapshot()
    assert client.post(url, data=data).status_code == 404
    assert snapshot() == before
    assert client.get("/tilatut-palvelut/999999/paivita").status_code == 404


def test_a_product_without_a_family_has_no_upgrade(login):
    client = login()
    ended = subscription_of("100001", "KIEKKOKAUSI")
    assert client.get(f"/tilatut-palvelut/{ended.id}/paivita").status_code == 404


def test_a_security_upgrade_without_keys_keeps_the_old_until_a_key_comes(login):
    empty_pool("TURVAPAKETTI-5")
    client = login()
    old = subscription_of("100001", "TURVAPAKETTI-3")
    url = f"/tilatut-palvelut/{old.id}/paivita"
    assert client.post(url, data=form_data(client.get(url).text, product="TURVAPAKETTI-5")).status_code == 303
    new = db.session.scalar(select(Subscription).where(Subscription.replaces_id == old.id))
    assert new.status == "pending" and db.session.get(Subscription, old.id).status == "active"
    assert "Päivitä" not in text(client.get("/tilatut-palvelut")).split("TURVAPAKETTI 3")[1].split("</li>")[0]

    from app.models import LicenceKey
    db.session.add(LicenceKey(product=product("TURVAPAKETTI-5"), key="FSTP-UP-0001"))
    db.session.commit()
    assert licences.assign_pending(product("TURVAPAKETTI-5").id) == 1
    db.session.commit()
    old, new = db.session.get(Subscription, old.id), db.session.get(Subscription, new.id)
    assert (old.status, old.ends_on, new.status, new.licence_key.key) == ("ended", today(), "active", "FSTP-UP-0001")
