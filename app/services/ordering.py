"""Tilaa: what a customer may order and why not, placing orders and upgrading subscriptions.

Every order is one transaction: the customer row is locked first (Postgres: FOR UPDATE;
SQLite: the POST's BEGIN IMMEDIATE holds the write lock), so two orders of one customer
run one after the other and the rules are checked again on what the first one wrote. The
idempotency key of the confirmation form is looked up under that lock, so however many
times one form is posted there is one order.
"""
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import aliased, joinedload, selectinload, undefer

from app import i18n
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.kept import Kept
from app.models import Channel, Customer, Feedback, FeedbackSubscription, Order, Product, ProductGroup, Subscription
from app.models.base import today
from app.services import DomainError, NotFound, audit, licences, outbox, subscriptions

NO_CUSTOMER_RELATIONSHIP = _l("Ordering needs a valid customer relationship. Please call our customer service.")
NO_BILLING_AGREEMENT = _l(
    "Ordering needs a billing agreement: services are charged on your monthly invoice. "
    "Please call our customer service to make one."
)
NO_PAY_TV_CARD = _l("Pay channels and MIX packages need a valid pay-TV card.")
ALREADY_SUBSCRIBED = _l("You already have this service.")
NOT_IN_GROUP = _l("This product is not in the chosen product group.")
NOT_IN_FORCE = _l("This service is no longer in force, so it cannot be upgraded.")
UPGRADE_WAITING = _l("An upgrade of this service is waiting for our customer service, so it cannot be "
                     "upgraded again now.")
TERMINATION_OPEN = _l("Your termination notice of this service is being handled, so it cannot be upgraded now. "
                      "Our customer service can help.")


@dataclass
class Offer:
    """A product as one customer sees it: orderable, or the reason why not."""

    product: Product
    reason: str | None = None
    # A subscription of the same family and a lower rank: the way forward is upgrading it.
    upgrade_from: Subscription | None = None

    @property
    def orderable(self) -> bool:
        return self.reason is None

    @property
    def starts_on(self) -> date:
        return today()

    @property
    def ends_on(self) -> date | None:
        return licences.end_date(self.starts_on, self.product.term_months)


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Catalogue:
    """The product groups and what is on sale in each, in the order Tilaa shows them, and the MIX
    channel pool, retired channels too, in the order the MIX page shows it."""

    groups: list[ProductGroup]
    on_sale: dict[int, list[Product]]  # by group id
    channels: list[Channel]

    def higher(self, product: Product) -> list[Product]:
        """The higher ranks of the product's family on sale, lowest first: what it can be upgraded to."""
        if product.family is None:
            return []
        return sorted((p for products in self.on_sale.values() for p in products
                       if p.family == product.family and p.rank > product.rank), key=lambda p: p.rank)


def _catalogue(session) -> Catalogue:
    groups = list(session.scalars(select(ProductGroup).order_by(ProductGroup.position, ProductGroup.id)))
    on_sale = {group.id: [] for group in groups}
    for product in session.scalars(select(Product).options(joinedload(Product.group))
                                   .where(Product.sellable.is_(True)).order_by(Product.position, Product.id)):
        on_sale[product.group_id].append(product)
    channels = list(session.scalars(select(Channel).order_by(Channel.position, Channel.name)))
    return Catalogue(groups, on_sale, channels)


# Tilaa shows it, Etusivu and Tilatut palvelut offer an upgrade and the MIX page a bigger package only where
# a higher rank is on sale, and the MIX page lists the channel pool: each process keeps the catalogue
# (app/kept.py). An order reads its product again, a MIX toggle its channel.
CATALOGUE = Kept("catalogue", ("product", "product_group", "channel"), _catalogue)


def groups() -> list[ProductGroup]:
    return CATALOGUE.get().groups


def _customer(customer_id: int, lock: bool = False) -> Customer:
    """The customer with the agreements and cards the rules read. Locked (for a change), the rows
    are read again under the lock; for a page, the customer the session already has (the user
    loader's, read in this request) is taken as it is, with no statement at all."""
    loading = [selectinload(Customer.agreements), selectinload(Customer.pay_tv_cards)]
    if not lock:
        return db.session.get(Customer, customer_id, options=loading)
    return db.session.scalars(select(Customer).where(Customer.id == customer_id).options(*loading)
                              .with_for_update().execution_options(populate_existing=True)).one()


