"""Ordering in two steps: review, confirm once, receipt; every rule checked again on the server."""
import gzip
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Order, OutboxMessage, Subscription
from app.models.base import today
from app.services import licences, outbox
from tests.conftest import HTMX
from tests.helpers import customer, product, refused
from tests.orders.conftest import confirm, empty_pool, form_data, snapshot, text


def test_review_page_tells_everything_and_orders_nothing(login):
    client = login()
    before = snapshot()
    page = client.get("/tilaa/JUNIOR")
    assert page.status_code == 200
    body = text(page)
    for words in ("Lastenkanava Junior", "5,90 €/kk", "sis. alv 25,5 %", "Toistaiseksi voimassa",
                  today().strftime("%-d.%-m.%Y"), "Veloitetaan kuukausilaskullasi.", "Vahvista tilaus",
                  "Mitään ei tilata ennen kuin vahvistat tilauksen."):
        assert words in body
    assert 'name="idempotency_key"' in body
    assert snapshot() == before


def test_confirming_creates_order_subscription_audit_email_and_event(login, smtp):
    client = login()
    response = confirm(client, "/tilaa/JUNIOR")
    assert response.status_code == 303
    order = db.session.scalar(select(Order).where(Order.idempotency_key.not_like("demo-%")))
    assert response.headers["Location"] == f"/tilaus/{order.id}"
    assert (order.kind, order.status, order.price_cents, order.vat_basis_points) == ("new", "new", 590, 2550)
    subscription = order.subscription
    assert subscription.customer_id == customer("100001").id
    assert (subscription.status, subscription.starts_on, subscription.ends_on) == ("active", today(), None)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "order.new"))
    assert audit.details["order_id"] == order.id and audit.customer_id == order.customer_id
    event = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "order.created"))
    assert event.payload["data"].items() >= {"order_id": order.id, "kind": "new", "product": "JUNIOR",
                                             "price_cents": 590, "status": "new"}.items()
    receipt = text(client.get(response.headers["Location"]))
    assert f"Tilaus {order.id}" in receipt and receipt.count("Kiitos tilauksestasi!") == 1
    main = receipt.split("<main")[1]  # the number once, in the heading
    assert main.count(f">Tilaus {order.id}</h1>") == 1 and "Tilausnumero" not in main
    assert "5,90 €/kk" in receipt

    assert outbox.deliver_due() == 2
    [mail] = smtp.messages
    assert mail["Subject"] == f"Tilausvahvistus {order.id}"
    assert "Lastenkanava Junior" in mail.get_content() and "kuukausilaskullasi" in mail.get_content()


def test_confirming_with_htmx_swaps_in_the_receipt(login):
    client = login()
    response = confirm(client, "/tilaa/JUNIOR", htmx=True)
    order = db.session.scalar(select(Order).where(Order.idempotency_key.not_like("demo-%")))
    assert response.status_code == 200
    assert "<html" not in response.text and response.text.lstrip().startswith('<div id="order">')
    assert f"Tilaus {order.id}" in response.text
    assert response.headers["HX-Push-Url"] == f"/tilaus/{order.id}"
    assert '<hx-partial hx-target="#status"' in response.text and "Kiitos tilauksestasi!" in response.text
    # A page of its own at a new address: its title too, as a load of /tilaus/<n> gives it (WCAG 2.4.2).
    assert f"<title>Tilaus {order.id} – " in response.text
    assert len(gzip.compress(response.data)) <= 2048


def test_a_fixed_term_product_ends_after_its_term(login):
    confirm(login(), "/tilaa/KIEKKOKAUSI")
    subscription = db.session.scalar(select(Subscription).where(Subscription.product_id == product("KIEKKOKAUSI").id,
                                                               Subscription.status == "active"))
    assert subscription.ends_on == licences.end_date(today(), 12)
    assert subscription.ends_on.year == today().year + 1


def test_the_same_form_twice_gives_one_order_and_the_same_receipt(login):
    client = login()
    data = form_data(client.get("/tilaa/JUNIOR").text)
    first = client.post("/tilaa/JUNIOR", data=data)
    second = client.post("/tilaa/JUNIOR", data=data)
    third = client.post("/tilaa/JUNIOR", data=data, headers=HTMX)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert third.headers["HX-Push-Url"] == first.headers["Location"]
    assert db.session.scalar(select(db.func.count()).select_from(Order).where(
        Order.product_id == product("JUNIOR").id)) == 1
    assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "order.created")).all()) == 1


