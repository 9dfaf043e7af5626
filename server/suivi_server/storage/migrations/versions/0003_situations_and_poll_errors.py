"""situations detected per shipment, and consecutive poll errors for back-off

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipment_situations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_situations_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_situations")),
        sa.UniqueConstraint(
            "shipment_id",
            "kind",
            "fingerprint",
            name=op.f("uq_shipment_situations_shipment_id_kind_fingerprint"),
        ),
    )
    op.create_index(
        "ix_shipment_situations_active",
        "shipment_situations",
        ["shipment_id", "resolved_at"],
        unique=False,
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("poll_errors", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("poll_errors")
    op.drop_index("ix_shipment_situations_active", table_name="shipment_situations")
    op.drop_table("shipment_situations")
