"""metric counts kept by triggers (shipments per carrier, status and failing; active situations
per kind; polls per minute), the sender's due rows per channel, and the API's problem list

Revision ID: 0013
Revises: 0011

/metrics used to count whole tables on every scrape (seconds at a million shipments). Triggers
keep small count tables in the transaction of every write that changes a counted column,
whoever writes (the API, the worker, imports, cascading deletes), so a scrape reads a few
hundred rows whatever the number of shipments. On PostgreSQL each connection adds to its own
shard of a count (its backend pid modulo SHARDS), so concurrent writers never wait on one row.
SQLite loses a table's triggers when a batch migration recreates it: such a migration on
shipments or shipment_situations must create them again (see _sqlite_triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The API's problem flag (suivi.is_problem) as literal SQL, as of this revision.
PROBLEM_WHERE = (
    "status IN ('attempt_failed', 'exception', 'expired', 'returned', 'returning')"
    " OR (substatus IS NOT NULL AND substatus IN ('delayed'))"
)

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

SHARDS = 64
POLL_SLOTS = 120  # minutes kept by the poll ring: twice the hour /metrics reads


def _upsert(table: str, keys: dict[str, str], value: str, shard: str, total: str) -> str:
    columns = ", ".join([*keys, "shard", total])
    values = ", ".join([*keys.values(), shard, value])
    conflict = ", ".join([*keys, "shard"])
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({conflict}) "
        f"DO UPDATE SET {total} = {table}.{total} + excluded.{total};"
    )


def _shipment_keys(row: str) -> dict[str, str]:
    return {
        "carrier": f"{row}.carrier",
        "status": f"{row}.status",
        "failing": f"{row}.poll_errors > 0",
    }


def _situation_keys(row: str) -> dict[str, str]:
    return {"kind": f"{row}.kind"}


def _poll_upsert(shard: str, minute: str) -> str:
    return (
        "INSERT INTO poll_counts (slot, shard, minute, polls) "
        f"VALUES (({minute}) % {POLL_SLOTS}, {shard}, {minute}, 1) "
        "ON CONFLICT (slot, shard) DO UPDATE SET "
        "polls = CASE WHEN poll_counts.minute = excluded.minute "
        "THEN poll_counts.polls + 1 ELSE 1 END, minute = excluded.minute "
        "WHERE excluded.minute >= poll_counts.minute;"
    )


_SHIPMENT_CHANGED = (
    "OLD.carrier IS DISTINCT FROM NEW.carrier OR OLD.status IS DISTINCT FROM NEW.status"
    " OR (OLD.poll_errors > 0) IS DISTINCT FROM (NEW.poll_errors > 0)"
)
_SITUATION_CHANGED = (
    "OLD.kind IS DISTINCT FROM NEW.kind"
    " OR (OLD.resolved_at IS NULL) IS DISTINCT FROM (NEW.resolved_at IS NULL)"
)
_POLLED = (
    "NEW.last_polled_at IS NOT NULL AND NEW.last_polled_at IS DISTINCT FROM OLD.last_polled_at"
)


def _sqlite_triggers() -> list[str]:
    """Row triggers; SQLite has one writer at a time, so one shard (0) is enough."""

    def ship(row: str, n: int) -> str:
        return _upsert("shipment_counts", _shipment_keys(row), str(n), "0", "shipments")

    def situ(row: str, n: int) -> str:
        return _upsert("situation_counts", _situation_keys(row), str(n), "0", "situations")

    minute = "CAST(strftime('%s', NEW.last_polled_at) AS INTEGER) / 60"
    # SQLite spells IS DISTINCT FROM as IS NOT
    shipment_changed = _SHIPMENT_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    situation_changed = _SITUATION_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    polled = _POLLED.replace("IS DISTINCT FROM", "IS NOT")
    return [
        f"CREATE TRIGGER shipment_counts_insert AFTER INSERT ON shipments "
        f"BEGIN {ship('NEW', 1)} END",
        f"CREATE TRIGGER shipment_counts_delete AFTER DELETE ON shipments "
        f"BEGIN {ship('OLD', -1)} END",
        f"CREATE TRIGGER shipment_counts_update AFTER UPDATE OF carrier, status, poll_errors "
        f"ON shipments WHEN {shipment_changed} BEGIN {ship('OLD', -1)} {ship('NEW', 1)} END",
        f"CREATE TRIGGER situation_counts_insert AFTER INSERT ON shipment_situations "
        f"WHEN NEW.resolved_at IS NULL BEGIN {situ('NEW', 1)} END",
        f"CREATE TRIGGER situation_counts_delete AFTER DELETE ON shipment_situations "
        f"WHEN OLD.resolved_at IS NULL BEGIN {situ('OLD', -1)} END",
        f"CREATE TRIGGER situation_counts_resolve AFTER UPDATE OF kind, resolved_at "
        f"ON shipment_situations WHEN OLD.resolved_at IS NULL AND ({situation_changed}) "
        f"BEGIN {situ('OLD', -1)} END",
        f"CREATE TRIGGER situation_counts_reopen AFTER UPDATE OF kind, resolved_at "
        f"ON shipment_situations WHEN NEW.resolved_at IS NULL AND ({situation_changed}) "
        f"BEGIN {situ('NEW', 1)} END",
        f"CREATE TRIGGER poll_counts_update AFTER UPDATE OF last_polled_at ON shipments "
        f"WHEN {polled} BEGIN {_poll_upsert('0', minute)} END",
    ]


def _postgresql_triggers() -> list[str]:
    """Row triggers writing to the connection's own shard."""
    shard = f"pg_backend_pid() % {SHARDS}"

    def ship(row: str, n: int) -> str:
        return _upsert("shipment_counts", _shipment_keys(row), str(n), shard, "shipments")

    def situ(row: str, n: int) -> str:
        return _upsert("situation_counts", _situation_keys(row), str(n), shard, "situations")

    minute = "floor(extract(epoch FROM NEW.last_polled_at) / 60)::bigint"
    return [
        "CREATE FUNCTION suivi_count_shipments() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {ship('OLD', -1)} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {ship('NEW', 1)} END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER shipment_counts_write AFTER INSERT OR DELETE ON shipments "
        "FOR EACH ROW EXECUTE FUNCTION suivi_count_shipments()",
        "CREATE TRIGGER shipment_counts_update AFTER UPDATE OF carrier, status, poll_errors "
        f"ON shipments FOR EACH ROW WHEN ({_SHIPMENT_CHANGED}) "
        "EXECUTE FUNCTION suivi_count_shipments()",
        "CREATE FUNCTION suivi_count_situations() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' AND OLD.resolved_at IS NULL THEN {situ('OLD', -1)} END IF; "
        f"IF TG_OP <> 'DELETE' AND NEW.resolved_at IS NULL THEN {situ('NEW', 1)} END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER situation_counts_write AFTER INSERT OR DELETE ON shipment_situations "
        "FOR EACH ROW EXECUTE FUNCTION suivi_count_situations()",
        "CREATE TRIGGER situation_counts_update AFTER UPDATE OF kind, resolved_at "
        f"ON shipment_situations FOR EACH ROW WHEN ({_SITUATION_CHANGED}) "
        "EXECUTE FUNCTION suivi_count_situations()",
        "CREATE FUNCTION suivi_count_polls() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_poll_upsert(shard, minute)} RETURN NULL; END $$",
        "CREATE TRIGGER poll_counts_update AFTER UPDATE OF last_polled_at ON shipments "
        f"FOR EACH ROW WHEN ({_POLLED}) EXECUTE FUNCTION suivi_count_polls()",
    ]


