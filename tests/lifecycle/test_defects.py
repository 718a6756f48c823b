"""The defects of the lifecycle one by one, as a customer and a staff member met them; each
failed before its fix. The state machine (test_state_machine.py) walks the paths between them."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import Feedback, LicenceKey, MixChoice, Order, OutboxMessage, Subscription
from app.models.base import today
from app.services import DomainError, billing, demo, inbox, licences, mix, order_queue, ordering, outbox, support
from tests.conftest import HTMX
from tests.helpers import customer, product, refused
from tests.orders.conftest import empty_pool, form_data, snapshot, text

HELSINKI = ZoneInfo("Europe/Helsinki")


def held(number: str, code: str) -> Subscription:
    return db.session.scalar(select(Subscription).where(
        Subscription.customer_id == customer(number).id, Subscription.product_id == product(code).id)
        .order_by(Subscription.id))


def upgrade(number: str, code: str, to: str) -> Order:
    order = ordering.upgrade(customer(number).id, held(number, code).id, to, ordering.new_idempotency_key())
    db.session.expire_all()
    return order


def state(subscription: Subscription) -> tuple:
    db.session.refresh(subscription)
    return (subscription.status, subscription.starts_on, subscription.ends_on,
            subscription.licence_key.key if subscription.licence_key else None,
            sorted(c.channel_id for c in subscription.mix_choices))


# --- A rejected upgrade leaves the old subscription exactly as it was ------------------------

def test_a_rejected_security_upgrade_gives_back_the_old_one_and_its_key(demo_data, smtp):
    old = held("100001", "TURVAPAKETTI-3")
    before = state(old)
    order = upgrade("100001", "TURVAPAKETTI-3", "TURVAPAKETTI-5")
    assert state(old)[0] == "ended" and order.subscription.licence_key is not None

    order_queue.reject(order.id, "Laite ei ole tuettu.")
    assert state(old) == before  # in force, the same dates, the same licence key
    assert db.session.get(Subscription, order.subscription_id).status == "cancelled"
    assert [s.product.code for s in ordering.ordered_services(customer("100001").id).current
            if s.product.family == "turvapaketti"] == ["TURVAPAKETTI-3"]

    outbox.deliver_due()
    told = next(m for m in smtp.messages if "ei voitu toimittaa" in m["Subject"])
    body = told.get_content()
    assert "Laite ei ole tuettu." in body
    assert "Aiempi palvelusi F-Secure TURVAPAKETTI 3 laitetta jatkuu ennallaan." in body


@pytest.mark.parametrize("ended", [False, True], ids=["notice-open", "notice-handled"])
def test_an_upgrade_the_customer_has_given_notice_on_is_not_rejected(demo_data, smtp, ended):
    """Rejecting it would put back the service it replaced without the end asked for in writing: the
    customer would be billed on for a service they terminated."""
    old = held("100001", "TURVAPAKETTI-3")
    order = upgrade("100001", "TURVAPAKETTI-3", "TURVAPAKETTI-5")
    new = order.subscription
    notice = support.send(customer("100001").id, support.Message(
        topic="termination", message="Irtisanon.", contact_email="matti@example.fi", contact_phone="040 123 4567",
        subscription_ids=[new.id], wished_end_date=today() + timedelta(days=31)))
    if ended:
        inbox.end_subscription(notice, new.id, today() + timedelta(days=31))
    with pytest.raises(DomainError, match="irtisanonut tämän palvelun") as refused:
        order_queue.reject(order.id, "Ei toimiteta.")
    assert list(refused.value.errors) == [None]  # the order's state, not the reason written
    db.session.rollback()
    with pytest.raises(DomainError) as refused:  # with no reason too: both at once
        order_queue.reject(order.id, " ")
    assert set(refused.value.errors) == {None, "reason"}
    db.session.rollback()
    assert db.session.get(Order, order.id).status != "rejected"
    assert state(new)[0] == "active" and state(old)[0] == "ended"
    order_queue.deliver(order.id)
    assert db.session.get(Order, order.id).status == "delivered"


def test_a_rejected_mix_upgrade_gives_back_the_old_channels(demo_data):
    matti = customer("100001").id
    old = held("100001", "MIX-6")
    before = state(old)
    order = upgrade("100001", "MIX-6", "MIX-10")
    new = order.subscription
    channels = mix.picker(customer("100001"), today()).channels
    for channel in [c for c in channels if c.id not in before[4]][:5]:  # the customer fills MIX 10
        mix.toggle_channel(matti, new.id, channel.id, True, today())
    mix.toggle_channel(matti, new.id, before[4][0], False, today())
    db.session.commit()

    order_queue.reject(order.id, "Kanavapaketti ei ole saatavilla alueellasi.")
    assert state(old) == before
    assert mix.mix_subscription(matti, today()).id == old.id
    # The operator's systems are told: the order is off, and the old package's channels are in force again.
    events = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                                .order_by(OutboxMessage.id)).all()
    rejected = next(e.payload["data"] for e in events if e.topic == "order.rejected")
    assert rejected["order_id"] == order.id and rejected["in_force_subscription_id"] == old.id
    last = [e.payload["data"] for e in events if e.topic == "mix.changed"][-1]
    assert last["subscription_id"] == old.id and last["product"] == "MIX-6"
    assert [c["id"] for c in last["channels"]] == before[4]


def test_a_subscription_being_terminated_is_not_upgraded(demo_data):
    """An upgrade ran on until further notice as if the notice had never been sent (and was billed so):
    a subscription with a termination notice open, or with the end it agreed, is not upgraded (the
    upgrade page says why), and Tilatut palvelut offers no upgrade of one with an agreed end. One whose
    notice is done without an end date is."""
    matti = customer("100001").id
    old = held("100001", "LAAJAKAISTA-100")
    notice = Feedback(customer_id=old.customer_id, reference="x", topic="termination", message="x",
                      wished_end_date=today() + timedelta(days=20), subscriptions=[old])
    db.session.add(notice)
    db.session.commit()
    with pytest.raises(DomainError, match="Irtisanomisilmoituksesi tästä palvelusta on käsittelyssä"):
        upgrade("100001", "LAAJAKAISTA-100", "LAAJAKAISTA-300")
    assert ordering.upgrade_options(matti, old.id).reason.startswith("Irtisanomisilmoituksesi")
    inbox.end_subscription(notice, old.id, today() + timedelta(days=20))
    notice.status = "done"
    db.session.commit()
    day = (today() + timedelta(days=20)).strftime("%-d.%-m.%Y")
    with pytest.raises(DomainError, match=f"Tämä palvelu päättyy sovitusti {day}"):
        upgrade("100001", "LAAJAKAISTA-100", "LAAJAKAISTA-300")
    assert old.id not in ordering.ordered_services(matti).upgradable
    assert held("100001", "LAAJAKAISTA-100").ends_on == today() + timedelta(days=20)
    withdrawn = held("100001", "LAAJAKAISTA-100")
    withdrawn.ends_on = None  # the customer changed their mind and staff took the end back
    db.session.commit()
    assert old.id in ordering.ordered_services(matti).upgradable
    assert upgrade("100001", "LAAJAKAISTA-100", "LAAJAKAISTA-300").status in ("new", "pending")


def test_an_upgraded_order_is_rejected_only_after_the_newer_one(demo_data):
    first = upgrade("100001", "LAAJAKAISTA-100", "LAAJAKAISTA-300")
    second = upgrade("100001", "LAAJAKAISTA-300", "LAAJAKAISTA-1000")
    before = snapshot()
    with pytest.raises(DomainError, match="hylkää ensin uudempi tilaus"):
        order_queue.reject(first.id, "Ei saatavilla.")
    db.session.rollback()
    assert snapshot() == before
    order_queue.reject(second.id, "Ei saatavilla.")
    order_queue.reject(first.id, "Ei saatavilla.")
    assert state(held("100001", "LAAJAKAISTA-100"))[:3] == ("active", date(2019, 3, 1), None)


# --- Within one upgrade family every day is billed once ----------------------------------------

@pytest.mark.parametrize("switch_day, old_days", [(date(2026, 11, 15), 14), (date(2026, 11, 1), 0),
                                                  (date(2026, 11, 30), 29)])
def test_mix_6_to_mix_10_mid_month_bills_each_day_once(app, switch_day, old_days):
    with time_machine.travel(datetime(2026, 11, 1, 12, tzinfo=HELSINKI), tick=False) as clock:
        demo.load()
        clock.move_to(datetime(switch_day.year, switch_day.month, switch_day.day, 12, tzinfo=HELSINKI))
        upgrade("100001", "MIX-6", "MIX-10")
        lines = {line.product_code: line for c in billing.charges("2026-11") if c.customer_number == "100001"
                 for line in c.lines}
    mix_days = {code: lines[code].days for code in ("MIX-6", "MIX-10") if code in lines}
    assert sum(mix_days.values()) == 30
    assert mix_days.get("MIX-6", 0) == old_days and mix_days["MIX-10"] == 30 - old_days
    assert "MIX-6" in lines or old_days == 0  # no line for a product of no days


# --- Rejected orders read as rejected and are never billed -------------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_rejected_orders_receipt_says_so(login, htmx):
    client = login()
    order = ordering.place_order(customer("100001").id, "JUNIOR", "rejected-junior")
    order_id = order.id
    order_queue.reject(order_id, "Kanava ei näy alueellasi.")
    receipt = text(client.get(f"/tilaus/{order_id}", headers=HTMX if htmx else None))
    assert "Tämä tilaus on hylätty." in receipt and "Kanava ei näy alueellasi." in receipt
    assert "Tilausta ei veloiteta." in receipt
    for success in ("Kiitos tilauksestasi", "Veloitetaan kuukausilaskullasi", "Lähetimme lisenssiavaimen"):
        assert success not in receipt

    services = text(client.get("/tilatut-palvelut"))
    assert f'id="s-{order.subscription_id}"' not in services  # not listed as a service at all
    assert "Hylätyt tilaukset" in services and f"/tilaus/{order_id}" in services
    month = today().strftime("%Y-%m")
    assert "JUNIOR" not in [line.product_code for c in billing.charges(month) for line in c.lines]


def test_a_rejected_security_order_does_not_say_a_key_was_sent(login):
    client = login("100002")
    order = ordering.place_order(customer("100002").id, "TURVAPAKETTI-5", "rejected-turva")
    assert order.subscription.licence_key is not None
    order_queue.reject(order.id, "Ei saatavilla.")
    receipt = text(client.get(f"/tilaus/{order.id}"))
    assert "Lähetimme lisenssiavaimen" not in receipt and "Tämä tilaus on hylätty." in receipt


def test_an_upgrade_receipt_names_the_day_the_old_one_ended(login):
    client = login()
    with time_machine.travel(datetime(2026, 11, 10, 12, tzinfo=HELSINKI), tick=False) as clock:
        order = upgrade("100001", "LAAJAKAISTA-100", "LAAJAKAISTA-300")
        clock.shift(timedelta(days=3))  # read three days later: not "ended today"
        client.login()
        receipt = text(client.get(f"/tilaus/{order.id}"))
    assert "Laajakaista 100M päättyi 10.11.2026." in receipt
    assert "päättyi tänään" not in receipt


# --- A stale upgrade page offers only what the rules allow now ---------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_stale_upgrade_page_offers_nothing_and_refuses_once(login, htmx):
    client = login()
    url = f"/tilatut-palvelut/{held('100001', 'LAAJAKAISTA-100').id}/paivita"
    stale = client.get(url).text
    assert client.post(url, data=form_data(stale, product="LAAJAKAISTA-300")).status_code == 303

    back = text(client.get(url))  # Back to the page of the service that has ended
    assert "Vahvista päivitys" not in back
    assert back.count("ei ole enää voimassa") == 1

    before = snapshot()
    response = client.post(url, data=form_data(stale, product="LAAJAKAISTA-1000", idempotency_key="z" * 24),
                           headers=HTMX if htmx else None)
    response = refused(response)
    assert snapshot() == before
    assert text(response).count("ei ole enää voimassa") == 1
    assert "Vahvista päivitys" not in response.text


def test_an_upgrade_waiting_for_a_key_is_not_offered_again(login):
    empty_pool("TURVAPAKETTI-5")
    client = login()
    upgrade("100001", "TURVAPAKETTI-3", "TURVAPAKETTI-5")
    page = text(client.get(f"/tilatut-palvelut/{held('100001', 'TURVAPAKETTI-3').id}/paivita"))
    assert "Vahvista päivitys" not in page and page.count("päivitys odottaa") == 1


# --- The MIX limit advice follows what exists ---------------------------------------------------

def test_at_the_biggest_mix_the_limit_does_not_advise_a_bigger_one(demo_data):
    matti = customer("100001").id
    order = upgrade("100001", "MIX-6", "MIX-10")
    free = [c.id for c in mix.picker(customer("100001"), today()).channels]
    chosen = {c.channel_id for c in order.subscription.mix_choices}
    for channel_id in [c for c in free if c not in chosen][:6]:
        mix.toggle_channel(matti, order.subscription_id, channel_id, True, today())
    db.session.commit()
    extra = next(c for c in free if c not in {m.channel_id for m in db.session.scalars(
        select(MixChoice).where(MixChoice.subscription_id == order.subscription_id))})
    with pytest.raises(DomainError) as refused:
        mix.toggle_channel(matti, order.subscription_id, extra, True, today())
    assert str(refused.value.message) == "Kaikki 10 kanavaa on jo valittu. Poista ensin jokin kanava."


# --- What the machine found beyond the list --------------------------------------------

def test_delivering_a_waiting_security_order_gives_its_key_and_ends_what_it_upgrades(demo_data):
    empty_pool("TURVAPAKETTI-5")
    old = held("100001", "TURVAPAKETTI-3")
    order = upgrade("100001", "TURVAPAKETTI-3", "TURVAPAKETTI-5")
    before = snapshot()
    with pytest.raises(DomainError, match="ei ole vapaata lisenssiavainta"):
        order_queue.deliver(order.id)  # used to put it in force without a key, beside the old one
    db.session.rollback()
    assert snapshot() == before

    db.session.add(LicenceKey(product=product("TURVAPAKETTI-5"), key="FSTP-NEW-1"))
    db.session.commit()
    with time_machine.travel(datetime.now(HELSINKI) + timedelta(days=5), tick=False):
        order_queue.deliver(order.id)
        db.session.expire_all()
        new = db.session.get(Subscription, order.subscription_id)
        assert (new.status, new.starts_on, new.licence_key.key) == ("active", today(), "FSTP-NEW-1")
        assert (state(old)[0], state(old)[2]) == ("ended", today())


def test_staff_cannot_lengthen_a_subscription_by_ending_it(demo_data):
    season = held("100001", "KIEKKOKAUSI")
    season.status, season.ends_on = "active", today() + timedelta(days=10)
    notice = Feedback(customer_id=season.customer_id, reference="y", topic="termination", message="x",
                      wished_end_date=today() + timedelta(days=30), subscriptions=[season])
    db.session.add(notice)
    db.session.commit()
    with pytest.raises(DomainError, match="päättyy jo"):
        inbox.end_subscription(notice, season.id, today() + timedelta(days=30))


def test_a_subscription_with_an_upgrade_waiting_is_not_ended_under_it(demo_data):
    empty_pool("TURVAPAKETTI-5")
    old = held("100001", "TURVAPAKETTI-3")
    upgrade("100001", "TURVAPAKETTI-3", "TURVAPAKETTI-5")
    notice = Feedback(customer_id=old.customer_id, reference="z", topic="termination", message="x",
                      wished_end_date=today(), subscriptions=[old])
    db.session.add(notice)
    db.session.commit()
    with pytest.raises(DomainError, match="päivitys odottaa"):
        inbox.end_subscription(notice, old.id, today())


def test_an_upgrade_coming_into_force_late_never_lengthens_what_it_replaces(demo_data):
    empty_pool("TURVAPAKETTI-5")
    old = held("100001", "TURVAPAKETTI-3")
    # A fixed term of a year that ends in three days (an end agreed by a notice is not upgraded at all).
    ends_on = today() + timedelta(days=3)
    old.product.term_months = 12
    old.starts_on = (ends_on + timedelta(days=1)).replace(year=ends_on.year - 1)
    old.ends_on = licences.end_date(old.starts_on, 12)
    db.session.commit()
    assert old.ends_on == ends_on
    order = upgrade("100001", "TURVAPAKETTI-3", "TURVAPAKETTI-5")  # waits for a key
    with time_machine.travel(datetime.now(HELSINKI) + timedelta(days=10), tick=False):
        db.session.add(LicenceKey(product=product("TURVAPAKETTI-5"), key="FSTP-LATE-1"))
        db.session.commit()
        order_queue.deliver(order.id)
        assert state(old)[:3] == ("ended", old.starts_on, ends_on)  # used to move on to the delivery day
