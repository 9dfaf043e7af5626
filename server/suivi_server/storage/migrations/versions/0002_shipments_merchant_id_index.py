"""index the merchant's shipment list by (merchant_id, id)

The merchant API lists shipments newest first and pages with an id cursor; this index serves
that query directly instead of sorting every shipment of the merchant.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index("ix_shipments_merchant_id_id", ["merchant_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_merchant_id_id")
