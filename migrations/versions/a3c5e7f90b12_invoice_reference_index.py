"""an index of the invoices' reference numbers: a new invoice's is looked for among other customers'

Revision ID: a3c5e7f90b12
Revises: e4b1c7d92f60
Create Date: 2026-11-30 04:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3c5e7f90b12'
down_revision = 'e4b1c7d92f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_invoice_reference', 'invoice', ['reference'])


def downgrade():
    op.drop_index('ix_invoice_reference', table_name='invoice')
