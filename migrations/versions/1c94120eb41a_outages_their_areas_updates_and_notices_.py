"""Outages, their areas, updates and notices; the customer's choice of channel

Revision ID: 1c94120eb41a
Revises: 2180f0e13ec6
Create Date: 2026-11-28 13:39:12.146621

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1c94120eb41a'
down_revision = '2180f0e13ec6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_sv', sa.String(length=200), nullable=True),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_sv', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('all_customers', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('estimated_fix_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closing_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("severity IN ('minor', 'major', 'critical')", name=op.f('ck_outage_severity')),
    sa.CheckConstraint('estimated_fix_at IS NULL OR estimated_fix_at >= started_at', name=op.f('ck_outage_fix_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage'))
    )
    with op.batch_alter_table('outage', schema=None) as batch_op:
        batch_op.create_index('ix_outage_resolved_at', ['resolved_at'], unique=False)

    op.create_table('outage_area',
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.CheckConstraint("kind IN ('postal_code', 'municipality')", name=op.f('ck_outage_area_kind')),
    sa.ForeignKeyConstraint(['outage_id'], ['outage.id'], name=op.f('fk_outage_area_outage_id_outage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outage_id', 'kind', 'value', name=op.f('pk_outage_area'))
    )
    with op.batch_alter_table('outage_area', schema=None) as batch_op:
        batch_op.create_index('ix_outage_area_value', ['kind', 'value'], unique=False)

    op.create_table('outage_group',
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['product_group.id'], name=op.f('fk_outage_group_group_id_product_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outage_id'], ['outage.id'], name=op.f('fk_outage_group_outage_id_outage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outage_id', 'group_id', name=op.f('pk_outage_group'))
    )
    op.create_table('outage_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_outage_notice_channel')),
    sa.CheckConstraint("event IN ('start', 'resolve')", name=op.f('ck_outage_notice_event')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_outage_notice_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outage_id'], ['outage.id'], name=op.f('fk_outage_notice_outage_id_outage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_notice')),
    sa.UniqueConstraint('outage_id', 'customer_id', 'event', name=op.f('uq_outage_notice_outage_id'))
    )
    with op.batch_alter_table('outage_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_notice_customer_id'), ['customer_id'], unique=False)

    op.create_table('outage_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['outage_id'], ['outage.id'], name=op.f('fk_outage_update_outage_id_outage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_update'))
    )
    with op.batch_alter_table('outage_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_update_outage_id'), ['outage_id'], unique=False)

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outage_notices', sa.String(length=5), server_default='email', nullable=False))
        batch_op.create_check_constraint('outage_notices', "outage_notices IN ('email', 'sms', 'none')")
        batch_op.create_index('ix_customer_city', ['city'], unique=False)
        batch_op.create_index('ix_customer_postal_code', ['postal_code'], unique=False)



def downgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_postal_code')
        batch_op.drop_index('ix_customer_city')
        batch_op.drop_constraint(batch_op.f('ck_customer_outage_notices'), type_='check')
        batch_op.drop_column('outage_notices')

    with op.batch_alter_table('outage_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outage_update_outage_id'))

    op.drop_table('outage_update')
    with op.batch_alter_table('outage_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outage_notice_customer_id'))

    op.drop_table('outage_notice')
    op.drop_table('outage_group')
    with op.batch_alter_table('outage_area', schema=None) as batch_op:
        batch_op.drop_index('ix_outage_area_value')

    op.drop_table('outage_area')
    with op.batch_alter_table('outage', schema=None) as batch_op:
        batch_op.drop_index('ix_outage_resolved_at')

    op.drop_table('outage')
