"""outage updates told to the customers who ask for them

Revision ID: e1f7a2c9b354
Revises: d9a4f3b6c210
Create Date: 2026-11-28 20:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'e1f7a2c9b354'
down_revision = 'd9a4f3b6c210'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outage_updates', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('outage_update_notice',
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_outage_update_notice_channel')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_outage_update_notice_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['update_id'], ['outage_update.id'], name=op.f('fk_outage_update_notice_update_id_outage_update'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('update_id', 'customer_id', name=op.f('pk_outage_update_notice'))
    )
    with op.batch_alter_table('outage_update_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_update_notice_customer_id'), ['customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outage_update_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outage_update_notice_customer_id'))
    op.drop_table('outage_update_notice')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('outage_updates')
