"""the console's customer search by any word of the name and by phone in any format

`customer_search_term` holds, for each customer, every rotation of the name with accents
off and in lower case ("virtanen matti"), and the phone number in E.164 (+358401234567); the
search matches their beginnings through one prefix index. The rows are made here from the
stored names and phones with the application's own functions (app.models.customer), in
batches; a million customers take a few minutes. The lower(name) and phone prefix indexes
it replaces are dropped.

Revision ID: 8dfbd0fe514f
Revises: 69d4befa6512
Create Date: 2026-11-28 10:08:58.216861

"""
from alembic import op
import sqlalchemy as sa

from app.models.customer import search_terms


# revision identifiers, used by Alembic.
revision = '8dfbd0fe514f'
down_revision = '69d4befa6512'
branch_labels = None
depends_on = None

BATCH = 20000


def upgrade():
    op.create_table('customer_search_term',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('customer_number', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_search_term_customer_id_customer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'term', name=op.f('pk_customer_search_term'))
    )
    backfill()
    with op.batch_alter_table('customer_search_term', schema=None) as batch_op:
        batch_op.create_index('ix_customer_search_term_prefix', ['term', 'customer_number', 'customer_id'], unique=False, postgresql_ops={'term': 'varchar_pattern_ops'})

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phone_prefix'))
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_customer_name_prefix', table_name='customer')


def backfill():
    connection = op.get_bind()
    customer = sa.table('customer', sa.column('id', sa.Integer), sa.column('customer_number', sa.String),
                        sa.column('name', sa.String), sa.column('phone', sa.String))
    term = sa.table('customer_search_term', sa.column('customer_id', sa.Integer), sa.column('term', sa.String),
                    sa.column('customer_number', sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(customer.c.id, customer.c.customer_number, customer.c.name,
                                            customer.c.phone)
                                  .where(customer.c.id > last).order_by(customer.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(term.insert(), [{'customer_id': id_, 'term': text, 'customer_number': number}
                                           for id_, number, name, phone in rows
                                           for text in search_terms(name, phone)])
        last = rows[-1][0]


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_customer_name_prefix', 'customer', [sa.text('lower(name) text_pattern_ops')])
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_phone_prefix'), ['phone'], unique=False,
                              postgresql_ops={'phone': 'varchar_pattern_ops'})

    with op.batch_alter_table('customer_search_term', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_search_term_prefix', postgresql_ops={'term': 'varchar_pattern_ops'})

    op.drop_table('customer_search_term')
