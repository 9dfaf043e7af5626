"""merchant dashboard: users with roles and invitations, server-side sessions, notes and
handled marks on shipments; the problem column filled in for the shipments already stored

Revision ID: 0011
Revises: 0010
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from suivi_server.storage.problems import SITUATION_PROBLEMS, STATUS_PROBLEMS, from_rows, values_of
from suivi_server.storage.schema import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_merchant_id_delivered_at", ["merchant_id", "delivered_at"], unique=False
        )
        batch_op.create_index(
            "ix_shipments_merchant_id_created_at", ["merchant_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_shipments_merchant_id_problem_problem_since",
            ["merchant_id", "problem", "problem_since"],
            unique=False,
        )
        batch_op.create_index(
            "ix_shipments_merchant_id_email_key",
            ["merchant_id", sa.text("lower(customer_email)")],
            unique=False,
        )
    op.create_table(
        "dashboard_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("invitation_hash", sa.String(length=128), nullable=True),
        sa.Column("invitation_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_dashboard_users_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_users")),
        sa.UniqueConstraint("email", name=op.f("uq_dashboard_users_email")),
        sa.UniqueConstraint("invitation_hash", name=op.f("uq_dashboard_users_invitation_hash")),
    )
    with op.batch_alter_table("dashboard_users", schema=None) as batch_op:
        batch_op.create_index("ix_dashboard_users_merchant_id", ["merchant_id"], unique=False)
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["dashboard_users.id"],
            name=op.f("fk_dashboard_sessions_user_id_dashboard_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dashboard_sessions_token_hash")),
    )
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_dashboard_sessions_user_id", ["user_id"], unique=False)
    op.create_table(
        "shipment_handling",
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_shipment_handling_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_handling_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["dashboard_users.id"],
            name=op.f("fk_shipment_handling_user_id_dashboard_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipment_handling")),
    )
    op.create_table(
        "shipment_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("handled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_shipment_notes_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_notes_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["dashboard_users.id"],
            name=op.f("fk_shipment_notes_user_id_dashboard_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_notes")),
    )
    with op.batch_alter_table("shipment_notes", schema=None) as batch_op:
        batch_op.create_index("ix_shipment_notes_shipment_id", ["shipment_id"], unique=False)
    backfill_problems(op.get_bind(), datetime.now(UTC))


# The tables as this revision knows them (not the application's schema, which moves on).
_shipments = sa.table(
    "shipments",
    sa.column("id", sa.Integer),
    sa.column("merchant_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("substatus", sa.String),
    sa.column("problem", sa.String),
    sa.column("problem_since", UtcDateTime()),
)
_merchants = sa.table("merchants", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))
_situations = sa.table(
    "shipment_situations",
    sa.column("shipment_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("facts", sa.JSON),
    sa.column("detected_at", UtcDateTime()),
    sa.column("resolved_at", UtcDateTime()),
)
_choices = sa.table(
    "shopper_choices",
    sa.column("shipment_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("state", sa.String),
    sa.column("created_at", UtcDateTime()),
)
_BATCH = 500


def backfill_problems(conn: Connection, now: datetime) -> None:
    """The leading problem of every shipment that may have one, computed as the application
    does (storage/problems.py), by batches of shipment ids."""
    s, t, c = _shipments.c, _situations.c, _choices.c
    exceptions = sorted({status for status, _ in STATUS_PROBLEMS})
    maybe = sa.union(
        sa.select(s.id).where(s.status.in_(exceptions)),
        sa.select(t.shipment_id).where(
            t.resolved_at.is_(None), t.kind.in_(sorted(SITUATION_PROBLEMS))
        ),
        sa.select(c.shipment_id).where(c.state == "open"),
    )
    ids = sorted(conn.execute(maybe).scalars())
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        rows = conn.execute(
            sa.select(
                s.id, s.status, s.substatus, s.problem, s.problem_since, _merchants.c.settings
            )
            .join(_merchants, _merchants.c.id == s.merchant_id)
            .where(s.id.in_(batch))
        ).all()
        active = conn.execute(
            sa.select(t.shipment_id, t.kind, t.facts, t.detected_at).where(
                t.shipment_id.in_(batch), t.resolved_at.is_(None)
            )
        ).all()
        open_choices = conn.execute(
            sa.select(c.shipment_id, c.kind, c.created_at).where(
                c.shipment_id.in_(batch), c.state == "open"
            )
        ).all()
        for row in rows:
            mine = [r for r in active if r.shipment_id == row.id]
            chosen = [r for r in open_choices if r.shipment_id == row.id]
            values = values_of(from_rows(row, mine, chosen, now))
            conn.execute(sa.update(_shipments).where(s.id == row.id).values(**values))


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_merchant_id_email_key")
        batch_op.drop_index("ix_shipments_merchant_id_problem_problem_since")
        batch_op.drop_index("ix_shipments_merchant_id_created_at")
        batch_op.drop_index("ix_shipments_merchant_id_delivered_at")
    with op.batch_alter_table("shipment_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_shipment_notes_shipment_id")
    op.drop_table("shipment_notes")
    op.drop_table("shipment_handling")
    with op.batch_alter_table("dashboard_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_sessions_user_id")
    op.drop_table("dashboard_sessions")
    with op.batch_alter_table("dashboard_users", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboard_users_merchant_id")
    op.drop_table("dashboard_users")
