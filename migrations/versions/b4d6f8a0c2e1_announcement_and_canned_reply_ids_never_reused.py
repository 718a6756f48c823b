"""announcements' and canned replies' ids are never given again (SQLite AUTOINCREMENT)

A removal or an edit sent from a page opened before must not reach a new row that took a removed one's
id: SQLite gives the highest id again once its row is gone, Postgres' sequences never do. As in
e4b1c7d92f60 (agreements, cards), SQLite's tables are made anew with the option, rows kept with their ids.

Revision ID: b4d6f8a0c2e1
Revises: a3c5e7f90b12
Create Date: 2026-11-30 07:15:00.000000
"""
from alembic import op

revision = 'b4d6f8a0c2e1'
down_revision = 'a3c5e7f90b12'
branch_labels = None
depends_on = None


def upgrade():
    _made_anew(autoincrement=True)


def downgrade():
    _made_anew(autoincrement=False)


def _made_anew(autoincrement: bool):
    if op.get_bind().dialect.name == 'sqlite':
        for table in ('announcement', 'canned_reply'):
            with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
                pass
