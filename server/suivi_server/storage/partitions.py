"""tracking_events by month on PostgreSQL: the opt-in conversion, months made ahead, retention.

Events are the table that grows (about ten rows per parcel). Partitioned by month of
`occurred_at`, each month's indexes stay small and a month past retention is dropped as one
file instead of deleted row by row. A partitioned table's keys must hold the partition key: the
event key (shipment_id, occurred_at, code) already does, so `ON CONFLICT` ingestion is
unchanged; the primary key becomes (id, occurred_at). Carrier dates far from today (a 1970
placeholder, a year typed wrong) land in the DEFAULT partition; a month created later takes its
rows out of it first, so creating a month never fails on them. While it does, event inserts wait
on the parent's lock: a row for that month written meanwhile would stay in DEFAULT and make the
ATTACH fail.

The trade-off of retention: a parcel older than the kept months still has its row (status,
dates, estimate) but its page shows no events. Retention drops whole month partitions; it does
not go by date in the DEFAULT partition, whose dates say nothing of a parcel's age (a parcel in
transit with a 1970 placeholder would lose the event, and the next poll would store it again as
new). There it deletes only the events of parcels finished (a terminal status, no longer
polled) and last updated before the cut-off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import TERMINAL_STATUSES

TABLE = "tracking_events"
DEFAULT = f"{TABLE}_default"
_BUILDING = f"{TABLE}_partitioned"
_MONTH_NAME = re.compile(rf"{TABLE}_y(\d{{4}})m(\d{{2}})")
PARTITION_KEY = "occurred_at"
# months with events further back than this keep them in the DEFAULT partition at conversion
PAST_MONTHS = 120
# maintenance waits this long for a lock, then fails, rather than queue every insert behind it
LOCK_TIMEOUT = "10s"


def is_partition(name: str | None) -> bool:
    """A month's or the DEFAULT partition: tables the schema does not name, made at run time."""
    return name == DEFAULT or (name is not None and _MONTH_NAME.fullmatch(name) is not None)


