"""the outbox workers' heartbeats, for /metrics

Revision ID: 8f39e74218d7
Revises: e7996b1cad5a
Create Date: 2026-11-28 09:51:35.903009

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f39e74218d7'
down_revision = 'e7996b1cad5a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeat',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeat'))
    )


def downgrade():
    op.drop_table('worker_heartbeat')
