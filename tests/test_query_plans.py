"""Lookups that must not read every customer: each can use an index on Postgres.

The tables here are small, so the planner is told to avoid sequential scans; where no
index serves a condition it still reads a whole table, sequentially or along an index,
and that means a lookup that grows with the customers.
"""

from sqlalchemy import text

from app.extensions import db
from app.services import accounts, customers
from bench.scale import full_scans
from tests.helpers import statements

BIG_TABLES = {"customer", "account", "customer_search_term"}


def statements_of(action) -> list:
    with statements() as seen:
        action()
    return seen


def whole_table_reads(statements: list) -> set[str]:
    scanned = set()
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        # Nor along a whole index: on a table of a few rows (or one whose statistics were taken
        # when it was near empty) that can look cheaper than the indexes that serve the conditions,
        # so the plan would depend on when autovacuum last looked. Bitmap scans still use them.
        connection.execute(text("SET enable_indexscan = off"))
        for statement, parameters in statements:
            plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
            scanned |= full_scans(plan[0]["Plan"])
        connection.rollback()
    return scanned & BIG_TABLES


def test_login_lookup_uses_indexes(postgres, demo_data, app):
    for login in ("100001", "matti.virtanen@example.fi", "yllapito"):
        with app.test_request_context():
            statements = statements_of(lambda: accounts.find_account(login))  # noqa: B023
        assert statements and whole_table_reads(statements) == set(), login


def test_console_customer_search_uses_indexes(postgres, demo_data, app):
    for query in ("matti v", "virtanen", "mäki", "10000", "matti.vir", "040 12", "+358 40 123", "0401234567"):
        with app.test_request_context():
            statements = statements_of(lambda: customers.search(query).items)  # noqa: B023
        assert statements and whole_table_reads(statements) == set(), query


def test_outage_customers_are_found_by_index(postgres, demo_data, app):
    from app.models import Outage, OutageArea, ProductGroup
    from app.models.base import utcnow
    from app.services import outages

    now = utcnow()
    broadband = db.session.query(ProductGroup).filter_by(code="broadband").one()
    for areas in ([OutageArea(kind="postal_code", value="33100")], [OutageArea(kind="municipality", value="Tampere")],
                  [OutageArea(kind="postal_code", value="33100"), OutageArea(kind="municipality", value="Nokia")]):
        outage = Outage(title="Katko", started_at=now, areas=areas, groups=[broadband])
        db.session.add(outage)
        db.session.flush()
        with app.test_request_context():
            statements = statements_of(lambda: db.session.scalars(outages.affected(outage, now)).all())  # noqa: B023
        assert statements and whole_table_reads(statements) == set(), [a.value for a in areas]
