"""a refused form's page, kept for the redirect that follows

Revision ID: d9a4f3b6c210
Revises: a3f19c2e7d41
Create Date: 2026-11-28 20:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'd9a4f3b6c210'
down_revision = 'a3f19c2e7d41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('refused_page',
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('path', sa.String(length=2048), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_refused_page'))
    )
    with op.batch_alter_table('refused_page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refused_page_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('refused_page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refused_page_created_at'))
    op.drop_table('refused_page')