# Tilaa and every page of services read these: built once, as subscriptions.SUBSCRIPTIONS.
HELD = (select(Subscription).options(joinedload(Subscription.product))
        .where(Subscription.customer_id == bindparam("customer_id"), Subscription.status.in_(("active", "pending")))
        .order_by(Subscription.id))


def _held(customer_id: int) -> list[Subscription]:
    """Subscriptions that count for the rules: in force or waiting for the operator."""
    return list(db.session.scalars(HELD, {"customer_id": customer_id}))


def _sellable(product_code: str) -> Product:
    product = db.session.scalar(
        select(Product).options(joinedload(Product.group))
        .where(Product.code == product_code, Product.sellable.is_(True))
    )
    if product is None:
        raise NotFound(product_code)
    return product


def refusal(customer: Customer, day: date, needs_pay_tv_card: bool = False) -> str | None:
    """Why this customer cannot order anything (that needs a pay-TV card) now, if they cannot: the
    reason holds for every such product, so pages say it once and offer no action that leads nowhere."""
    if customer.status != "active":
        return NO_CUSTOMER_RELATIONSHIP
    if not customer.has_agreement(("billing",), day):
        return NO_BILLING_AGREEMENT
    if needs_pay_tv_card and customer.valid_pay_tv_card(day) is None:
        return NO_PAY_TV_CARD
    return None


def _customer_reason(customer: Customer, product: Product, day: date) -> str | None:
    return refusal(customer, day, product.requires_pay_tv_card)


def _offer(customer: Customer, product: Product, held: list[Subscription], day: date) -> Offer:
    reason = _customer_reason(customer, product, day)
    if reason:
        return Offer(product, reason)
    for subscription in held:
        if subscription.state(day) == "ended":
            continue
        if subscription.product_id == product.id:
            return Offer(product, ALREADY_SUBSCRIBED)
        if product.family and subscription.product.family == product.family:
            if subscription.product.rank < product.rank:
                if why := _own_reason(subscription, day):  # no way forward through its upgrade page either
                    return Offer(product, _l("You have %(product)s. %(reason)s", product=subscription.product.label,
                                             reason=why))
                return Offer(product, _l("You have %(product)s: upgrade it instead.",
                                         product=subscription.product.label), subscription)
            return Offer(product, _l(
                "You have %(product)s, a bigger service of the same kind. Customer service "
                "handles changes to a smaller one.", product=subscription.product.label))
    return Offer(product)


@dataclass
class Catalog:
    """Tilaa: the groups, the chosen one, its products as offers to this customer, and the reason
    that holds for all of them, if one does (said once above the products, not on each)."""

    groups: list[ProductGroup]
    chosen: ProductGroup | None
    offers: list[Offer]
    reason: str | None = None


def catalog(customer_id: int, group_code: str | None) -> Catalog:
    """The catalog as this customer sees it, the first group by default.

    A fixed number of queries, however many products or subscriptions there are.
    """
    kept = CATALOGUE.get()
    chosen = next((g for g in kept.groups if g.code == group_code), None)
    if chosen is None:
        if group_code:
            raise NotFound(group_code)
        chosen = kept.groups[0] if kept.groups else None
    if chosen is None:
        return Catalog(kept.groups, None, [])
    products = kept.on_sale[chosen.id]
    customer, held, day = _customer(customer_id), _held(customer_id), today()
    return Catalog(kept.groups, chosen, [_offer(customer, p, held, day) for p in products],
                   refusal(customer, day, bool(products) and all(p.requires_pay_tv_card for p in products)))


def offer(customer_id: int, product_code: str) -> Offer:
    """One sellable product as this customer sees it (the review page before confirming)."""
    product = _sellable(product_code)
    return _offer(_customer(customer_id), product, _held(customer_id), today())


def _existing(customer_id: int, idempotency_key: str) -> Order | None:
    order = db.session.scalar(select(Order).where(Order.idempotency_key == idempotency_key))
    if order is not None and order.customer_id != customer_id:
        raise NotFound(idempotency_key)
    return order


def place_order(customer_id: int, product_code: str, idempotency_key: str,
                group_code: str | None = None) -> Order:
    """Order a product: subscription from today, audit, receipt email and provisioning event.

    The same key again returns the order it made. A security product takes a licence key;
    with none left the order is accepted as pending for the staff.
    """
    customer = _customer(customer_id, lock=True)
    existing = _existing(customer_id, idempotency_key)
    if existing is not None:
        return existing
    product = _sellable(product_code)
    if group_code is not None and product.group.code != group_code:
        raise DomainError(NOT_IN_GROUP)
    day = today()
    verdict = _offer(customer, product, _held(customer_id), day)
    if not verdict.orderable:
        raise DomainError(verdict.reason)
    subscription = Subscription(customer=customer, product=product, starts_on=day, status="active",
                                ends_on=licences.end_date(day, product.term_months))
    order = _record(customer, product, subscription, idempotency_key, "new")
    db.session.commit()
    return order


