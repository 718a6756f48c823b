"""Benchmark customers in bulk: `flask bench-data --customers N` on top of the demo catalog.

Every table a real customer has is filled (account, agreements, pay-TV card, about five
subscriptions of mixed products with some ended and some pending, MIX channels, licence
keys, orders, audit events, mailboxes), so the pages do their real work at any scale.

The rows are made by the database itself, one INSERT ... SELECT per table over a series of
numbers (Postgres `generate_series`, SQLite a recursive CTE): a million customers take
minutes, not the hours ORM objects would. One argon2 hash is shared by every account.

It is a benchmark tool and refuses a database with customers of its own: only the demo
customers and earlier benchmark customers (email at `bench.invalid`, a reserved domain
that cannot receive mail) may be there.
"""
# The SQL is assembled from this module's own constants and integers; values come as parameters.
# ruff: noqa: S608
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, bindparam, func, select, text

from app.extensions import db
from app.models import Channel, Customer, OperatorSettings, Product
from app.models.base import UTCDateTime, today, utcnow
from app.models.customer import search_words
from app.security import hash_password
from app.services import DomainError, demo
from app.services.mailboxes import hash_mailbox_password

PASSWORD = "Kuorma-Mittari-Kello-24"  # noqa: S105  (shared by every benchmark account, printed)
EMAIL_DOMAIN = "bench.invalid"
FIRST_NUMBER = 5_000_001  # customer numbers 5000001, 5000002, ... well apart from real ones
DEMO_NUMBERS = ("100001", "100002", "100003", "100004")

FIRST_NAMES = ["Matti", "Liisa", "Pekka", "Anna", "Juha", "Sari", "Mikko", "Tiina", "Jari", "Päivi",
               "Timo", "Minna", "Antti", "Hanna", "Ville", "Laura", "Jussi", "Elina", "Kari", "Noora"]
LAST_NAMES = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
              "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen",
              "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen",
              "Rantanen", "Karjalainen"]
STREETS = ["Hämeenkatu", "Puistokatu", "Rautatienkatu", "Satakunnankatu", "Kauppakatu", "Koulukatu",
           "Itsenäisyydenkatu", "Pyynikintie", "Sammonkatu", "Teiskontie"]
PLACES = [("33100", "Tampere"), ("33200", "Tampere"), ("33500", "Tampere"), ("33720", "Tampere"),
          ("33400", "Tampere"), ("33900", "Tampere"), ("33470", "Ylöjärvi"), ("33880", "Lempäälä")]

# What a customer holds, slot by slot: customer n takes the first 1 + (7n mod 9) slots, so
# 1 to 9 subscriptions, 5 on average; a slot of a family holds one rank of it. Everyone has
# broadband; from two slots on a MIX package (and a pay-TV card), then security and channels.
SLOTS = [
    ["LAAJAKAISTA-100", "LAAJAKAISTA-300", "LAAJAKAISTA-1000"],
    ["MIX-3", "MIX-6", "MIX-10"],
    ["TURVAPAKETTI-3", "TURVAPAKETTI-5"],
    ["SPORT-PLUS"], ["ELOKUVA-PREMIUM"], ["JUNIOR"], ["DOKUMENTTI"],
    ["KIEKKOKAUSI"],  # a fixed term that has ended
    ["LISAPOSTILAATIKKO"],
]
SECURITY_SLOT, ENDED_SLOT = 2, 7
SLOT_COUNT = "(1 + ({n} * 7) % 9)"  # how many slots customer n takes


@dataclass
class Result:
    first_number: int
    last_number: int

    @property
    def example(self) -> str:
        """A customer from the middle with MIX, security and channels (not the first one)."""
        number = (self.first_number + self.last_number) // 2
        while number < self.last_number and subscription_count(number) < 6:
            number += 1
        return str(number)


def subscription_count(customer_number: int) -> int:
    """How many subscriptions the customer with this number was given (SLOT_COUNT in Python)."""
    return 1 + ((customer_number - FIRST_NUMBER + 1) * 7) % 9


def _case(expression: str, values: list[str]) -> str:
    """values[expression mod len(values)], as portable SQL (the values are our own constants)."""
    whens = " ".join(f"WHEN {i} THEN '{value}'" for i, value in enumerate(values))
    return f"CASE ({expression}) % {len(values)} {whens} END"


def _numbers() -> str:
    """A CTE g(n) of the numbers :first..:last."""
    if db.engine.dialect.name == "postgresql":
        return "g(n) AS (SELECT generate_series(CAST(:first AS integer), CAST(:last AS integer)))"
    return "g(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM g WHERE n < :last)"


def foreign_customers() -> int:
    """Customers that are neither demo nor benchmark customers: real data this tool must not touch."""
    return db.session.scalar(
        select(func.count()).select_from(Customer)
        .where(Customer.customer_number.not_in(DEMO_NUMBERS),
               func.coalesce(Customer.email, "").not_like(f"%@{EMAIL_DOMAIN}")))


