"""calls per carrier and second, shared by every worker (global rate limits)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carrier_calls",
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("second", sa.BigInteger(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("carrier", "second", name=op.f("pk_carrier_calls")),
    )


def downgrade() -> None:
    op.drop_table("carrier_calls")
