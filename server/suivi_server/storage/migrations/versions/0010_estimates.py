"""delivery estimates: per-milestone transit histograms, carrier-versus-model scores, every
window shown; the carrier's estimate kept apart from the shown one; the problem column

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "estimate_scores",
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("milestone", sa.String(length=24), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("carrier_hits", sa.Integer(), nullable=False),
        sa.Column("model_hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "carrier", "service", "milestone", "week", name=op.f("pk_estimate_scores")
        ),
    )
    op.create_table(
        "transit_counts",
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("origin_region", sa.String(length=8), nullable=False),
        sa.Column("dest_region", sa.String(length=8), nullable=False),
        sa.Column("milestone", sa.String(length=24), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "carrier",
            "service",
            "origin_region",
            "dest_region",
            "milestone",
            "week",
            "days",
            name=op.f("pk_transit_counts"),
        ),
    )
    with op.batch_alter_table("transit_counts", schema=None) as batch_op:
        batch_op.create_index("ix_transit_counts_week", ["week"], unique=False)
    op.create_table(
        "shown_estimates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(length=24), nullable=True),
        sa.Column("estimate", sa.JSON(), nullable=False),
        sa.Column("carrier_estimate", sa.JSON(), nullable=True),
        sa.Column("model_estimate", sa.JSON(), nullable=True),
        sa.Column("moved_later", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_shown_estimates_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shown_estimates_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shown_estimates")),
    )
    with op.batch_alter_table("shown_estimates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shown_estimates_merchant_id_shown_at", ["merchant_id", "shown_at"], unique=False
        )
        batch_op.create_index("ix_shown_estimates_shipment_id", ["shipment_id"], unique=False)
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carrier_estimate", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("milestone", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column("estimate_moves", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("estimate_later_moves", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("learned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("problem", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("problem_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_shipments_merchant_id_problem_since", ["merchant_id", "problem_since"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_merchant_id_problem_since")
        batch_op.drop_column("problem_since")
        batch_op.drop_column("problem")
        batch_op.drop_column("learned_at")
        batch_op.drop_column("estimate_later_moves")
        batch_op.drop_column("estimate_moves")
        batch_op.drop_column("milestone")
        batch_op.drop_column("carrier_estimate")
    with op.batch_alter_table("shown_estimates", schema=None) as batch_op:
        batch_op.drop_index("ix_shown_estimates_shipment_id")
        batch_op.drop_index("ix_shown_estimates_merchant_id_shown_at")
    op.drop_table("shown_estimates")
    with op.batch_alter_table("transit_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_transit_counts_week")
    op.drop_table("transit_counts")
    op.drop_table("estimate_scores")
