"""Several workers together never call a carrier more often than its quota per second."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.ratelimit import SharedRateLimit
from suivi_server.storage.schema import carrier_calls

pytestmark = pytest.mark.anyio


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_800_000_000.25

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_workers_share_one_quota_per_second(engine: AsyncEngine) -> None:
    clock = FakeTime()
    workers = [
        SharedRateLimit(engine, "ups", 3.0, clock=clock, sleep=clock.sleep) for _ in range(2)
    ]
    for _ in range(3):
        for worker in workers:
            await worker.acquire()
    # 6 calls, 3 per second: the second worker's calls beyond the quota waited for new seconds.
    assert int(clock.now) - 1_800_000_000 == 1
    async with engine.connect() as conn:
        rows = dict(
            (await conn.execute(sa.select(carrier_calls.c.second, carrier_calls.c.calls))).all()
        )
    assert max(rows.values()) <= 3 + 1  # one over-quota attempt counted before waiting
    assert sum(1 for n in rows.values() if n >= 3) == 2


async def test_carriers_have_separate_quotas(engine: AsyncEngine) -> None:
    clock = FakeTime()
    ups = SharedRateLimit(engine, "ups", 1.0, clock=clock, sleep=clock.sleep)
    dpd = SharedRateLimit(engine, "dpd", 1.0, clock=clock, sleep=clock.sleep)
    await asyncio.gather(ups.acquire(), dpd.acquire())
    assert clock.now == 1_800_000_000.25  # nobody waited


async def test_old_seconds_are_forgotten(engine: AsyncEngine) -> None:
    clock = FakeTime()
    limit = SharedRateLimit(engine, "ups", 5.0, clock=clock, sleep=clock.sleep)
    await limit.acquire()
    clock.now += 3600
    await limit.acquire()
    async with engine.connect() as conn:
        seconds = (await conn.execute(sa.select(carrier_calls.c.second))).scalars().all()
    assert seconds == [int(clock.now)]
