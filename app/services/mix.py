"""Muokkaa MIX-pakettia: the channels of a customer's MIX package and the limit of its tier.

The limit holds inside the transaction that changes the choices: the subscription row is
locked first (SELECT ... FOR UPDATE on Postgres; on SQLite a POST already runs under
BEGIN IMMEDIATE), so concurrent additions are counted one after another.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, undefer

from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.models import Channel, Customer, MixChoice, Product, Subscription
from app.services import DomainError, NotFound, audit, ordering, outbox


@dataclass
class Picker:
    """What the page shows: the MIX in force, the pool and the choices, or why there is none."""

    subscription: Subscription | None
    has_card: bool
    channels: list[Channel] = field(default_factory=list)
    chosen: set[int] = field(default_factory=set)
    bigger_exists: bool = False
    may_order: bool = False  # a MIX package, or a bigger one: else the page offers no link that leads to a refusal

    @property
    def editable(self) -> bool:
        return self.subscription is not None and self.has_card

    @property
    def limit(self) -> int:
        return self.subscription.product.mix_size if self.subscription else 0

    @property
    def count(self) -> int:
        return len(self.chosen)

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def can_add(self, channel: Channel) -> bool:
        return not self.full and not channel.retired


@dataclass
class Change:
    subscription: Subscription
    channel: Channel
    changed: bool
    chosen: bool  # the channel's state after the request
    chosen_ids: set[int]  # every chosen channel after the request
    was_full: bool

    @property
    def count(self) -> int:
        return len(self.chosen_ids)

    @property
    def limit(self) -> int:
        return self.subscription.product.mix_size

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def view(self) -> Picker:
        """The picker as far as the changed channel's row and the counter show it, without reading
        it again; the other rows change only when the limit is reached or left (`full != was_full`)."""
        return Picker(subscription=self.subscription, has_card=True, chosen=self.chosen_ids)

    @property
    def message(self) -> str:
        values = {"name": self.channel.label, "count": self.count, "limit": self.limit}
        if not self.changed and self.chosen:
            return _("%(name)s was already chosen; nothing changed. %(count)d / %(limit)d chosen.", **values)
        if not self.changed:
            return _("%(name)s was not chosen; nothing changed. %(count)d / %(limit)d chosen.", **values)
        if self.chosen:
            return _("Channel %(name)s added. %(count)d / %(limit)d chosen.", **values)
        return _("Channel %(name)s removed. %(count)d / %(limit)d chosen.", **values)


def mix_subscription(customer_id: int, day: date) -> Subscription | None:
    """The customer's MIX package in force; the highest tier if there are several."""
    candidates = db.session.scalars(
        select(Subscription).join(Subscription.product)
        .options(joinedload(Subscription.product), undefer(Subscription.ordered_price_cents))
        .where(Subscription.customer_id == customer_id, Subscription.status == "active",
               Product.mix_size.is_not(None))
    ).all()
    in_force = [s for s in candidates if s.is_in_force(day)]
    return max(in_force, key=lambda s: (s.product.mix_size, s.id), default=None)


def picker(customer: Customer, day: date) -> Picker:
    """The page's data in a fixed number of queries, however large the pool."""
    subscription = mix_subscription(customer.id, day)
    view = Picker(subscription=subscription, has_card=customer.valid_pay_tv_card(day) is not None,
                  may_order=ordering.refusal(customer, day, needs_pay_tv_card=True) is None)
    if subscription is None:
        return view
    view.chosen = set(db.session.scalars(
        select(MixChoice.channel_id).where(MixChoice.subscription_id == subscription.id)))
    catalogue = ordering.CATALOGUE.get()
    # Retired channels stay where they are chosen; nobody is offered them anew.
    view.channels = [channel for channel in catalogue.channels if not channel.retired or channel.id in view.chosen]
    # The advice at the limit names a bigger package only when one is on sale.
    view.bigger_exists = bool(catalogue.higher(subscription.product))
    return view


