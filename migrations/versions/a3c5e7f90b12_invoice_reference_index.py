"""an index of the invoices' reference numbers, stored without leading zeros: a new invoice's is looked
for among other customers'

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
    # Stored as services/payments.reference_of writes them: the leading zeros the bank barcode pads a
    # reference with anyway are dropped, so "0055113968" is found as "55113968".
    op.execute("UPDATE invoice SET reference = substr(reference, 1, 4) || ltrim(substr(reference, 5), '0') "
               "WHERE reference LIKE 'RF%' AND substr(reference, 5, 1) = '0'")
    op.execute("UPDATE invoice SET reference = ltrim(reference, '0') "
               "WHERE reference NOT LIKE 'RF%' AND reference LIKE '0%'")
    op.create_index('ix_invoice_reference', 'invoice', ['reference'])


def downgrade():
    # The zeros dropped are not put back: the barcode and the bank read the reference alike without them.
    op.drop_index('ix_invoice_reference', table_name='invoice')
