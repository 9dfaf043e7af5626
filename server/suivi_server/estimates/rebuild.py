"""Rebuilding the transit counts from the deliveries already stored (`suivi estimates rebuild`).

An installation upgrading from before the counts were kept has years of deliveries and no
`transit_counts`; a fix to how a delivery is observed needs them counted again. Each delivered
shipment is read back as the live path saw it (its stored events through `stored_tracking`, its
facts through `shipment_facts`) and counted by the same `transit_counts_of` and
`add_transit_counts`, so a rebuilt count is the count the worker would have written.

Restart rule: a rebuild first deletes every count (one transaction), then adds the deliveries
batch after batch in shipment id order (keyset, one transaction per batch, bounded memory). An
interrupted rebuild is simply run again: its first step deletes what the interrupted one had
added, so running it once or twice gives the same counts. A parcel is counted as its stored
events say now (a delivery reported again counts at its last report). Each shipment counted is
marked learned (`learned_at`, when not already), so the pipeline never adds it a second time,
whatever the carrier reports later. Run it with the worker stopped: a delivery learned while it
runs may be counted by both.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi import Status
from suivi_server.estimates.facts import shipment_facts
from suivi_server.estimates.learning import CountKey, add_transit_counts, transit_counts_of
from suivi_server.storage.ingest import stored_tracking
from suivi_server.storage.schema import shipments, tracking_events, transit_counts
from suivi_server.worker.pipeline import shipment_rows

BATCH = 500  # shipments per transaction: at most 2 000 count rows in one upsert
_s = shipments.c
_e = tracking_events.c
_DELIVERED = _s.delivered_at.is_not(None)


async def delivered_shipments(engine: AsyncEngine) -> int:
    """How many shipments a rebuild reads (the progress bar's total)."""
    async with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(shipments).where(_DELIVERED)
        return int((await conn.execute(query)).scalar_one())


async def _batch(conn: AsyncConnection, after: int, size: int) -> list[Any]:
    """The next delivered shipments after id `after`, as the pipeline reads them."""
    query = shipment_rows().where(_DELIVERED, _s.id > after).order_by(_s.id).limit(size)
    return list((await conn.execute(query)).all())


async def _events(conn: AsyncConnection, ids: list[int]) -> dict[int, list[Any]]:
    rows = await conn.execute(sa.select(tracking_events).where(_e.shipment_id.in_(ids)))
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.shipment_id].append(row)
    return found


def _counts(row: Any, events: list[Any]) -> Counter[CountKey]:
    """What learning added when this shipment's delivery landed."""
    tracking = stored_tracking(
        row, events, status_without_events=Status(row.status), service=row.service
    )
    return transit_counts_of(shipment_facts(row, dict(row.merchant_settings or {})), tracking)


async def rebuild_transit_counts(
    engine: AsyncEngine,
    now: datetime,
    *,
    batch: int = BATCH,
    advance: Callable[[int], None] | None = None,
) -> int:
    """Delete every count, then count each delivered shipment again (marked learned at `now`
    when it was not); returns how many were read. `advance` is told each stored batch's size."""
    async with engine.begin() as conn:
        await conn.execute(sa.delete(transit_counts))
    after, read = 0, 0
    while True:
        async with engine.begin() as conn:
            rows = await _batch(conn, after, batch)
            if not rows:
                return read
            ids = [row.id for row in rows]
            events = await _events(conn, ids)
            counts: Counter[CountKey] = Counter()
            for row in rows:
                counts.update(_counts(row, events[row.id]))
            await add_transit_counts(conn, counts)
            unmarked = sa.update(shipments).where(_s.id.in_(ids), _s.learned_at.is_(None))
            await conn.execute(unmarked.values(learned_at=now))
        after, read = rows[-1].id, read + len(rows)
        if advance is not None:
            advance(len(rows))
