"""The subscription lifecycle as a state machine over the real services and database.

Hypothesis drives two demo customers and the staff through orders, upgrades, the order
queue, MIX toggles, termination notices, licence keys, the calendar moving forward and the
billing export of any month, and checks after every step that subscriptions and money stay
right (the invariants below). The calendar moves with time-machine: every `today()` and
`utcnow()` of the portal follows it, with no hook in the application.

`make test` runs a short profile; `HYPOTHESIS_PROFILE=deep` runs a long soak (README, Development).
"""
import hashlib
import os
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from flask_babel import force_locale
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db, limiter
from app.models import (
    Channel,
    Customer,
    Feedback,
    LicenceKey,
    Order,
    OutboxMessage,
    Product,
    Subscription,
)
from app.models.base import today
from app.services import DomainError, billing, demo, inbox, licence_pool, mix, order_queue, ordering, support

# A refusal: a rule said no (DomainError), or the thing is not the customer's / not there.
REFUSED = (DomainError,)
CUSTOMERS = {"100001": "Lumi-Ranta-Kello-71", "100002": "Sade-Metsa-Tuoli-38"}
PRODUCTS = ["MIX-3", "MIX-6", "MIX-10", "TURVAPAKETTI-3", "TURVAPAKETTI-5", "LAAJAKAISTA-100",
            "LAAJAKAISTA-300", "LAAJAKAISTA-1000", "JUNIOR", "KIEKKOKAUSI"]
HELSINKI = ZoneInfo("Europe/Helsinki")
DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
PROFILE = settings(
    max_examples=100 if DEEP else 8, stateful_step_count=50 if DEEP else 25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True,
)
if os.environ.get("LIFECYCLE_NO_SHRINK"):  # while debugging: the first failure, not the smallest
    PROFILE = settings(PROFILE, phases=[Phase.explicit, Phase.reuse, Phase.generate])
pick = st.integers(min_value=0, max_value=10_000)  # an index into whatever list exists then


def fingerprint() -> str:
    """Every row of every table: a refused step must leave this as it was."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{[tuple(r) for r in rows]!r}".encode())
    return digest.hexdigest()


def month_bounds(day: date, back: int = 0) -> tuple[str, date, date]:
    year, month = day.year, day.month - back
    while month < 1:
        year, month = year - 1, month + 12
    first = date(year, month, 1)
    last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    return f"{year}-{month:02d}", first, last


def billed_period(subscription: Subscription, successors: dict[int, Subscription]) -> tuple[date, date | None] | None:
    """The days the README's billing rules charge for: none for pending, cancelled or rejected
    subscriptions; an upgrade's switch day belongs to the new product."""
    if subscription.status not in ("active", "ended"):
        return None
    end = subscription.ends_on
    successor = successors.get(subscription.id)
    if successor is not None:
        day_before = successor.starts_on - timedelta(days=1)
        end = day_before if end is None else min(end, day_before)
    if end is not None and end < subscription.starts_on:
        return None
    return subscription.starts_on, end


def overlap(period: tuple[date, date | None], first: date, last: date) -> int:
    start, end = max(period[0], first), min(period[1] or last, last)
    return max(0, (end - start).days + 1)


