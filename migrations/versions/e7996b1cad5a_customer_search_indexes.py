"""indexes for the console's customer search: prefixes of number, email, phone and name

Postgres uses an index for LIKE 'abc%' only through the pattern operator classes (outside
the C collation); SQLite ignores the operator class. The lower-cased name is indexed on
Postgres only: SQLite would not use it for LIKE, and its table copies in later batch
migrations could not carry an expression index over.

Revision ID: e7996b1cad5a
Revises: 86610353e155
Create Date: 2026-11-24 22:09:24.644543

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7996b1cad5a'
down_revision = '86610353e155'
branch_labels = None
depends_on = None

COLUMNS = ('customer_number', 'email', 'phone')


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phone'))
        for column in COLUMNS:
            batch_op.create_index(f'ix_customer_{column}_prefix', [column], unique=False,
                                  postgresql_ops={column: 'varchar_pattern_ops'})
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_customer_name_prefix', 'customer', [sa.text('lower(name) text_pattern_ops')])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_customer_name_prefix', table_name='customer')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f'ix_customer_{column}_prefix')
        batch_op.create_index(batch_op.f('ix_customer_phone'), ['phone'], unique=False)
