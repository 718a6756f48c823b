"""The migrations give exactly the models' schema, on SQLite and on Postgres."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.extensions import db


# SQLite cannot reflect expression indexes (the Postgres-only lower(name) one); the Postgres pass compares it.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrated_database_matches_models():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_sqlite_never_gives_an_id_again_where_the_models_say_so():
    """compare_metadata does not see SQLite's AUTOINCREMENT: the migrated tables are read for it."""
    if db.engine.dialect.name != "sqlite":
        return
    wanted = {t.name for t in db.metadata.sorted_tables if t.dialect_options["sqlite"]["autoincrement"]}
    assert wanted >= {"agreement", "pay_tv_card"}
    with db.engine.connect() as connection:
        tables = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        made = {name for name, sql in tables if "AUTOINCREMENT" in sql}
    assert made == wanted
