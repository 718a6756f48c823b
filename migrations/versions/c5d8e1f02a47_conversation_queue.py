"""the conversation queue: unread replies, handlers, canned replies, fault reports

Revision ID: c5d8e1f02a47
Revises: b7e2c4a91d03
Create Date: 2026-11-28 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c5d8e1f02a47'
down_revision = 'b7e2c4a91d03'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('canned_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_reply')),
    sa.UniqueConstraint('name', name=op.f('uq_canned_reply_name'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_replies', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_feedback_customer_unread', ['customer_id', 'unread_replies'], unique=False)
        batch_op.add_column(sa.Column('handler_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_feedback_handler_id_account'), 'account', ['handler_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index('ix_feedback_handler_status', ['handler_id', 'status'], unique=False)
        batch_op.add_column(sa.Column('fault_subscription_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fault_started_at', UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_feedback_fault_subscription_id_subscription'), 'subscription',
                                    ['fault_subscription_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(op.f('ck_feedback_topic'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_feedback_topic'), "topic IN ('feedback', 'billing', 'support', 'fault', 'termination', 'other')")


def downgrade():
    op.execute("UPDATE feedback SET topic = 'support' WHERE topic = 'fault'")
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_feedback_topic'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_feedback_topic'), "topic IN ('feedback', 'billing', 'support', 'termination', 'other')")
        batch_op.drop_constraint(op.f('fk_feedback_fault_subscription_id_subscription'), type_='foreignkey')
        batch_op.drop_column('fault_started_at')
        batch_op.drop_column('fault_subscription_id')
        batch_op.drop_index('ix_feedback_handler_status')
        batch_op.drop_constraint(op.f('fk_feedback_handler_id_account'), type_='foreignkey')
        batch_op.drop_column('handler_id')
        batch_op.drop_index('ix_feedback_customer_unread')
        batch_op.drop_column('unread_replies')
    op.drop_table('canned_reply')
