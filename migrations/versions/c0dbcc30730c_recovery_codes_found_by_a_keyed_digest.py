"""recovery codes found by a keyed digest

A recovery code is found by `lookup`, an HMAC of the code under a key derived from
SECRET_KEY, and only that row's argon2 hash is checked. The codes stored before this
migration cannot be given a digest (only their hashes are kept): they stay valid, with
`lookup` null, and are checked the old way, hash by hash, until each is used or the
customer (or staff member) gets new codes by switching two-step login off and on.

Revision ID: c0dbcc30730c
Revises: 79e0502e4677
Create Date: 2026-11-28 10:21:21.473427

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0dbcc30730c'
down_revision = '79e0502e4677'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lookup', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_recovery_code_lookup'), ['lookup'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_lookup'))
        batch_op.drop_column('lookup')
