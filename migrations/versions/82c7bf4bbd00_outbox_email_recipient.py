"""the recipient of an outbox email as a column

It counts the email-change confirmations sent to one address (at most three a day).
Messages queued before this migration keep a null recipient and are not counted: the
limit starts with the release.

Revision ID: 82c7bf4bbd00
Revises: c0dbcc30730c
Create Date: 2026-11-28 10:12:51.084484

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '82c7bf4bbd00'
down_revision = 'c0dbcc30730c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient', sa.String(length=254), nullable=True))
        batch_op.create_index('ix_outbox_message_recipient', ['recipient', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_recipient')
        batch_op.drop_column('recipient')