def test_a_new_review_page_after_an_order_refuses_a_second_one(login):
    client = login()
    data = form_data(client.get("/tilaa/JUNIOR").text)
    client.post("/tilaa/JUNIOR", data=data)
    page = text(client.get("/tilaa/JUNIOR"))
    assert "Sinulla on jo tämä palvelu." in page and "Vahvista tilaus" not in page


def test_tampered_price_has_no_effect(login):
    confirm(login(), "/tilaa/JUNIOR", price_cents="1", price="0,01", vat_basis_points="0")
    order = db.session.scalar(select(Order).where(Order.product_id == product("JUNIOR").id))
    assert (order.price_cents, order.vat_basis_points) == (590, 2550)


def test_the_order_keeps_its_price_when_the_catalog_changes(login):
    client = login()
    confirm(client, "/tilaa/JUNIOR")
    product("JUNIOR").price_cents = 990
    db.session.commit()
    order = db.session.scalar(select(Order).where(Order.product_id == product("JUNIOR").id))
    assert order.price_cents == 590
    assert "5,90 €/kk" in text(client.get(f"/tilaus/{order.id}"))


def test_a_product_of_another_group_in_a_forged_form_is_422(login):
    client = login()
    before = snapshot()
    response = confirm(client, "/tilaa/JUNIOR", group="broadband")
    response = refused(response)
    assert "Tämä tuote ei kuulu valittuun tuoteryhmään." in response.text
    assert snapshot() == before


@pytest.mark.parametrize("code", ["NOPE", "junior"])
def test_unknown_product_codes_are_404(login, code):
    client = login()
    assert client.get(f"/tilaa/{code}").status_code == 404
    data = form_data(client.get("/tilaa/JUNIOR").text)
    before = snapshot()
    assert client.post(f"/tilaa/{code}", data=data).status_code == 404
    assert snapshot() == before


def test_an_unsellable_product_is_404_even_from_an_open_form(login):
    client = login()
    data = form_data(client.get("/tilaa/JUNIOR").text)
    product("JUNIOR").sellable = False
    db.session.commit()
    before = snapshot()
    assert client.post("/tilaa/JUNIOR", data=data).status_code == 404
    assert client.get("/tilaa/JUNIOR").status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_pay_channel_without_a_card_is_refused_with_the_reason(login, htmx):
    client = login("100002")
    page = text(client.get("/tilaa/JUNIOR"))
    assert "maksu-TV-korttia" in page and "Vahvista tilaus" not in page
    data = form_data(client.get("/tilaa/LISAPOSTILAATIKKO").text, group="tv")  # a real key, forged product
    before = snapshot()
    response = client.post("/tilaa/JUNIOR", data=data, headers=HTMX if htmx else None)
    response = refused(response)
    assert "Maksukanavien ja MIX-pakettien tilaaminen edellyttää voimassa olevaa maksu-TV-korttia." in response.text
    assert ("<html" in response.text) is not htmx
    assert snapshot() == before


def test_ordering_without_billing_agreement_is_refused(login):
    client = login("100003")
    page = text(client.get("/tilaa/LISAPOSTILAATIKKO"))
    assert "Tilaaminen edellyttää laskutussopimusta" in page and "Vahvista tilaus" not in page
    # No confirm button is shown, so the form is forged.
    data = {"csrf_token": client.csrf_token("/tilaa"), "idempotency_key": "x" * 24, "group": "email"}
    before = snapshot()
    response = client.post("/tilaa/LISAPOSTILAATIKKO", data=data)
    response = refused(response)
    assert "Tilaaminen edellyttää laskutussopimusta" in response.text
    assert snapshot() == before


def test_a_card_expired_after_the_form_was_shown_gives_422(login):
    client = login()
    data = form_data(client.get("/tilaa/JUNIOR").text)
    card = customer("100001").pay_tv_cards[0]
    card.valid_until = today() - timedelta(days=1)
    db.session.commit()
    before = snapshot()
    response = client.post("/tilaa/JUNIOR", data=data)
    response = refused(response)
    assert "maksu-TV-korttia" in response.text
    assert snapshot() == before


def test_a_billing_agreement_ended_after_the_form_was_shown_gives_422(login):
    client = login("100002")
    data = form_data(client.get("/tilaa/LISAPOSTILAATIKKO").text)
    billing = next(a for a in customer("100002").agreements if a.kind == "billing")
    billing.valid_until = today() - timedelta(days=1)
    db.session.commit()
    before = snapshot()
    refused(client.post("/tilaa/LISAPOSTILAATIKKO", data=data))
    assert snapshot() == before


