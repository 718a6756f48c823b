"""the operator's list of reserved mailbox addresses

Staff edit it under Asetukset. An existing operator row gets the words the portal starts
with; mailboxes and aliases that customers already have keep working even if the list names
them: the list is checked when an address is taken.

Revision ID: 79e0502e4677
Revises: 8f39e74218d7
Create Date: 2026-11-28 10:08:26.098113

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '79e0502e4677'
down_revision = '8f39e74218d7'
branch_labels = None
depends_on = None

# As app/models/system.py has it on the day of this migration.
STARTING_LIST = "\n".join((
    "omahallinta", "asiakaspalvelu", "asiakastuki", "tuki", "laskutus", "myynti", "neuvonta", "tilaukset",
    "hallinta", "yllapito", "tietoturva", "verkko", "kundtjanst", "kundservice", "fakturering",
    "forsaljning", "customerservice", "helpdesk", "service",
))


def upgrade():
    with op.batch_alter_table('operator_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved_local_parts', sa.Text(), nullable=False, server_default=''))
    settings = sa.table('operator_settings', sa.column('reserved_local_parts', sa.Text()))
    op.execute(settings.update().values(reserved_local_parts=STARTING_LIST))
    with op.batch_alter_table('operator_settings', schema=None) as batch_op:
        batch_op.alter_column('reserved_local_parts', server_default=None)


def downgrade():
    with op.batch_alter_table('operator_settings', schema=None) as batch_op:
        batch_op.drop_column('reserved_local_parts')