class Lifecycle(RuleBasedStateMachine):
    app = None  # set by the test

    # --- setup ------------------------------------------------------------------------------
    @initialize(start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
                hour=st.integers(min_value=0, max_value=23))
    def start(self, start: date, hour: int):
        self.traveller = time_machine.travel(datetime(start.year, start.month, start.day, hour, 30,
                                                      tzinfo=HELSINKI), tick=True)
        self.clock = self.traveller.start()
        self.context = self.app.app_context()  # each run its own, as each request has
        self.context.push()
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):  # small tables: DELETE beats TRUNCATE here
            db.session.execute(table.delete())
        db.session.commit()
        limiter.reset()
        demo.load()
        # Empty key pools: security orders wait for the staff's uploads (or for *Toimitettu*).
        db.session.execute(LicenceKey.__table__.delete().where(LicenceKey.subscription_id.is_(None)))
        db.session.commit()
        self.customers = {number: db.session.scalar(select(Customer.id).where(Customer.customer_number == number))
                          for number in CUSTOMERS}
        self.key_holders = self.keys_given()
        self.staff_end_dates: dict[int, date] = {}
        self.before_upgrade: dict[int, dict] = {}  # order id -> the replaced subscription as it was
        self.next_key = 0

    def teardown(self):
        traveller = getattr(self, "traveller", None)
        if traveller is not None:
            db.session.rollback()
            db.session.remove()
            self.context.pop()
            traveller.stop()

    # --- helpers ----------------------------------------------------------------------------
    def customer_id(self, index: int) -> int:
        return list(self.customers.values())[index % len(self.customers)]

    def subscriptions(self, customer_id: int | None = None, where=()) -> list[Subscription]:
        """With everything the checks read, in a fixed number of statements."""
        statement = (select(Subscription).where(*where).order_by(Subscription.id)
                     .options(joinedload(Subscription.product), joinedload(Subscription.customer),
                              joinedload(Subscription.licence_key), selectinload(Subscription.mix_choices)))
        if customer_id is not None:
            statement = statement.where(Subscription.customer_id == customer_id)
        return list(db.session.scalars(statement))

    def keys_given(self) -> dict[int, int]:
        return dict(db.session.execute(select(LicenceKey.id, LicenceKey.subscription_id)
                                       .where(LicenceKey.subscription_id.is_not(None))).all())

    def key(self) -> str:
        self.next_key += 1
        return f"machine-{self.next_key}"

    def attempt(self, action, *args) -> tuple[bool, object]:
        """Run a service call: (True, its result), or (False, None) when refused, which must change nothing."""
        db.session.commit()
        before = fingerprint()
        try:
            result = action(*args)
        except REFUSED:
            db.session.rollback()
            assert fingerprint() == before, f"{action.__name__}{args} was refused but changed the database"
            return False, None
        db.session.commit()
        return True, result

    def snapshot(self, subscription: Subscription) -> dict:
        return {"status": subscription.status, "starts_on": subscription.starts_on,
                "ends_on": subscription.ends_on,
                "key": subscription.licence_key.key if subscription.licence_key else None,
                "channels": sorted(c.channel_id for c in subscription.mix_choices)}

    # --- the customer -----------------------------------------------------------------------
    @rule(who=pick, code=st.sampled_from(PRODUCTS))
    def order(self, who, code):
        self.attempt(ordering.place_order, self.customer_id(who), code, self.key())

    @rule(who=pick, which=pick, rank=pick)
    def upgrade(self, who, which, rank):
        customer_id = self.customer_id(who)
        family = self.subscriptions(customer_id, [Subscription.product.has(Product.family.is_not(None))])
        if not family:
            return
        old = family[which % len(family)]
        ranks = db.session.scalars(select(Product.code).where(Product.family == old.product.family)
                                   .order_by(Product.rank)).all()  # lower and equal ranks too: refused
        before = self.snapshot(old)
        done, order = self.attempt(ordering.upgrade, customer_id, old.id, ranks[rank % len(ranks)], self.key())
        if done:
            self.before_upgrade[order.id] = {"subscription": old.id, **before}

    @rule(who=pick, which=pick, channel=pick, chosen=st.booleans())
    def toggle_channel(self, who, which, channel, chosen):
        customer_id = self.customer_id(who)
        packages = self.subscriptions(customer_id, [Subscription.product.has(Product.mix_size.is_not(None))])
        channels = db.session.scalars(select(Channel.id).order_by(Channel.id)).all()
        if not packages:
            return
        package = packages[which % len(packages)]
        full = len(package.mix_choices) >= package.product.mix_size
        try:
            db.session.commit()
            before = fingerprint()
            mix.toggle_channel(customer_id, package.id, channels[channel % len(channels)], chosen, today())
            db.session.commit()
        except REFUSED as error:
            db.session.rollback()
            assert fingerprint() == before
            with force_locale("en"):
                message = str(getattr(error, "message", ""))
            if full and "All" in message:
                # The advice follows what exists: a bigger MIX only where there is one.
                bigger = db.session.scalar(select(Product.id).where(
                    Product.family == package.product.family, Product.rank > package.product.rank,
                    Product.sellable.is_(True)).limit(1))
                assert ("bigger MIX" in message) == (bigger is not None), message

    @rule(who=pick, which=pick, days_ahead=st.integers(min_value=0, max_value=60))
    def termination_notice(self, who, which, days_ahead):
        customer_id = self.customer_id(who)
        mine = self.subscriptions(customer_id)
        if not mine:
            return
        chosen = mine[which % len(mine)]
        self.attempt(support.send, customer_id, support.Message(
            topic="termination", message="Irtisanon palvelun.", contact_email="matti@example.fi",
            contact_phone="040 123 4567", subscription_ids=[chosen.id],
            wished_end_date=today() + timedelta(days=days_ahead), idempotency_key=self.key()))

    # --- the staff --------------------------------------------------------------------------
    def order_at(self, which: int, open_only: bool) -> Order | None:
        """Mostly an order in the queue; sometimes any order (a handled one is refused)."""
        statement = select(Order).order_by(Order.id)
        orders = db.session.scalars(statement.where(Order.status.in_(("new", "pending")))).all() \
            if open_only else []
        orders = orders or db.session.scalars(statement).all()
        return orders[which % len(orders)] if orders else None

    @rule(which=pick, open_only=st.integers(0, 3).map(bool))
    def deliver(self, which, open_only):
        order = self.order_at(which, open_only)
        if order is not None:
            self.attempt(order_queue.deliver, order.id)

    @rule(which=pick, open_only=st.integers(0, 3).map(bool))
    def reject(self, which, open_only):
        order = self.order_at(which, open_only)
        if order is None:
            return
        done, _ = self.attempt(order_queue.reject, order.id, "Ei toimitettavissa.")
        if not done or order.id not in self.before_upgrade:
            return
        # A rejected upgrade leaves the old subscription exactly as it was, and the customer is told.
        was = self.before_upgrade.pop(order.id)
        old = db.session.get(Subscription, was.pop("subscription"))
        assert self.snapshot(old) == was, (self.snapshot(old), was)
        email = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "order_rejected")
                                   .order_by(OutboxMessage.id.desc())).first()
        assert email is not None and email.customer_id == order.customer_id

    @rule(which=pick, offset=st.integers(min_value=-40, max_value=60))
    def staff_end(self, which, offset):
        notices = db.session.scalars(select(Feedback).where(Feedback.topic == "termination")
                                     .order_by(Feedback.id)).all()
        if not notices:
            return
        notice = inbox.get(notices[which % len(notices)].id)
        subscription = notice.subscriptions[0] if notice.subscriptions else None
        if subscription is None:
            return
        ends_on = today() + timedelta(days=offset)
        done, _ = self.attempt(inbox.end_subscription, notice, subscription.id, ends_on)
        if done:
            self.staff_end_dates[subscription.id] = ends_on

    @rule(code=st.sampled_from(["TURVAPAKETTI-3", "TURVAPAKETTI-5"]), count=st.integers(min_value=1, max_value=2))
    def upload_keys(self, code, count):
        product_id = db.session.scalar(select(Product.id).where(Product.code == code))
        self.attempt(licence_pool.upload, product_id, "\n".join(self.key() for _ in range(count)))

    # --- the calendar and the money ---------------------------------------------------------
    @rule(days=st.integers(min_value=1, max_value=45))
    def time_passes(self, days):
        self.clock.shift(timedelta(days=days))

    @rule(back=st.integers(min_value=0, max_value=14))
    def billing_export(self, back):
        self.check_month(back)

    @rule(who=pick, which=pick)
    def customer_reads_the_pages(self, who, which):
        self.check_pages(self.customer_id(who), which)

    # --- invariants: one pass over what there is after every step ---------------------------------
    @invariant()
    def subscriptions_and_money_are_right(self):
        db.session.commit()
        day, everything = today(), self.subscriptions()
        in_force = [s for s in everything if s.state(day) == "in_force"]

        # Per customer and upgrade family, at most one subscription in force.
        families = defaultdict(list)
        for s in in_force:
            if s.product.family:
                families[(s.customer_id, s.product.family)].append(s.id)
        assert all(len(ids) == 1 for ids in families.values()), dict(families)

        # MIX choices within the tier of the package in force; security products in force hold a key.
        for s in in_force:
            if s.product.is_mix:
                assert len(s.mix_choices) <= s.product.mix_size, (s.id, len(s.mix_choices))
            if s.product.needs_licence_key:
                assert s.licence_key is not None, f"{s.product.code} {s.id} in force without a licence key"

        # A key given stays with its subscription: it never moves or goes back to the pool.
        now = self.keys_given()
        for key_id, holder in self.key_holders.items():
            assert now.get(key_id) == holder, f"key {key_id} moved from subscription {holder} to {now.get(key_id)}"
        self.key_holders = now

        # An end date the staff set is never moved later (an upgrade may end it sooner).
        by_id = {s.id: s for s in everything}
        for subscription_id, ends_on in self.staff_end_dates.items():
            s = by_id[subscription_id]
            if s.status != "cancelled":
                assert s.ends_on is not None and s.ends_on <= ends_on, (subscription_id, s.ends_on, ends_on)

        self.check_month(0, everything)

    # --- the checks ---------------------------------------------------------------------------
    def check_month(self, back: int, everything: list[Subscription] | None = None) -> None:
        """The billing export of a month against the days each subscription was in force."""
        db.session.commit()
        month, first, last = month_bounds(today(), back)
        days_in_month = (last - first).days + 1
        everything = self.subscriptions() if everything is None else everything
        successors = {s.replaces_id: s for s in everything
                      if s.replaces_id and s.status in ("active", "ended")}
        orders = db.session.execute(select(Order.subscription_id, Order.status, Order.price_cents)).all()
        rejected = {subscription_id for subscription_id, status, _ in orders if status == "rejected"}
        prices = {subscription_id: price for subscription_id, _, price in orders}
        expected = defaultdict(list)
        family_days = defaultdict(lambda: defaultdict(int))
        for s in everything:
            period = billed_period(s, successors)
            days = overlap(period, first, last) if period and s.id not in rejected else 0
            if days:
                number = s.customer.customer_number
                expected[number].append((s.product.code, days,
                                         billing.round_half_up(prices[s.id] * days, days_in_month)))
                family_days[number][s.product.family or s.id] += days
        for number, families in family_days.items():
            for family, days in families.items():
                assert days <= days_in_month, f"{number} {family}: {days} days billed in {month}"

        charges = billing.charges(month)
        got = {c.customer_number: sorted((line.product_code, line.days, line.amount_cents) for line in c.lines)
               for c in charges}
        assert got == {n: sorted(lines) for n, lines in expected.items()}, (month, got, dict(expected))
        for c in charges:
            assert c.total_cents == sum(line.amount_cents for line in c.lines)
            assert all(line.days > 0 for line in c.lines)

    def check_pages(self, customer_id: int, which: int) -> None:
        """Etusivu, Tilatut palvelut and a receipt, as the customer sees them, agree with the database."""
        db.session.commit()
        customer = db.session.get(Customer, customer_id)
        client = self.app.test_client()
        client.login(customer.customer_number, CUSTOMERS[customer.customer_number])
        day = today()
        mine = self.subscriptions(customer_id)
        rejected = {o.subscription_id for o in db.session.scalars(
            select(Order).where(Order.customer_id == customer_id, Order.status == "rejected"))}

        front = client.get("/").text
        in_force_section = front.split('id="in-force"')[1].split("</section>")[0]
        shown = sorted(re.findall(r'<h3 id="s-\d+">([^<]+)</h3>', in_force_section))
        in_force = [s for s in mine if s.state(day) == "in_force"]
        assert shown == sorted(s.product.name for s in in_force), shown
        # The month's total is what the invoice charges a month for them: each at the price it was ordered at.
        ordered_at = dict(db.session.execute(select(Order.subscription_id, Order.price_cents)).all())
        total = sum(ordered_at.get(s.id, s.product.price_cents) for s in in_force)
        if in_force:
            assert f"<strong>{total // 100},{total % 100:02d}\xa0€/kk</strong>" in in_force_section

        services = client.get("/tilatut-palvelut").text
        current = services.split('aria-labelledby="current"')[1].split("</section>")[0]
        ended = services.split('aria-labelledby="ended"')[1].split("</section>")[0] \
            if 'aria-labelledby="ended"' in services else ""
        ids = lambda part: {int(i) for i in re.findall(r'<h3 id="s-(\d+)"', part)}  # noqa: E731
        assert ids(current) == {s.id for s in mine if s.state(day) in ("in_force", "coming")
                                and s.status != "cancelled"}
        assert ids(ended) == {s.id for s in mine if s.state(day) == "ended" and s.status != "cancelled"
                              and s.id not in rejected}
        upgradable = ordering.ordered_services(customer_id).upgradable
        for s in mine:
            link = f"/tilatut-palvelut/{s.id}/paivita"
            assert (link in services) == (s.id in upgradable)

        orders = db.session.scalars(select(Order).where(Order.customer_id == customer_id).order_by(Order.id)).all()
        if orders:
            order = orders[which % len(orders)]
            receipt = client.get(f"/tilaus/{order.id}").text.replace("\xa0", " ")
            if order.status == "rejected":
                assert "hylätty" in receipt.lower()
                assert "Kiitos tilauksestasi" not in receipt and "Veloitetaan" not in receipt
                assert "Lähetimme lisenssiavaimen" not in receipt

        # A stale upgrade page offers only what the rules allow now.
        family = [s for s in mine if s.product.family]
        if family:
            s = family[which % len(family)]
            page = client.get(f"/tilatut-palvelut/{s.id}/paivita").text
            if s.id not in upgradable:
                assert "Vahvista päivitys" not in page, (s.id, s.status, s.ends_on)


def test_the_subscription_lifecycle(app, smtp):
    from tests.conftest import Client

    app.test_client_class = Client
    Lifecycle.app = app
    db.session.commit()  # the test's own session holds nothing while the machine runs
    run_state_machine_as_test(Lifecycle, settings=PROFILE)
