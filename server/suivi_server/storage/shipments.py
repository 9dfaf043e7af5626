"""Shipment reads and writes, always scoped to a merchant; one indexed query per read.

Every merchant-facing read filters on `merchant_id`, so another merchant's shipment is simply
absent: callers answer 404 and never learn whether the id exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.dialect import insert_ignoring_conflicts
from suivi_server.storage.schema import PROBLEM_WHERE, shipments, tracking_events

IDENTITY = ("merchant_id", "order_number", "tracking_number")

_s = shipments.c
_e = tracking_events.c
EVENT_COLUMNS = (
    _e.id.label("event_id"),
    _e.occurred_at,
    _e.status.label("event_status"),
    _e.substatus.label("event_substatus"),
    _e.code,
    _e.label,
    _e.location,
    _e.affects_status,
)


async def upsert_shipment(
    conn: AsyncConnection, merchant_id: int, values: Mapping[str, Any], now: datetime
) -> tuple[int, bool]:
    """Create the shipment, or update the one with the same order and tracking number.

    Returns (id, created). The insert ignores the unique conflict, so two concurrent
    identical requests still produce one row.
    """
    row = dict(values, merchant_id=merchant_id, created_at=now, updated_at=now)
    row.setdefault("next_poll_at", now)  # a new shipment is polled right away
    inserted = await conn.execute(
        insert_ignoring_conflicts(conn, shipments, IDENTITY).values(row).returning(_s.id)
    )
    new_id = inserted.scalar()
    if new_id is not None:
        return int(new_id), True
    changes = {k: v for k, v in values.items() if k not in IDENTITY}
    updated = await conn.execute(
        sa.update(shipments)
        .where(*(shipments.c[k] == row[k] for k in IDENTITY))
        .values({**changes, "updated_at": now})
        .returning(_s.id)
    )
    return int(updated.scalar_one()), False


async def update_shipment(
    conn: AsyncConnection,
    merchant_id: int,
    shipment_id: int,
    changes: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Apply merchant edits; False when the shipment is not this merchant's."""
    result = await conn.execute(
        sa.update(shipments)
        .where(_s.id == shipment_id, _s.merchant_id == merchant_id)
        .values({**changes, "updated_at": now})
    )
    return result.rowcount > 0


async def get_shipment(
    conn: AsyncConnection, merchant_id: int, shipment_id: int
) -> sa.Row[Any] | None:
    query = sa.select(shipments).where(_s.id == shipment_id, _s.merchant_id == merchant_id)
    return (await conn.execute(query)).first()


async def shipment_with_events(
    conn: AsyncConnection, merchant_id: int, shipment_id: int
) -> tuple[sa.Row[Any], list[sa.Row[Any]]] | None:
    """The shipment and its events newest first, in one query (a left join on the event key)."""
    query = (
        sa.select(shipments, *EVENT_COLUMNS)
        .outerjoin(tracking_events, _e.shipment_id == _s.id)
        .where(_s.id == shipment_id, _s.merchant_id == merchant_id)
        .order_by(_e.occurred_at.desc(), _e.id.desc())
    )
    rows = (await conn.execute(query)).all()
    if not rows:
        return None
    return rows[0], [row for row in rows if row.event_id is not None]


async def list_shipments(
    conn: AsyncConnection,
    merchant_id: int,
    *,
    limit: int,
    before_id: int | None = None,
    statuses: Sequence[str] = (),
    carrier: str | None = None,
    problem: bool | None = None,
) -> list[sa.Row[Any]]:
    """Newest first, paged by id: `before_id` is the last id of the previous page."""
    query = sa.select(shipments).where(_s.merchant_id == merchant_id)
    if before_id is not None:
        query = query.where(_s.id < before_id)
    if statuses:
        query = query.where(_s.status.in_(statuses))
    if carrier is not None:
        query = query.where(_s.carrier == carrier)
    if problem is not None:
        # stated as the partial index ix_shipments_problem_list states it, so problems are
        # read from that index alone however rare they are among the merchant's shipments
        query = query.where(sa.text(f"({PROBLEM_WHERE})" if problem else f"NOT ({PROBLEM_WHERE})"))
    return list((await conn.execute(query.order_by(_s.id.desc()).limit(limit))).all())
