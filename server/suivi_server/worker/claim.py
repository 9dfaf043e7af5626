"""Workers claim due shipments with leases, so no two poll the same parcel.

PostgreSQL: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id`: concurrent
workers skip each other's rows instead of waiting. SQLite serializes writers, so the same single
statement is atomic there. A lease that is not released (the worker died) expires and the
shipment becomes claimable again: nothing is lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import shipments

DEFAULT_LEASE = timedelta(minutes=5)


async def claim_due(
    engine: AsyncEngine,
    worker_id: str,
    *,
    now: datetime,
    limit: int = 100,
    lease: timedelta = DEFAULT_LEASE,
) -> list[int]:
    """Lease up to `limit` shipments whose poll is due, oldest due first; return their ids."""
    claimed = await claim_due_rows(engine, worker_id, now=now, limit=limit, lease=lease)
    return [row.id for row in claimed]


async def claim_due_rows(
    engine: AsyncEngine,
    worker_id: str,
    *,
    now: datetime,
    limit: int = 100,
    lease: timedelta = DEFAULT_LEASE,
) -> list[Any]:
    """`claim_due`, returning what asking the carriers takes (id, carrier, number, when it was
    due), by id: the full row is read once, where the answers are written."""
    s = shipments.c
    due = (
        sa.select(s.id)
        .where(s.next_poll_at <= now)
        .where(sa.or_(s.lease_expires_at.is_(None), s.lease_expires_at < now))
        .order_by(s.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        sa.update(shipments)
        .where(s.id.in_(due.scalar_subquery()))
        .values(lease_owner=worker_id, lease_expires_at=now + lease)
        .returning(s.id, s.carrier, s.tracking_number, s.next_poll_at)
    )
    async with engine.begin() as conn:
        rows = (await conn.execute(claim)).all()
    return sorted(rows, key=lambda row: row.id)


async def release(engine: AsyncEngine, worker_id: str, shipment_ids: list[int]) -> None:
    """Give back leases this worker still holds (e.g. on shutdown) without touching others'."""
    if not shipment_ids:
        return
    s = shipments.c
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(shipments)
            .where(s.id.in_(shipment_ids), s.lease_owner == worker_id)
            .values(lease_owner=None, lease_expires_at=None)
        )