@dataclass
class UpgradeOptions:
    """The upgrade page: the higher ranks of the subscription's family, and why none can be
    ordered now if the subscription itself cannot be upgraded (`reason`)."""

    subscription: Subscription
    offers: list[Offer]
    reason: str | None


def upgrade_options(customer_id: int, subscription_id: int) -> UpgradeOptions:
    """What the upgrade page offers now: a page opened earlier (or reached with Back) shows
    the same rules the confirmation will check."""
    subscription = _upgradable(customer_id, subscription_id)
    customer, day = _customer(customer_id), today()
    higher = CATALOGUE.get().higher(subscription.product)
    standing = _standing(subscription)
    reason = _not_upgradable(subscription, day, standing)
    return UpgradeOptions(subscription, [Offer(p, reason or _customer_reason(customer, p, day)) for p in higher],
                          reason)


@dataclass(frozen=True)
class _Standing:
    waiting: bool  # an upgrade of it waits for customer service
    noticed: bool  # a termination notice of it is still open


def _standing(subscription: Subscription) -> _Standing:
    """What an upgrade of the subscription depends on beyond itself, in one statement."""
    later = aliased(Subscription)
    waiting, noticed = db.session.execute(select(
        exists().where(later.replaces_id == subscription.id, later.status != "cancelled"),
        exists().where(FeedbackSubscription.subscription_id == subscription.id,
                       FeedbackSubscription.feedback_id == Feedback.id, Feedback.status != "done"),
    )).one()
    return _Standing(waiting, noticed)


def _not_upgradable(subscription: Subscription, day: date, standing: _Standing) -> str | None:
    """Why this subscription cannot be upgraded now, if it cannot. One whose end the customer has
    asked for (an end agreed, or a termination notice still open) is not: the upgrade would run on
    as if the notice had never been sent."""
    if reason := _own_reason(subscription, day):
        return reason
    if standing.waiting:
        return UPGRADE_WAITING
    if standing.noticed:
        return TERMINATION_OPEN
    return None


def _own_reason(subscription: Subscription, day: date) -> str | None:
    """Why the subscription cannot be upgraded, as its own row says (no statement): not in force, or
    its end agreed. Tilaa asks it of every lower rank it would offer to upgrade."""
    if subscription.state(day) != "in_force":
        return NOT_IN_FORCE
    if _agreed_end(subscription):
        return str(_l("This service ends on %(day)s as agreed, so it cannot be upgraded. Our customer service "
                      "can help.", day=i18n.day(subscription.ends_on)))
    return None


def given_notice(subscription: Subscription) -> bool:
    """The customer has terminated the subscription: a notice ended it on an agreed day, or one that
    names it is still open."""
    return _agreed_end(subscription) or _standing(subscription).noticed


def _agreed_end(subscription: Subscription) -> bool:
    """An end date other than the subscription's own term's: a termination notice handled."""
    own = licences.end_date(subscription.starts_on, subscription.product.term_months)
    return subscription.ends_on is not None and subscription.ends_on != own


def _upgradable(customer_id: int, subscription_id: int, lock: bool = False) -> Subscription:
    query = (select(Subscription).options(joinedload(Subscription.product), undefer(Subscription.ordered_price_cents))
             .where(Subscription.id == subscription_id, Subscription.customer_id == customer_id))
    if lock:
        query = query.with_for_update(of=Subscription)
    subscription = db.session.scalar(query)
    if subscription is None or subscription.product.family is None:
        raise NotFound(subscription_id)
    return subscription


def upgrade(customer_id: int, subscription_id: int, product_code: str, idempotency_key: str) -> Order:
    """Replace a subscription in force by a higher rank of its family, both today.

    The old one ends today and the new one starts today, linked to it; MIX choices move to
    the new subscription. A security upgrade waiting for a key keeps the old one in force
    until the key is assigned.
    """
    customer = _customer(customer_id, lock=True)
    existing = _existing(customer_id, idempotency_key)
    if existing is not None:
        return existing
    old = _upgradable(customer_id, subscription_id, lock=True)
    product = _sellable(product_code)
    day = today()
    reason = _not_upgradable(old, day, _standing(old))
    if reason:
        raise DomainError(reason)
    if product.family != old.product.family or product.rank <= old.product.rank:
        raise DomainError(_l(
            "Only a bigger service of the same kind can be ordered here. Customer service "
            "handles changes to a smaller one."))
    reason = _customer_reason(customer, product, day)
    if reason:
        raise DomainError(reason)
    new = Subscription(customer=customer, product=product, starts_on=day, status="active",
                       ends_on=licences.end_date(day, product.term_months), replaces=old)
    order = _record(customer, product, new, idempotency_key, "upgrade", replaces=old)
    if new.status == "active":
        licences.end_replaced(new, day)
    db.session.commit()
    return order