def test_an_order_already_placed_from_another_tab_gives_422(login, make_client):
    client = login()
    first_tab = form_data(client.get("/tilaa/JUNIOR").text)
    second_tab = form_data(client.get("/tilaa/JUNIOR").text)
    assert client.post("/tilaa/JUNIOR", data=first_tab).status_code == 303
    before = snapshot()
    response = client.post("/tilaa/JUNIOR", data=second_tab)
    response = refused(response)
    assert "Sinulla on jo tämä palvelu." in response.text
    assert snapshot() == before


def test_a_missing_confirmation_key_is_422(login):
    client = login()
    data = form_data(client.get("/tilaa/JUNIOR").text)
    del data["idempotency_key"]
    before = snapshot()
    response = client.post("/tilaa/JUNIOR", data=data)
    response = refused(response)
    assert "Lomake on vanhentunut." in response.text
    assert snapshot() == before


def test_another_customers_receipt_and_confirmation_key_are_404(login, make_client):
    client = login()
    confirm(client, "/tilaa/JUNIOR")
    order = db.session.scalar(select(Order).where(Order.product_id == product("JUNIOR").id))
    other = make_client()
    other.login("100002", "Sade-Metsa-Tuoli-38")
    assert other.get(f"/tilaus/{order.id}").status_code == 404
    data = form_data(other.get("/tilaa/LISAPOSTILAATIKKO").text, idempotency_key=order.idempotency_key)
    before = snapshot()
    assert other.post("/tilaa/LISAPOSTILAATIKKO", data=data).status_code == 404
    assert snapshot() == before
    assert client.get("/tilaus/999999").status_code == 404


def test_security_product_takes_a_key_and_queues_ota_kayttoon(login, smtp):
    client = login("100002")
    response = confirm(client, "/tilaa/TURVAPAKETTI-5")
    assert response.status_code == 303
    order = db.session.scalar(select(Order).where(Order.product_id == product("TURVAPAKETTI-5").id))
    assert order.status == "new" and order.subscription.status == "active"
    key = order.subscription.licence_key.key
    receipt = text(client.get(response.headers["Location"]))
    assert "Lähetimme lisenssiavaimen" in receipt
    outbox.deliver_due()
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects == sorted([f"Tilausvahvistus {order.id}", "F-Secure Turvapaketti-palvelusi – Ota käyttöön!"])
    ota = next(m for m in smtp.messages if "Ota käyttöön" in m["Subject"])
    assert key in ota.get_content() and "Asenna" in ota.get_content()
    services = text(client.get("/tilatut-palvelut"))
    assert key in services and "Lataa ohjelmisto" in services and "Asenna" in services


def test_an_empty_pool_accepts_the_order_as_pending(login):
    empty_pool("TURVAPAKETTI-5")
    client = login("100002")
    response = confirm(client, "/tilaa/TURVAPAKETTI-5")
    assert response.status_code == 303
    order = db.session.scalar(select(Order).where(Order.product_id == product("TURVAPAKETTI-5").id))
    assert order.status == "pending" and order.subscription.status == "pending"
    assert order.subscription.licence_key is None
    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "ota_kayttoon")).all()
    receipt = text(client.get(response.headers["Location"]))
    assert "odottaa asiakaspalvelumme käsittelyä" in receipt
    # It starts on the day it is ready: no day is promised, on the page or in the email.
    assert "<dt>Alkaa</dt><dd>kun se on valmis</dd>" in receipt and "<dt>Päättyy</dt>" not in receipt
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "order_receipt"))
    assert "Voimassa: siitä päivästä, kun se on valmis" in str(mail.payload)
    services = text(client.get("/tilatut-palvelut"))
    assert "tulossa – odottaa asiakaspalvelun käsittelyä" in services
    event = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "order.created"))
    assert event.payload["data"]["status"] == "pending"

    from app.models import LicenceKey
    db.session.add(LicenceKey(product=product("TURVAPAKETTI-5"), key="FSTP-NEW-0001"))
    db.session.commit()
    assert licences.assign_pending(product("TURVAPAKETTI-5").id) == 1
    db.session.commit()
    assert "FSTP-NEW-0001" in text(client.get("/tilatut-palvelut"))
    order = db.session.get(Order, order.id)
    assert order.status == "delivered"


def test_an_order_starting_on_a_month_end_ends_on_the_right_day():
    assert licences.end_date(date(2027, 3, 31), 12) == date(2028, 3, 30)
