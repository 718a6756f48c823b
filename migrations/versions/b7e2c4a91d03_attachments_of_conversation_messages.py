"""attachments of conversation messages

Revision ID: b7e2c4a91d03
Revises: e1f7a2c9b354
Create Date: 2026-11-28 20:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b7e2c4a91d03'
down_revision = 'e1f7a2c9b354'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_attachment_feedback_id_feedback'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['feedback_reply.id'], name=op.f('fk_attachment_reply_id_feedback_reply'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_feedback', ['feedback_id', 'id'], unique=False)
        batch_op.create_index('ix_attachment_reply', ['reply_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_reply')
        batch_op.drop_index('ix_attachment_feedback')
    op.drop_table('attachment')
