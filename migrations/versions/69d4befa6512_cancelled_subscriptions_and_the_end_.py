"""cancelled subscriptions and the end date an upgrade replaced

A subscription whose order was rejected is `cancelled`: it never counted as in force and
is never billed (it used to be `ended`, shown as an ended service). An upgrade keeps the end
date of the subscription it replaced, so a rejected upgrade can give that one back exactly.

Revision ID: 69d4befa6512
Revises: 57e91afde1c8
Create Date: 2026-11-25 10:20:41.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '69d4befa6512'
down_revision = '57e91afde1c8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_ends_on', sa.Date(), nullable=True))
        batch_op.drop_constraint('status', type_='check')
        batch_op.create_check_constraint('status', "status IN ('active', 'pending', 'ended', 'cancelled')")
    op.execute("UPDATE subscription SET status = 'cancelled' WHERE id IN "
               "(SELECT subscription_id FROM \"order\" WHERE status = 'rejected' AND subscription_id IS NOT NULL)")


def downgrade():
    op.execute("UPDATE subscription SET status = 'ended' WHERE status = 'cancelled'")
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_constraint('status', type_='check')
        batch_op.create_check_constraint('status', "status IN ('active', 'pending', 'ended')")
        batch_op.drop_column('replaces_ends_on')
