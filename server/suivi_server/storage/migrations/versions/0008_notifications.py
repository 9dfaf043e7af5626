"""the notification outbox, the history of merchants' notification rules, shoppers' opt-outs

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("occurrence", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("provider_response", sa.String(length=500), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_notifications_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_notifications_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notifications_idempotency_key")),
    )
    op.create_index("ix_notifications_state_due_at", "notifications", ["state", "due_at"])
    op.create_index(
        "ix_notifications_shipment_id_channel", "notifications", ["shipment_id", "channel"]
    )
    op.create_index("ix_notifications_merchant_id_id", "notifications", ["merchant_id", "id"])
    op.create_table(
        "notification_rule_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_notification_rule_changes_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_rule_changes")),
    )
    op.create_index(
        "ix_notification_rule_changes_merchant_id_changed_at",
        "notification_rule_changes",
        ["merchant_id", "changed_at"],
    )
    op.create_table(
        "notification_optouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_notification_optouts_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_optouts")),
        sa.UniqueConstraint(
            "merchant_id",
            "channel",
            "address",
            name=op.f("uq_notification_optouts_merchant_id_channel_address"),
        ),
    )


def downgrade() -> None:
    op.drop_table("notification_optouts")
    op.drop_index(
        "ix_notification_rule_changes_merchant_id_changed_at",
        table_name="notification_rule_changes",
    )
    op.drop_table("notification_rule_changes")
    op.drop_index("ix_notifications_merchant_id_id", table_name="notifications")
    op.drop_index("ix_notifications_shipment_id_channel", table_name="notifications")
    op.drop_index("ix_notifications_state_due_at", table_name="notifications")
    op.drop_table("notifications")
