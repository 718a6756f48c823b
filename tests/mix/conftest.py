"""Shared pieces of the MIX tests: 100001's MIX 6 and the channel pool of the demo."""
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Channel, Customer, MixChoice, OutboxMessage, Subscription
from app.models.base import today
from app.services import mix


@dataclass
class Matti:
    customer_id: int
    subscription_id: int
    chosen: list[int]  # the four channels of the demo
    free: list[int]  # the rest of the pool, in pool order


@pytest.fixture
def matti(demo_data) -> Matti:
    customer = db.session.scalar(select(Customer).where(Customer.customer_number == "100001"))
    subscription = mix.mix_subscription(customer.id, today())
    chosen = sorted(c.channel_id for c in subscription.mix_choices)
    pool = db.session.scalars(select(Channel.id).order_by(Channel.position)).all()
    return Matti(customer.id, subscription.id, chosen, [i for i in pool if i not in chosen])


def chosen_ids(subscription_id: int) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(MixChoice.channel_id).where(MixChoice.subscription_id == subscription_id)))


def events() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "mix.changed")
                              .order_by(OutboxMessage.id)).all()


def subscription(subscription_id: int) -> Subscription:
    return db.session.get(Subscription, subscription_id)