def generate(count: int) -> Result:
    """Add `count` benchmark customers after any earlier ones, in one transaction."""
    if count < 1:
        raise DomainError("the count must be at least 1")
    if foreign_customers():
        raise DomainError("the database has customers of its own: benchmark data goes only into a "
                          "database with the demo and benchmark customers")
    if not demo.database_has_data():
        demo.load()
    products = dict(db.session.execute(select(Product.code, Product.id)).all())
    missing = {code for slot in SLOTS for code in slot} - products.keys()
    if missing:
        raise DomainError(f"the demo catalog is missing {', '.join(sorted(missing))}: run `flask demo` first")
    last_bench = db.session.scalar(select(func.max(Customer.customer_number))
                                   .where(Customer.email.like(f"%@{EMAIL_DOMAIN}")))
    first = int(last_bench) + 1 if last_bench else FIRST_NUMBER
    result = Result(first, first + count - 1)
    before = {table: db.session.scalar(text(f"SELECT coalesce(max(id), 0) FROM \"{table}\""))
              for table in ("customer", "subscription", "order")}
    _insert(result, products, before)
    db.session.commit()
    return result


def _execute(sql: str, **params) -> None:
    """One INSERT ... SELECT; timestamps and dates are bound with their column types."""
    types = [bindparam(name, type_=UTCDateTime() if isinstance(value, datetime) else Date())
             for name, value in params.items() if isinstance(value, date)]
    db.session.execute(text(sql).bindparams(*types), params)


def _insert(result: Result, products: dict[str, int], before: dict[str, int]) -> None:
    now, day = utcnow(), today()
    new_customers = f"c.id > {before['customer']}"
    n = f"(CAST(c.customer_number AS integer) - {FIRST_NUMBER - 1})"  # the n of the customer row
    _execute(f"""
        WITH RECURSIVE {_numbers()}
        INSERT INTO customer (customer_number, name, street_address, postal_code, city, phone, email,
                              locale, status, created_at, updated_at)
        SELECT CAST(g.n + {FIRST_NUMBER - 1} AS varchar(20)),
               {_case("g.n", FIRST_NAMES)} || ' ' || {_case("g.n / 20", LAST_NAMES)},
               {_case("g.n / 7", STREETS)} || ' ' || CAST(1 + g.n % 60 AS varchar(10)),
               {_case("g.n / 3", [code for code, _ in PLACES])}, {_case("g.n / 3", [city for _, city in PLACES])},
               '040 ' || CAST(g.n + {FIRST_NUMBER - 1} AS varchar(20)),
               'asiakas' || CAST(g.n + {FIRST_NUMBER - 1} AS varchar(20)) || '@{EMAIL_DOMAIN}',
               {_case("g.n", ["fi"] * 8 + ["sv", "en"])}, 'active', :now, :now
        FROM g""", first=result.first_number - FIRST_NUMBER + 1, last=result.last_number - FIRST_NUMBER + 1,
             now=now)
    # The console's search terms (Customer keeps them for ORM writes): both orders of the name
    # without accents, and the phone in E.164.
    first = _case(n, [search_words(name) for name in FIRST_NAMES])
    last = _case(f"{n} / 20", [search_words(name) for name in LAST_NAMES])
    _execute(f"""
        INSERT INTO customer_search_term (customer_id, customer_number, term)
        SELECT c.id, c.customer_number, {first} || ' ' || {last} FROM customer c WHERE {new_customers}
        UNION ALL SELECT c.id, c.customer_number, {last} || ' ' || {first} FROM customer c WHERE {new_customers}
        UNION ALL SELECT c.id, c.customer_number, '+35840' || c.customer_number FROM customer c
        WHERE {new_customers}""")
    _execute(f"""
        INSERT INTO account (customer_id, display_name, role, password_hash, totp_enabled, totp_last_step,
                             session_version, created_at)
        SELECT c.id, '', 'customer', :hash, :false, 0, 1, :now FROM customer c WHERE {new_customers}""",
             hash=hash_password(PASSWORD), false=False, now=now)
    # Everyone has a connection agreement, nearly everyone a billing one, a third a service one.
    _execute(f"""
        WITH k(kind, every) AS (VALUES ('connection', 1), ('billing', 1), ('service', 3))
        INSERT INTO agreement (customer_id, kind, valid_from)
        SELECT c.id, k.kind, :since FROM customer c, k
        WHERE {new_customers} AND {n} % k.every = 0 AND NOT (k.kind = 'billing' AND {n} % 20 = 0)""",
             since=date(2019, 3, 1))
    # A card for everyone with a MIX package; one in fifty has let it expire.
    _execute(f"""
        INSERT INTO pay_tv_card (customer_id, card_number, valid_until)
        SELECT c.id, 'BENCH ' || c.customer_number, CASE WHEN {n} % 50 = 0 THEN :expired ELSE :valid END
        FROM customer c WHERE {new_customers} AND {SLOT_COUNT.format(n=n)} >= 2""",
             expired=day - timedelta(days=30), valid=day + timedelta(days=730))
    _insert_subscriptions(products, new_customers, n, now, day)
    _insert_children(before, now)


