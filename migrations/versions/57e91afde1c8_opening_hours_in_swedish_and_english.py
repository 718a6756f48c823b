"""opening hours in Swedish and English

Revision ID: 57e91afde1c8
Revises: 82c7bf4bbd00
Create Date: 2026-11-28 10:27:40.512040

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '57e91afde1c8'
down_revision = '82c7bf4bbd00'
branch_labels = None
depends_on = None


def upgrade():
    # Empty until the operator writes them: the pages show the Finnish hours, marked as Finnish.
    with op.batch_alter_table('operator_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours_sv', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('hours_en', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('operator_settings', schema=None) as batch_op:
        batch_op.drop_column('hours_en')
        batch_op.drop_column('hours_sv')
