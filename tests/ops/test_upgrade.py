"""Upgrades keep the data: a database at the oldest migration holding real-shaped rows (the demo, and
what a customer did through the pages) is upgraded by `flask db upgrade`, and every row and value
is still there; running it again changes nothing."""
import os
import uuid

import psycopg
import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import MetaData, delete, insert, inspect, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import CannedReply, Invoice, InvoiceLine
from app.observability import migration_heads
from tests.ops.test_backup import NEW_PASSWORD, made_through_the_pages


@pytest.fixture
def second_database(app, tmp_path):
    """Another database of the same kind as the test database: a SQLite file, or a schema of its own
    in the Postgres test database."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    schema = f"upgrade_{uuid.uuid4().hex[:12]}"
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def rows() -> dict[str, dict[tuple, dict]]:
    """Every row of the portal's tables that exist, as the models read them: {table: {key: {column: value}}}."""
    found = {}
    with db.engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name not in present:
                continue
            columns = [c for c in table.columns if c.name in {col["name"] for col in
                                                                inspect(connection).get_columns(table.name)}]
            found[table.name] = {tuple(row[c.name] for c in table.primary_key): dict(row)
                                 for row in connection.execute(select(*columns)).mappings()}
    return found


def load_into_the_old_schema(data: dict) -> None:
    """The rows, with the columns the old schema has, written in the old schema's own tables."""
    old = MetaData()
    with db.engine.begin() as connection:
        old.reflect(connection)
        for table in old.sorted_tables:
            if table.name in data and data[table.name]:
                names = set(table.columns.keys())
                connection.execute(insert(table), [{k: v for k, v in row.items() if k in names}
                                                   for row in data[table.name].values()])
        if connection.dialect.name == "postgresql":  # ids were given: the sequences go on after them
            for table in old.sorted_tables:
                if "id" in table.columns and data.get(table.name):
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                            f"(SELECT max(id) FROM \"{table.name}\"))"))


def test_an_upgrade_from_the_oldest_migration_keeps_every_row(app, client, make_client, demo_data, second_database):
    made_through_the_pages(client, make_client)
    # Invoices come from the billing system through the API of a version the oldest schema
    # predates, and canned replies are written in a console it lacked: a database of that version
    # cannot hold any, so the demo's are not part of it.
    db.session.execute(delete(InvoiceLine))
    db.session.execute(delete(Invoice))
    db.session.execute(delete(CannedReply))
    db.session.commit()
    before = rows()
    oldest = ScriptDirectory(app.extensions["migrate"].directory).get_base()

    old_app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": second_database})
    try:
        with old_app.app_context():
            upgrade(revision=oldest)
            old_columns = {name: {c["name"] for c in inspect(db.engine).get_columns(name)}
                           for name in inspect(db.engine).get_table_names()}
            load_into_the_old_schema(before)
            assert rows().keys() < before.keys(), "the oldest schema lacks tables a later migration made"

        runner = old_app.test_cli_runner()
        with old_app.app_context():  # the command runs in the app of the context it finds
            upgraded = runner.invoke(args=["db", "upgrade"])
            assert upgraded.exit_code == 0, upgraded.output
            after = rows()
            assert set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()) == \
                migration_heads()
        for name, old in before.items():
            if name not in old_columns:
                # A new table: what its migration derives from the old rows (a backfill, such as the
                # customers' search words) must be what the models themselves would have written.
                assert after[name] == old, f"{name} is a new table"
                continue
            assert after[name].keys() == old.keys(), f"rows of {name} lost or added"
            for key, row in old.items():
                kept = {column: row[column] for column in old_columns[name] if column in row}
                assert {column: after[name][key][column] for column in kept} == kept, (name, key)

        with old_app.app_context():
            again = runner.invoke(args=["db", "upgrade"])
            assert again.exit_code == 0, again.output
            assert rows() == after
        old_app.test_client_class = type(client)
        customer = old_app.test_client()
        assert customer.submit("/kirjaudu", {"login": "100001", "password": NEW_PASSWORD}).status_code == 303
        assert "Matti Virtanen" in customer.get("/").text
    finally:
        with old_app.app_context():
            db.engine.dispose()
