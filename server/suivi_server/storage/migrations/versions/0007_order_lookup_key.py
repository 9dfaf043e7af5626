"""order numbers as the lookup form matches them (case and spaces folded), indexed per merchant

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shipments", sa.Column("order_key", sa.String(length=64), nullable=True))
    # Folded in Python, as the application does: SQL lower() differs between databases.
    table = sa.table(
        "shipments", sa.column("id"), sa.column("order_number"), sa.column("order_key")
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, table.c.order_number)).all()
    for row in rows:
        key = row.order_number.strip().casefold()
        conn.execute(sa.update(table).where(table.c.id == row.id).values(order_key=key))
    op.create_index("ix_shipments_merchant_order_key", "shipments", ["merchant_id", "order_key"])


def downgrade() -> None:
    op.drop_index("ix_shipments_merchant_order_key", table_name="shipments")
    op.drop_column("shipments", "order_key")