def successor(subscription: Subscription) -> Subscription | None:
    """The upgrade that replaced this subscription or waits to replace it (not a rejected one)."""
    return db.session.scalar(
        select(Subscription).where(Subscription.replaces_id == subscription.id,
                                   Subscription.status != "cancelled").limit(1))


def _record(customer: Customer, product: Product, subscription: Subscription, idempotency_key: str,
            kind: str, replaces: Subscription | None = None) -> Order:
    """The order row, licence key, audit event, receipt email and provisioning event."""
    order = Order(customer=customer, product=product, subscription=subscription, kind=kind, status="new",
                  idempotency_key=idempotency_key, price_cents=product.price_cents,
                  vat_basis_points=product.vat_basis_points,
                  replaces_subscription_id=replaces.id if replaces else None)
    db.session.add_all([subscription, order])
    db.session.flush()
    if product.needs_licence_key and not licences.assign_key(subscription):
        subscription.status = "pending"
        order.status = "pending"
    audit.record(f"order.{kind}", customer.id, order_id=order.id, product=product.code,
                 subscription_id=subscription.id, replaces_subscription_id=order.replaces_subscription_id,
                 status=order.status)
    if customer.email:
        outbox.queue_email(customer.email, "order_receipt", customer.locale, customer.id,
                           customer=customer, order=order, product=product, subscription=subscription,
                           replaces=replaces)
    outbox.queue_event("order.created", customer.id, order_id=order.id, kind=kind, status=order.status,
                       product=product.code, subscription_id=subscription.id,
                       replaces_subscription_id=order.replaces_subscription_id,
                       starts_on=subscription.starts_on, ends_on=subscription.ends_on,
                       price_cents=order.price_cents, vat_basis_points=order.vat_basis_points)
    return order


def order_of(customer_id: int, order_id: int) -> Order:
    order = db.session.scalar(
        select(Order).options(joinedload(Order.product), joinedload(Order.subscription))
        .where(Order.id == order_id, Order.customer_id == customer_id)
    )
    if order is None:
        raise NotFound(order_id)
    return order


@dataclass
class OrderedServices:
    """Tilatut palvelut: in force and coming first, ended ones apart, which can be upgraded, and
    the orders that were rejected (their subscriptions never counted as services)."""

    current: list[Subscription]
    ended: list[Subscription]
    upgradable: set[int]
    rejected: list[Order]
    day: date

    @property
    def in_force(self) -> list[Subscription]:
        return [s for s in self.current if s.state(self.day) == "in_force"]

    @property
    def monthly_total_cents(self) -> int:
        """What the services in force cost a month, as the invoice sums them (app/services/billing.py)."""
        return sum(s.agreed_price_cents for s in self.in_force)


def ordered_services(customer_id: int) -> OrderedServices:
    day = today()
    everything = subscriptions.subscriptions_of(customer_id)
    catalogue = CATALOGUE.get()
    current = [s for s in everything if s.state(day) in ("in_force", "coming")]
    waiting = {s.replaces_id for s in current if s.replaces_id}
    customer = _customer(customer_id) if current else None
    rejected = list(db.session.scalars(
        select(Order).options(joinedload(Order.product))
        .where(Order.customer_id == customer_id, Order.status == "rejected").order_by(Order.id.desc())
    )) if any(s.status == "cancelled" for s in everything) else []
    return OrderedServices(
        current=current,
        ended=[s for s in everything if s.state(day) == "ended"],
        # Offered only where the upgrade can be ordered: no "Upgrade" that leads to a refusal (but for a
        # termination notice still open, which would cost every page a statement: the upgrade page says it).
        upgradable={s.id for s in current if s.state(day) == "in_force" and s.id not in waiting
                    and not _agreed_end(s) and catalogue.higher(s.product)
                    and _customer_reason(customer, s.product, day) is None},
        rejected=rejected,
        day=day,
    )
