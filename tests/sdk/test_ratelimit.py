"""The RateLimiter in front of any slot back-end: chunks sized by waiting callers, slots that
expire, refills waited for without asking; the memory back-end's reservations."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from suivi import Grant, MemoryBackend, RateLimiter
from suivi.toolkit import RateLimit
from tests.sdk.helpers import ManualClock, RecordingSleep

pytestmark = pytest.mark.anyio


class AdvancingClock(ManualClock):
    """Sleeping moves time to the end of the sleep; concurrent sleepers meet there."""

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)


class PerSecond:
    """A back-end like the database's: `quota` per whole second, slots expiring with it."""

    def __init__(self, quota: int) -> None:
        self.quota = quota
        self.used: Counter[int] = Counter()
        self.asked: list[int] = []
        self.granted: list[int] = []

    async def take(self, key: str, wanted: int, now: float) -> Grant:
        await asyncio.sleep(0)  # a round trip: other callers queue meanwhile
        second = int(now)
        granted = max(0, min(wanted, self.quota - self.used[second]))
        self.used[second] += granted
        self.asked.append(wanted)
        self.granted.append(granted)
        refill = now if granted == wanted else second + 1
        return Grant(granted, start=now, refill=refill, expires=second + 1)


async def test_waiting_callers_share_one_chunk() -> None:
    clock, backend = AdvancingClock(), PerSecond(quota=100)
    limiter = RateLimiter(backend, "ups", clock=clock, sleep=clock.sleep)
    await asyncio.gather(*(limiter.acquire() for _ in range(10)))
    assert backend.asked == [1, 9]  # the first alone, then everyone who queued behind it
    assert clock.now == 0


async def test_a_partial_grant_waits_for_the_next_second_without_asking_again() -> None:
    clock, backend = AdvancingClock(), PerSecond(quota=3)
    limiter = RateLimiter(backend, "ups", clock=clock, sleep=clock.sleep)
    spent: Counter[int] = Counter()

    async def call() -> None:
        await limiter.acquire()
        spent[int(clock.now)] += 1

    await asyncio.gather(*(call() for _ in range(10)))
    assert spent == {0: 3, 1: 3, 2: 3, 3: 1}
    assert 0 not in backend.granted  # never a round trip for nothing
    assert len(backend.asked) == 5


async def test_unspent_slots_expire_with_their_second() -> None:
    clock, backend = AdvancingClock(), PerSecond(quota=5)
    limiter = RateLimiter(backend, "ups", clock=clock, sleep=clock.sleep)
    await asyncio.gather(*(limiter.acquire() for _ in range(3)))  # asks 1, then 2
    await limiter.acquire()  # the second's slots are spent: asks again
    clock.now = 1.5
    await limiter.acquire()
    assert backend.asked == [1, 2, 1, 1]
    assert backend.used == {0: 4, 1: 1}


async def test_a_slot_granted_as_its_second_ends_is_not_spent_in_the_next() -> None:
    clock = AdvancingClock()
    clock.now = 0.999

    class SlowAnswer(PerSecond):
        async def take(self, key: str, wanted: int, now: float) -> Grant:
            grant = await super().take(key, wanted, now)
            clock.now += 0.01  # the answer comes back in the next second
            return grant

    backend = SlowAnswer(quota=5)
    limiter = RateLimiter(backend, "ups", clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    assert backend.used == {0: 1, 1: 1}  # the first grant lapsed, the call took second 1's


async def test_a_bucket_in_debt_tells_each_caller_when_its_token_comes() -> None:
    clock, sleep = ManualClock(), RecordingSleep()  # a sleep that returns at once, time frozen
    limiter = RateLimiter(
        MemoryBackend(RateLimit(per_second=2, burst=3)), "", clock=clock, sleep=sleep
    )
    for _ in range(7):
        await limiter.acquire()
    assert sleep.waits == pytest.approx([0.5, 1.0, 1.5, 2.0])  # computed once each, no polling


class GatedSleep(RecordingSleep):
    """Records each wait; holds every sleeper until the gate opens, then returns at once."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self.gate.wait()


class CancellingClock(ManualClock):
    """Cancels `cancel` when first read by the task `reader`: right before it asks the back-end
    for a chunk sized by the callers still waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.reader: asyncio.Task[None] | None = None
        self.cancel: list[asyncio.Task[None]] = []

    def __call__(self) -> float:
        if self.reader is not None and asyncio.current_task() is self.reader:
            self.reader = None
            for task in self.cancel:
                task.cancel()
        return self.now


async def test_slots_left_by_cancelled_callers_do_not_exceed_the_burst_later() -> None:
    """Callers queue while the first sleeps for its reserved token; the next takes a chunk of
    three for itself and the two behind it, which are cancelled: their slots must not be spent
    later on top of a refilled bucket."""
    clock, sleep = CancellingClock(), GatedSleep()
    limiter = RateLimiter(
        MemoryBackend(RateLimit(per_second=1, burst=3)), "", clock=clock, sleep=sleep
    )
    for _ in range(3):  # the burst, spent
        await limiter.acquire()
    reserved = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    assert sleep.waits == [1.0]
    clock.reader = asyncio.create_task(limiter.acquire())
    clock.cancel = [asyncio.create_task(limiter.acquire()) for _ in range(2)]
    chunked = clock.reader
    await asyncio.sleep(0)
    clock.now = 10.0  # the bucket is full again
    sleep.gate.set()
    await asyncio.gather(reserved, chunked)
    outcomes = await asyncio.gather(*clock.cancel, return_exceptions=True)
    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
    clock.now = 20.0  # full again, nothing spent since the chunk
    waits = len(sleep.waits)
    for _ in range(5):
        await limiter.acquire()
    assert len(sleep.waits) - waits == 2  # three at once (the burst), then one a second


async def test_memory_back_end_keeps_one_bucket_per_key() -> None:
    backend = MemoryBackend(RateLimit(per_second=1, burst=2))
    assert (await backend.take("ups", 5, 0.0)).slots == 2
    assert (await backend.take("dpd", 5, 0.0)).slots == 2
    reserved = await backend.take("ups", 5, 0.0)
    assert (reserved.slots, reserved.start) == (1, 1.0)
