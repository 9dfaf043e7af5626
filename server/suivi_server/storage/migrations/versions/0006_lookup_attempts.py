"""lookup-form attempts per client and second, shared by every web replica

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_attempts",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("second", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client", "second", name=op.f("pk_lookup_attempts")),
    )
    op.create_index("ix_lookup_attempts_second", "lookup_attempts", ["second"])


def downgrade() -> None:
    op.drop_index("ix_lookup_attempts_second", table_name="lookup_attempts")
    op.drop_table("lookup_attempts")