def declared_objects(
    item: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object`: autogenerate compares the declared schema and leaves the
    partitions alone (it would otherwise propose dropping every month)."""
    return not (type_ == "table" and reflected and is_partition(name))


class NotPartitioned(Exception):
    """Retention drops months: the events table must be partitioned first."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """What `convert` did: the rows it moved and the month partitions it made."""

    rows: int
    months: tuple[str, ...]


def month_of(moment: datetime) -> int:
    """A month as a count of months since year 0, in UTC: arithmetic on months is addition."""
    moment = moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def month_start(month: int) -> datetime:
    return datetime(month // 12, month % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: int) -> str:
    return f"{TABLE}_y{month // 12:04d}m{month % 12 + 1:02d}"


def _literal(moment: datetime) -> str:
    return f"'{moment.strftime('%Y-%m-%d %H:%M:%S')}+00'"


async def _exec(conn: AsyncConnection, sql: str, **params: Any) -> Any:
    return await conn.execute(sa.text(sql), params)


async def is_partitioned(conn: AsyncConnection) -> bool:
    found = await _exec(
        conn,
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t))",
        t=TABLE,
    )
    return bool(found.scalar())


async def month_partitions(conn: AsyncConnection) -> dict[int, str]:
    """The month partitions of the events table, by month (the DEFAULT one left out)."""
    rows = await _exec(
        conn,
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(:t)",
        t=TABLE,
    )
    months = {}
    for (name,) in rows:
        if match := _MONTH_NAME.fullmatch(name):
            months[int(match[1]) * 12 + int(match[2]) - 1] = name
    return months


async def _add_month(conn: AsyncConnection, parent: str, month: int) -> str:
    """Create one month's partition, moving in the rows the DEFAULT partition holds for it."""
    name, low, high = partition_name(month), month_start(month), month_start(month + 1)
    await _exec(conn, f'CREATE TABLE "{name}" (LIKE "{parent}" INCLUDING DEFAULTS)')
    # inserts wait until commit (reads go on): one for this month would otherwise land in
    # DEFAULT between the move and the ATTACH, which then fails on it
    await _exec(conn, f'LOCK TABLE "{parent}" IN SHARE ROW EXCLUSIVE MODE')
    await _exec(
        conn,
        f'WITH moved AS (DELETE FROM "{DEFAULT}" WHERE {PARTITION_KEY} >= :low'
        f" AND {PARTITION_KEY} < :high RETURNING *)"
        f' INSERT INTO "{name}" SELECT * FROM moved',
        low=low,
        high=high,
    )
    await _exec(
        conn,
        f'ALTER TABLE "{parent}" ATTACH PARTITION "{name}"'
        f" FOR VALUES FROM ({_literal(low)}) TO ({_literal(high)})",
    )
    return name


async def create_ahead(conn: AsyncConnection, now: datetime, ahead: int) -> list[str]:
    """Make this month's partition and the next `ahead` ones if missing (idempotent: the
    daily timer runs it); return the names made."""
    if not await is_partitioned(conn):
        raise NotPartitioned(f"{TABLE} is not partitioned")
    await _exec(conn, f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    existing = await month_partitions(conn)
    current = month_of(now)
    wanted = range(current, current + ahead + 1)
    return [await _add_month(conn, TABLE, m) for m in wanted if m not in existing]


async def _definitions(conn: AsyncConnection) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The table's constraints (name, type, definition) and its other indexes' definitions."""
    constraints = await _exec(
        conn,
        "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = to_regclass(:t) ORDER BY contype DESC, conname",
        t=TABLE,
    )
    indexes = await _exec(
        conn,
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = to_regclass(:t) AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        t=TABLE,
    )
    return [tuple(row) for row in constraints], list(indexes.scalars())


def _keyed(kind: str, definition: str) -> str:
    """A key of the partitioned table must hold the partition key: the primary key gains it,
    a unique key without it cannot be kept (the conversion stops, changing nothing)."""
    if kind not in "pu" or PARTITION_KEY in definition:
        return definition
    if kind == "p":
        return definition.replace(")", f", {PARTITION_KEY})", 1)
    raise ValueError(f"{definition} does not hold {PARTITION_KEY}: the table cannot be partitioned")


async def convert(conn: AsyncConnection, now: datetime, ahead: int) -> Conversion:
    """Rebuild a populated events table as a partitioned one, in the caller's transaction:
    every row copied, the same columns, sequence, keys and indexes (keys with the partition key).
    Writers wait on the table's lock meanwhile, so no row is missed."""
    await _exec(conn, f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')
    constraints, indexes = await _definitions(conn)
    keys = [(name, _keyed(kind, text)) for name, kind, text in constraints]
    if any(index.startswith("CREATE UNIQUE") and PARTITION_KEY not in index for index in indexes):
        raise ValueError(f"a unique index of {TABLE} does not hold {PARTITION_KEY}")
    sequence = (await _exec(conn, "SELECT pg_get_serial_sequence(:t, 'id')", t=TABLE)).scalar()
    await _exec(
        conn,
        f'CREATE TABLE "{_BUILDING}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING STORAGE)'
        f" PARTITION BY RANGE ({PARTITION_KEY})",
    )
    await _exec(conn, f'CREATE TABLE "{DEFAULT}" PARTITION OF "{_BUILDING}" DEFAULT')
    current = month_of(now)
    found = await _exec(
        conn,
        f"SELECT DISTINCT date_trunc('month', {PARTITION_KEY} AT TIME ZONE 'UTC')"
        f' FROM "{TABLE}" WHERE {PARTITION_KEY} >= :low AND {PARTITION_KEY} < :high',
        low=month_start(current - PAST_MONTHS),
        high=month_start(current + ahead + 1),
    )
    months = sorted({month_of(m.replace(tzinfo=UTC)) for m in found.scalars()})
    months = sorted(set(months) | set(range(current, current + ahead + 1)))
    made = tuple([await _add_month(conn, _BUILDING, m) for m in months])
    copied = await _exec(conn, f'INSERT INTO "{_BUILDING}" SELECT * FROM "{TABLE}"')
    if sequence:
        await _exec(conn, f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    await _exec(conn, f'DROP TABLE "{TABLE}"')
    await _exec(conn, f'ALTER TABLE "{_BUILDING}" RENAME TO "{TABLE}"')
    if sequence:
        await _exec(conn, f'ALTER SEQUENCE {sequence} OWNED BY "{TABLE}".id')
    for name, definition in keys:
        await _exec(conn, f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}')
    for index in indexes:
        await _exec(conn, index)
    return Conversion(copied.rowcount, made)


def cutoff(now: datetime, keep_months: int) -> datetime:
    """The first instant kept: the start of the month `keep_months` before this one, so every
    event younger than `keep_months` months is kept (whole months go, never part of one)."""
    return month_start(month_of(now) - keep_months)


async def prune(conn: AsyncConnection, now: datetime, keep_months: int) -> tuple[list[str], int]:
    """Drop the month partitions wholly before `cutoff`, and from the DEFAULT partition the
    events of parcels finished and last updated before it; return the partitions dropped and
    the DEFAULT rows deleted."""
    if keep_months < 1:
        raise ValueError("keep at least this month")
    if not await is_partitioned(conn):
        raise NotPartitioned(f"{TABLE} is not partitioned")
    await _exec(conn, f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    first_kept = month_of(cutoff(now, keep_months))
    months = sorted((await month_partitions(conn)).items())
    old = [name for month, name in months if month < first_kept]
    for name in old:
        await _exec(conn, f'DROP TABLE "{name}"')
    finished = ", ".join(f"'{status.value}'" for status in sorted(TERMINAL_STATUSES))
    deleted = await _exec(
        conn,
        f'DELETE FROM "{DEFAULT}" e USING shipments s WHERE e.shipment_id = s.id'
        f" AND s.status IN ({finished}) AND s.updated_at < :cutoff",
        cutoff=month_start(first_kept),
    )
    return old, deleted.rowcount
