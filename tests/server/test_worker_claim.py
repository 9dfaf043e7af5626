"""Leases: concurrent workers never claim the same shipment; a dead worker's lease expires."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.engine import create_engine
from suivi_server.storage.schema import shipments
from suivi_server.worker.claim import claim_due, release
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio


async def _due_shipments(
    engine: AsyncEngine, count: int, *, due_in: timedelta = -timedelta(minutes=1)
) -> list[int]:
    merchant_id, _ = await create_merchant(engine)
    return [
        await create_shipment(
            engine, merchant_id, order_number=f"CMD-{i}", next_poll_at=NOW + due_in
        )
        for i in range(count)
    ]


async def test_only_due_shipments_are_claimed(engine: AsyncEngine) -> None:
    due = await _due_shipments(engine, 3)
    merchant_id, _ = await create_merchant(engine, slug="later")
    await create_shipment(engine, merchant_id, next_poll_at=NOW + timedelta(hours=1))
    await create_shipment(engine, merchant_id, order_number="CMD-done", next_poll_at=None)
    assert await claim_due(engine, "w1", now=NOW) == due


async def test_claimed_shipments_are_leased_to_the_worker(engine: AsyncEngine) -> None:
    due = await _due_shipments(engine, 2)
    await claim_due(engine, "w1", now=NOW, lease=timedelta(minutes=5))
    async with engine.connect() as conn:
        rows = (
            await conn.execute(sa.select(shipments.c.lease_owner, shipments.c.lease_expires_at))
        ).all()
    assert {r.lease_owner for r in rows} == {"w1"}
    assert all(r.lease_expires_at == NOW + timedelta(minutes=5) for r in rows)
    assert await claim_due(engine, "w2", now=NOW + timedelta(minutes=1)) == []
    assert len(due) == 2


async def test_concurrent_workers_never_claim_the_same_shipment(
    engine: AsyncEngine, database_url: str
) -> None:
    due = await _due_shipments(engine, 60)
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        rounds = await asyncio.gather(
            *(
                claim_due(e, f"w{i}", now=NOW, limit=25)
                for i, e in enumerate(engines)
                for _ in range(2)
            )
        )
    finally:
        for e in engines:
            await e.dispose()
    claimed = [shipment_id for batch in rounds for shipment_id in batch]
    assert len(claimed) == len(set(claimed))  # nobody polls a parcel twice
    assert sorted(claimed) == due  # and every due parcel was taken by someone


async def test_a_dead_workers_lease_expires_and_another_resumes(engine: AsyncEngine) -> None:
    due = await _due_shipments(engine, 4)
    assert await claim_due(engine, "dead", now=NOW, lease=timedelta(minutes=5)) == due
    # "dead" never finishes its batch; within the lease nobody can take its parcels ...
    assert await claim_due(engine, "alive", now=NOW + timedelta(minutes=4)) == []
    # ... after it, the next worker resumes all of them.
    assert await claim_due(engine, "alive", now=NOW + timedelta(minutes=6)) == due


async def test_release_only_gives_back_own_leases(engine: AsyncEngine) -> None:
    due = await _due_shipments(engine, 2)
    await claim_due(engine, "w1", now=NOW)
    await release(engine, "w2", due)
    assert await claim_due(engine, "w2", now=NOW) == []
    await release(engine, "w1", due)
    assert await claim_due(engine, "w2", now=NOW) == due