def announce(subscription: Subscription) -> None:
    """Queue `mix.changed` with the package's whole channel list as the transaction has it (the query
    flushes what is pending), which a receiver puts in place of what it has."""
    channels = db.session.execute(
        select(Channel.id, Channel.name).join(MixChoice, MixChoice.channel_id == Channel.id)
        .where(MixChoice.subscription_id == subscription.id).order_by(Channel.id)).all()
    outbox.queue_event("mix.changed", subscription.customer_id, subscription_id=subscription.id,
                       product=subscription.product.code, mix_size=subscription.product.mix_size,
                       channels=[{"id": i, "name": name} for i, name in channels])


# Every toggle runs these: built once, as subscriptions.SUBSCRIPTIONS. The package comes with its product
# and the channel asked for, in one statement; only the subscription is locked: every toggle reads the
# product and the channel.
TOGGLED_PACKAGE = (select(Subscription, Channel)
                   .outerjoin(Channel, Channel.id == bindparam("channel_id"))
                   .options(joinedload(Subscription.product, innerjoin=True))
                   .where(Subscription.id == bindparam("subscription_id"),
                          Subscription.customer_id == bindparam("customer_id"))
                   .with_for_update(of=Subscription))
CHOICES = select(MixChoice).where(MixChoice.subscription_id == bindparam("subscription_id"))


def toggle_channel(customer_id: int, subscription_id: int, channel_id: int, chosen: bool,
                   day: date) -> Change:
    """Add (`chosen`) or remove one channel of the customer's MIX package.

    Another customer's subscription, a subscription that is not a MIX package, or a
    channel outside the pool is NotFound. Asking for the state the channel already has
    changes nothing.
    """
    subscription, channel = db.session.execute(TOGGLED_PACKAGE, {
        "subscription_id": subscription_id, "customer_id": customer_id, "channel_id": channel_id,
    }).one_or_none() or (None, None)
    if subscription is None or channel is None or not subscription.product.is_mix:
        raise NotFound()
    if not subscription.is_in_force(day):
        raise DomainError(_l("This MIX package is not in force, so its channels cannot be changed."))
    if subscription.customer.valid_pay_tv_card(day) is None:
        raise DomainError(_l("Choosing MIX channels needs a valid pay-TV card."))

    choices = {c.channel_id: c for c in db.session.scalars(CHOICES, {"subscription_id": subscription.id})}
    limit = subscription.product.mix_size
    was_full = len(choices) >= limit

    def result(changed: bool, chosen_ids) -> Change:
        return Change(subscription=subscription, channel=channel, changed=changed, chosen=chosen,
                      chosen_ids=set(chosen_ids), was_full=was_full)

    if chosen == (channel.id in choices):
        return result(False, choices)
    if chosen:
        if channel.retired:
            raise DomainError(_l("%(name)s is no longer in the channel pool and cannot be chosen.",
                                 name=channel.label))
        if was_full and ordering.CATALOGUE.get().higher(subscription.product):
            raise DomainError(_l("All %(limit)d channels of your MIX package are chosen. Remove a channel "
                                 "first, or change to a bigger MIX package.", limit=limit))
        if was_full:
            raise DomainError(_l("All %(limit)d channels of your MIX package are chosen. Remove a channel "
                                 "first.", limit=limit))
        db.session.add(MixChoice(subscription_id=subscription.id, channel_id=channel.id))
        channel_ids = [*choices, channel.id]
    else:
        db.session.delete(choices[channel.id])
        channel_ids = [i for i in choices if i != channel.id]
    db.session.flush()

    audit.record("mix.channel_added" if chosen else "mix.channel_removed", customer_id,
                 subscription_id=subscription.id, channel_id=channel.id, channel=channel.name)
    announce(subscription)
    db.session.commit()
    return result(True, channel_ids)

