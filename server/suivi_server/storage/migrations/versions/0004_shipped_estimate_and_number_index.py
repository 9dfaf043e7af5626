"""estimate shown at hand-over (accuracy reports), and lookups by tracking number per merchant

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipped_estimate", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_shipments_merchant_number", ["merchant_id", "tracking_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_merchant_number")
        batch_op.drop_column("shipped_estimate")
