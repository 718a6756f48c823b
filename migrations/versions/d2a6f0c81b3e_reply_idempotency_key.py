"""a customer's reply sent twice (a double click) is one reply

Revision ID: d2a6f0c81b3e
Revises: c5d8e1f02a47
Create Date: 2026-11-29 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2a6f0c81b3e'
down_revision = 'c5d8e1f02a47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback_reply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=40), nullable=True))
        batch_op.create_index('ux_feedback_reply_key', ['feedback_id', 'idempotency_key'], unique=True)


def downgrade():
    with op.batch_alter_table('feedback_reply', schema=None) as batch_op:
        batch_op.drop_index('ux_feedback_reply_key')
        batch_op.drop_column('idempotency_key')
