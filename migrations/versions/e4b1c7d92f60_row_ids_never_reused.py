"""agreements' and pay-TV cards' ids are never given again (SQLite AUTOINCREMENT)

Revision ID: e4b1c7d92f60
Revises: d2a6f0c81b3e
Create Date: 2026-11-29 05:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e4b1c7d92f60'
down_revision = 'd2a6f0c81b3e'
branch_labels = None
depends_on = None

TABLES = ('agreement', 'pay_tv_card')


def _rebuild(autoincrement: bool):
    # Postgres' sequences never give an id again; SQLite's tables are made anew with the option
    # (the rows are copied with their ids, so the next id is past the highest kept).
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
