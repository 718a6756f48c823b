"""The rules of the MIX package, at the service level: each test fails without its rule."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Channel, OutboxMessage, Product, Subscription
from app.models.base import today
from app.services import DomainError, NotFound, mix, ordering, outbox
from tests.helpers import count, customer
from tests.mix.conftest import chosen_ids, events, subscription


@pytest.fixture(autouse=True)
def english():
    """The messages are checked in English, the language of the code."""
    with force_locale("en"):
        yield


def toggle(m, channel_id, chosen=True, customer_id=None, subscription_id=None):
    return mix.toggle_channel(customer_id or m.customer_id, subscription_id or m.subscription_id,
                              channel_id, chosen, today())


def test_picker_shows_tier_pool_and_choices(matti):
    view = mix.picker(customer("100001"), today())
    assert view.editable and view.subscription.product.code == "MIX-6"
    assert (view.count, view.limit, view.full) == (4, 6, False)
    assert view.chosen == set(matti.chosen)
    assert len(view.channels) == 18
    assert view.bigger_exists


def test_adding_saves_audits_and_queues_the_full_list(matti):
    change = toggle(matti, matti.free[0])
    assert change.changed and change.chosen and change.count == 5
    assert chosen_ids(matti.subscription_id) == {*matti.chosen, matti.free[0]}
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mix.channel_added")).one()
    assert audit.customer_id == matti.customer_id and audit.details["channel_id"] == matti.free[0]
    [event] = events()
    assert event.channel == "webhook" and event.customer_id == matti.customer_id
    data = event.payload["data"]
    assert data["subscription_id"] == matti.subscription_id and data["product"] == "MIX-6"
    assert [c["id"] for c in data["channels"]] == sorted([*matti.chosen, matti.free[0]])
    assert data["channels"][0]["name"] == "Sport One"


def test_removing_saves_audits_and_queues_the_full_list(matti):
    change = toggle(matti, matti.chosen[0], chosen=False)
    assert change.changed and not change.chosen and change.count == 3
    assert chosen_ids(matti.subscription_id) == set(matti.chosen[1:])
    assert count(AuditEvent) == 1
    assert [c["id"] for c in events()[0].payload["data"]["channels"]] == matti.chosen[1:]


def test_audit_and_event_are_in_the_same_transaction_as_the_change(matti, monkeypatch):
    def outbox_fails(*args, **kwargs):
        raise RuntimeError("the outbox cannot be written")

    monkeypatch.setattr(outbox, "queue_event", outbox_fails)
    with pytest.raises(RuntimeError):
        mix.toggle_channel(matti.customer_id, matti.subscription_id, matti.free[0], True, today())
    db.session.rollback()
    assert chosen_ids(matti.subscription_id) == set(matti.chosen)
    assert count(AuditEvent) == 0 and count(OutboxMessage) == 0


@pytest.mark.parametrize("chosen", [True, False], ids=["add-chosen", "remove-unchosen"])
def test_toggling_to_the_state_it_has_changes_nothing_and_says_so(matti, chosen):
    channel_id = matti.chosen[0] if chosen else matti.free[0]
    change = toggle(matti, channel_id, chosen=chosen)
    assert not change.changed and change.count == 4
    assert "nothing changed" in change.message
    assert chosen_ids(matti.subscription_id) == set(matti.chosen)
    assert count(AuditEvent) == 0 and count(OutboxMessage) == 0


def test_the_limit_holds_and_removing_frees_a_slot_at_once(matti):
    toggle(matti, matti.free[0])
    assert toggle(matti, matti.free[1]).full
    with pytest.raises(DomainError, match="All 6 channels"):
        toggle(matti, matti.free[2])
    db.session.rollback()
    assert len(chosen_ids(matti.subscription_id)) == 6
    assert count(OutboxMessage) == 2
    toggle(matti, matti.chosen[0], chosen=False)
    assert toggle(matti, matti.free[2]).count == 6


def test_retired_channel_stays_chosen_and_cannot_be_chosen_anew(matti):
    kept, other = db.session.get(Channel, matti.chosen[0]), db.session.get(Channel, matti.free[0])
    kept.retired = other.retired = True
    db.session.commit()
    view = mix.picker(customer("100001"), today())
    pool = [c.id for c in view.channels]
    assert kept.id in pool and other.id not in pool and view.count == 4
    with pytest.raises(DomainError, match="no longer in the channel pool"):
        toggle(matti, other.id)
    db.session.rollback()
    assert toggle(matti, kept.id, chosen=False).changed
    with pytest.raises(DomainError, match="no longer in the channel pool"):
        toggle(matti, kept.id)


def test_another_customers_subscription_is_not_found_and_untouched(matti):
    liisa = customer("100002")
    with pytest.raises(NotFound):
        toggle(matti, matti.free[0], customer_id=liisa.id)
    with pytest.raises(NotFound):
        toggle(matti, matti.chosen[0], chosen=False, customer_id=liisa.id)
    db.session.rollback()
    assert chosen_ids(matti.subscription_id) == set(matti.chosen)


def test_channel_outside_the_pool_is_not_found(matti):
    with pytest.raises(NotFound):
        toggle(matti, 99999)


def test_a_subscription_that_is_not_a_mix_is_not_found(matti):
    broadband = db.session.scalar(select(Subscription).join(Product).where(
        Subscription.customer_id == matti.customer_id, Product.code == "LAAJAKAISTA-100"))
    with pytest.raises(NotFound):
        toggle(matti, matti.free[0], subscription_id=broadband.id)


def test_without_a_valid_card_nothing_changes(matti):
    for card in customer("100001").pay_tv_cards:
        card.valid_until = today() - timedelta(days=1)
    db.session.commit()
    view = mix.picker(customer("100001"), today())
    assert view.subscription is not None and not view.has_card and not view.editable
    with pytest.raises(DomainError, match="pay-TV card"):
        toggle(matti, matti.free[0])
    db.session.rollback()
    assert chosen_ids(matti.subscription_id) == set(matti.chosen)


def test_an_ended_mix_cannot_be_changed(matti):
    subscription(matti.subscription_id).ends_on = today() - timedelta(days=1)
    db.session.commit()
    assert mix.picker(customer("100001"), today()).subscription is None
    with pytest.raises(DomainError, match="not in force"):
        toggle(matti, matti.free[0])


def test_customer_without_mix_or_card_gets_the_reasons(demo_data):
    view = mix.picker(customer("100002"), today())
    assert view.subscription is None and not view.has_card and not view.editable


def test_upgrading_keeps_the_chosen_channels(matti):
    ordering.upgrade(matti.customer_id, matti.subscription_id, "MIX-10", "upgrade-mix-test")
    view = mix.picker(customer("100001"), today())
    assert view.subscription.id != matti.subscription_id
    assert view.subscription.product.code == "MIX-10" and (view.count, view.limit) == (4, 10)
    assert view.chosen == set(matti.chosen)
    assert not view.bigger_exists
    assert toggle(matti, matti.free[0], subscription_id=view.subscription.id).count == 5
    with pytest.raises(DomainError, match="not in force"):  # the replaced MIX 6 is ended
        toggle(matti, matti.free[1])
