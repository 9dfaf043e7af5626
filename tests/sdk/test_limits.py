"""Per-carrier rate limit and concurrency cap, with an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from suivi._ratelimit import TokenBucket
from suivi.toolkit import RateLimit

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def test_bucket_allows_a_burst_then_paces_to_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=2.0, burst=3), clock=clock, sleep=clock.sleep)
    for _ in range(7):
        await bucket.acquire()
    assert clock.waits == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert clock.now == pytest.approx(2.0)  # 3 at once, then 4 more at 2 per second


async def test_bucket_refills_with_time() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=1.0, burst=2), clock=clock, sleep=clock.sleep)
    await bucket.acquire()
    await bucket.acquire()
    clock.now += 10
    await bucket.acquire()
    await bucket.acquire()
    assert clock.waits == []


async def test_concurrent_callers_share_one_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=10.0, burst=1), clock=clock, sleep=clock.sleep)
    await asyncio.gather(*(bucket.acquire() for _ in range(5)))
    assert clock.now == pytest.approx(0.4)
