"""The database back-end: chunks of a second's quota in one statement, exact under concurrency."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.ratelimit import CARRIER_CALLS, DatabaseBackend, SharedRateLimit

pytestmark = pytest.mark.anyio
START = 1_800_000_000.25


class SharedTime:
    """One fake wall clock for every worker; a sleep ends at its own target, sleepers meet."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)


def count_commits(engine: AsyncEngine) -> list[int]:
    commits = [0]

    @sa.event.listens_for(engine.sync_engine, "commit")
    def _commit(_conn: Any) -> None:
        commits[0] += 1

    return commits


async def test_a_chunk_is_granted_up_to_what_the_second_has_left(engine: AsyncEngine) -> None:
    backend = DatabaseBackend(engine, CARRIER_CALLS, limit=5)
    first = await backend.take("ups", 3, START)
    second = await backend.take("ups", 4, START + 0.5)
    refused = await backend.take("ups", 1, START + 0.6)
    assert (first.slots, first.refill, first.expires) == (3, START, int(START) + 1)
    assert (second.slots, second.refill) == (2, int(START) + 1)  # the rest, then nothing
    assert refused.slots == 0
    assert (await backend.take("ups", 9, START + 1)).slots == 5  # never more than the quota
    assert (await backend.take("dpd", 5, START)).slots == 5


async def test_workers_together_never_exceed_the_quota_in_any_second(engine: AsyncEngine) -> None:
    clock, quota, calls = SharedTime(), 4, 12
    workers = [
        SharedRateLimit(engine, "ups", quota, clock=clock, sleep=clock.sleep) for _ in range(3)
    ]
    commits = count_commits(engine)
    spent: Counter[int] = Counter()

    async def call(worker: SharedRateLimit) -> None:
        await worker.acquire()
        spent[int(clock()) - int(START)] += 1

    await asyncio.gather(*(call(w) for w in workers for _ in range(calls)))
    assert sum(spent.values()) == 3 * calls
    assert max(spent.values()) <= quota
    assert len(spent) <= 3 * calls // quota + 1  # the quota is used, not wasted
    assert commits[0] < 3 * calls  # chunks: fewer write transactions than calls


async def test_one_write_per_chunk_when_a_batch_waits(engine: AsyncEngine) -> None:
    clock = SharedTime()
    worker = SharedRateLimit(engine, "colissimo", 50, clock=clock, sleep=clock.sleep)
    commits = count_commits(engine)
    await asyncio.gather(*(worker.acquire() for _ in range(50)))
    assert clock.now == START  # nobody waited
    assert commits[0] == 2  # the first caller alone, then the 49 that queued behind it


async def test_a_second_filled_exactly_is_waited_out_without_asking(engine: AsyncEngine) -> None:
    clock = SharedTime()
    worker = SharedRateLimit(engine, "ups", 3, clock=clock, sleep=clock.sleep)
    commits = count_commits(engine)
    for _ in range(6):
        await worker.acquire()
    assert int(clock.now) == int(START) + 1
    assert commits[0] == 6  # one a call, none refused