_BACKFILL = (
    "INSERT INTO shipment_counts (carrier, status, failing, shard, shipments) "
    "SELECT carrier, status, poll_errors > 0, 0, count(*) FROM shipments "
    "GROUP BY carrier, status, poll_errors > 0",
    "INSERT INTO situation_counts (kind, shard, situations) "
    "SELECT kind, 0, count(*) FROM shipment_situations WHERE resolved_at IS NULL GROUP BY kind",
)
_DROP_SQLITE = (
    "shipment_counts_insert",
    "shipment_counts_delete",
    "shipment_counts_update",
    "situation_counts_insert",
    "situation_counts_delete",
    "situation_counts_resolve",
    "situation_counts_reopen",
    "poll_counts_update",
)
_DROP_POSTGRESQL = (
    ("shipment_counts_write", "shipments"),
    ("shipment_counts_update", "shipments"),
    ("poll_counts_update", "shipments"),
    ("situation_counts_write", "shipment_situations"),
    ("situation_counts_update", "shipment_situations"),
)


def upgrade() -> None:
    op.create_table(
        "shipment_counts",
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("failing", sa.Boolean(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("shipments", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "carrier", "status", "failing", "shard", name=op.f("pk_shipment_counts")
        ),
    )
    op.create_table(
        "situation_counts",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("situations", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "shard", name=op.f("pk_situation_counts")),
    )
    op.create_table(
        "poll_counts",
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("polls", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("slot", "shard", name=op.f("pk_poll_counts")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_state_channel_due_at", ["state", "channel", "due_at"], unique=False
        )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_problem_list",
            ["merchant_id", "id"],
            unique=False,
            sqlite_where=sa.text(PROBLEM_WHERE),
            postgresql_where=sa.text(PROBLEM_WHERE),
        )
    conn = op.get_bind()
    for statement in _BACKFILL:
        conn.execute(sa.text(statement))
    triggers = _sqlite_triggers() if conn.dialect.name == "sqlite" else _postgresql_triggers()
    for statement in triggers:
        conn.execute(sa.text(statement))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in _DROP_SQLITE:
            conn.execute(sa.text(f"DROP TRIGGER {name}"))
    else:
        for name, table in _DROP_POSTGRESQL:
            conn.execute(sa.text(f"DROP TRIGGER {name} ON {table}"))
        for function in ("suivi_count_shipments", "suivi_count_situations", "suivi_count_polls"):
            conn.execute(sa.text(f"DROP FUNCTION {function}()"))
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_problem_list")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_state_channel_due_at")
    op.drop_table("poll_counts")
    op.drop_table("situation_counts")
    op.drop_table("shipment_counts")
