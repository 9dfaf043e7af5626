"""Asking for a parcel to be polled now: the API, the dashboard and the tracking page do it.

Only the schedule is written (`next_poll_at = now`); the worker claims the shipment like any
other due one, so a refresh goes through the same pipeline, leases and rate limits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi_server.storage.schema import shipments

_s = shipments.c


async def schedule_refresh(
    conn: AsyncConnection, shipment_id: int, *, now: datetime, min_interval: timedelta
) -> bool:
    """Ask for an immediate poll; refused (False) when the parcel was polled very recently."""
    recent = now - min_interval
    result = await conn.execute(
        sa.update(shipments)
        .where(_s.id == shipment_id)
        .where(sa.or_(_s.last_polled_at.is_(None), _s.last_polled_at <= recent))
        .where(sa.or_(_s.next_poll_at.is_(None), _s.next_poll_at > now))
        .values(next_poll_at=now)
    )
    return bool(result.rowcount)


async def request_refresh(
    engine: AsyncEngine, shipment_id: int, *, now: datetime, min_interval: timedelta
) -> bool:
    """`schedule_refresh` in a transaction of its own."""
    async with engine.begin() as conn:
        return await schedule_refresh(conn, shipment_id, now=now, min_interval=min_interval)
