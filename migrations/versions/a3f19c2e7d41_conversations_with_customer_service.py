"""conversations with customer service

Revision ID: a3f19c2e7d41
Revises: f669d608b53f
Create Date: 2026-11-28 17:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'a3f19c2e7d41'
down_revision = 'f669d608b53f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint("author IN ('customer', 'staff')", name=op.f('ck_feedback_reply_author')),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_feedback_reply_feedback_id_feedback'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_reply'))
    )
    with op.batch_alter_table('feedback_reply', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_reply_feedback', ['feedback_id', 'id'], unique=False)

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_activity_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', UTCDateTime(), nullable=True))
    # Until now a message's only activity was its arrival; a handled one counts as closed then.
    op.execute("UPDATE feedback SET last_activity_at = created_at")
    op.execute("UPDATE feedback SET closed_at = created_at WHERE status = 'done'")
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('last_activity_at', existing_type=UTCDateTime(), nullable=False)
        batch_op.drop_constraint(op.f('ck_feedback_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_feedback_status'),
                                         "status IN ('new', 'in_progress', 'answered', 'done')")
        batch_op.drop_index('ix_feedback_customer')
        batch_op.create_index('ix_feedback_customer_activity', ['customer_id', 'last_activity_at'], unique=False)


def downgrade():
    op.execute("UPDATE feedback SET status = 'in_progress' WHERE status = 'answered'")
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_customer_activity')
        batch_op.create_index('ix_feedback_customer', ['customer_id'], unique=False)
        batch_op.drop_constraint(op.f('ck_feedback_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_feedback_status'), "status IN ('new', 'in_progress', 'done')")
        batch_op.drop_column('closed_at')
        batch_op.drop_column('last_activity_at')

    with op.batch_alter_table('feedback_reply', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_reply_feedback')
    op.drop_table('feedback_reply')