def _insert_subscriptions(products: dict[str, int], new_customers: str, n: str, now: datetime, day: date) -> None:
    rows = [f"({slot}, {len(codes)}, {variant}, {products[code]})"
            for slot, codes in enumerate(SLOTS) for variant, code in enumerate(codes)]
    ended = f"(s.slot = {ENDED_SLOT} OR (s.slot > {SECURITY_SLOT} AND ({n} + s.slot) % 6 = 0))"
    started = day - timedelta(days=3 * 365)
    _execute(f"""
        WITH s(slot, modulus, variant, product_id) AS (VALUES {", ".join(rows)})
        INSERT INTO subscription (customer_id, product_id, starts_on, ends_on, status, created_at)
        SELECT c.id, s.product_id, :started, CASE WHEN {ended} THEN :ended END,
               CASE WHEN {ended} THEN 'ended'
                    WHEN s.slot = {SECURITY_SLOT} AND {n} % 10 = 0 THEN 'pending'
                    ELSE 'active' END,
               :now
        FROM customer c JOIN s ON s.slot < {SLOT_COUNT.format(n=n)} AND ({n} / (s.slot + 1)) % s.modulus = s.variant
        WHERE {new_customers}""",
             started=started, ended=started + timedelta(days=365), now=now)


def _insert_children(before: dict[str, int], now: datetime) -> None:
    """Licence keys, MIX channels, an order and its audit event per subscription, mailboxes."""
    subscriptions = f"subscription s JOIN product p ON p.id = s.product_id AND s.id > {before['subscription']}"
    _execute(f"""
        INSERT INTO licence_key (product_id, key, subscription_id, assigned_at)
        SELECT s.product_id, 'BENCH-' || CAST(s.id AS varchar(20)), s.id, :now
        FROM {subscriptions} WHERE p.needs_licence_key AND s.status = 'active'""", now=now)
    channels = list(db.session.scalars(select(Channel.id).where(Channel.retired.is_(False))
                                       .order_by(Channel.position, Channel.id)))
    pool = ", ".join(f"({i}, {channel_id})" for i, channel_id in enumerate(channels))
    # Some packages full, some with room: mix_size, mix_size - 1 or mix_size - 2 channels.
    _execute(f"""
        WITH ch(idx, channel_id) AS (VALUES {pool})
        INSERT INTO mix_choice (subscription_id, channel_id, chosen_at)
        SELECT s.id, ch.channel_id, :now FROM ch, {subscriptions}
        WHERE p.mix_size IS NOT NULL AND s.status = 'active'
          AND (ch.idx + s.id) % {len(channels)} < p.mix_size - s.id % 3""", now=now)
    _execute(f"""
        INSERT INTO "order" (customer_id, product_id, subscription_id, kind, status, idempotency_key,
                             price_cents, vat_basis_points, reject_reason, created_at)
        SELECT s.customer_id, s.product_id, s.id, 'new',
               CASE WHEN s.status = 'pending' THEN 'pending' ELSE 'delivered' END,
               'bench-' || CAST(s.id AS varchar(20)), p.price_cents, p.vat_basis_points, '', :now
        FROM {subscriptions}""", now=now)
    _execute(f"""
        INSERT INTO audit_event (at, actor_account_id, actor_name, customer_id, action, details_json)
        SELECT :now, a.id, c.name, o.customer_id, 'order.new',
               '{{"order_id": ' || CAST(o.id AS varchar(20)) || ', "product": "' || p.code || '"}}'
        FROM "order" o JOIN customer c ON c.id = o.customer_id JOIN account a ON a.customer_id = c.id
             JOIN product p ON p.id = o.product_id
        WHERE o.id > {before['order']}""", now=now)
    domain = db.session.scalar(select(OperatorSettings.mail_domain)) or "example.fi"
    _execute(f"""
        INSERT INTO mailbox (customer_id, address, local_part, domain, password_hash, quota_mb, active,
                             keep_copy, autoreply_enabled, autoreply_subject, autoreply_body, created_at)
        SELECT c.id, 'asiakas' || c.customer_number || '@' || :domain, 'asiakas' || c.customer_number,
               :domain, :hash, 5120, :true, :true, :false, '', '', :now
        FROM customer c WHERE c.id > {before['customer']} AND c.id % 2 = 0""",
             domain=domain, hash=hash_mailbox_password(PASSWORD), true=True, false=False, now=now)
