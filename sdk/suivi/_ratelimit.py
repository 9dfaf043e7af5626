"""Rate limits: a back-end hands out a key's slots, a limiter in front waits for them.

Every limit Suivi keeps is one question put to a back-end (`SlotBackend.take`): "give me up to
n of this key's slots now", answered atomically with a `Grant`. `MemoryBackend` is a token
bucket per key, for one process (the Tracker's default); the server keeps a back-end counted
in its database, shared by every process. Callers that wait for a slot (carrier calls) go
through a `RateLimiter`: it asks for as many slots as callers are waiting, then spends them
locally until they expire, so a shared back-end is written once per chunk, not once per call.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Protocol

from suivi._adapter import RateLimit
from suivi._http import Clock, Sleep

_EPSILON = 1e-9  # float drift must not leave a caller one rounding error short forever


@dataclass(frozen=True, slots=True)
class Grant:
    """A back-end's answer: `slots` to spend from `start` until `expires` (clock seconds).

    `start` is later than asked when the back-end reserved a slot that is not there yet (a
    token bucket in debt): the caller waits for it without asking again. `refill` is when
    asking again may give more: later than now when fewer slots than wanted were left.
    """

    slots: int
    start: float
    refill: float
    expires: float = math.inf


class SlotBackend(Protocol):
    """Counts a key's slots under one rule; atomic, so that every caller sharing it is bound."""

    async def take(self, key: str, wanted: int, now: float) -> Grant:
        """Up to `wanted` of `key`'s slots at `now`, and when they start and refill."""
        ...


class Limiter(Protocol):
    """Paces calls to one carrier; the Tracker's default is an in-process TokenBucket."""

    async def acquire(self) -> None:
        """Return once the caller may send one request to the carrier."""
        ...


class MemoryBackend:
    """A token bucket per key: `burst` slots at once, then `per_second`.

    Never refuses: a caller finding the bucket empty reserves the next token (the bucket goes
    into debt) and is told when it starts, so the wait is computed once, never polled, whatever
    an injected clock and sleep do. A grant expires one token's interval after it starts: the
    bucket counted its slots as spent then, so slots left over (their callers cancelled) cannot
    be spent later on top of a refilled bucket, beyond the burst.
    """

    def __init__(self, limit: RateLimit) -> None:
        self._rate = limit.per_second
        self._capacity = float(max(1, limit.burst))
        self._buckets: dict[str, tuple[float, float]] = {}  # key: (tokens, as of)

    async def take(self, key: str, wanted: int, now: float) -> Grant:
        """The tokens ready, up to `wanted`; none ready: one reserved, starting when it is due."""
        tokens, updated = self._buckets.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + max(0.0, now - updated) * self._rate)
        ready = math.floor(tokens + _EPSILON)
        if ready >= 1:
            granted = min(wanted, ready)
            self._buckets[key] = (max(0.0, tokens - granted), now)
            return Grant(granted, start=now, refill=now, expires=now + 1 / self._rate)
        self._buckets[key] = (tokens - 1, now)
        start = now + (1 - tokens) / self._rate
        return Grant(1, start=start, refill=now, expires=start + 1 / self._rate)


class RateLimiter:
    """Waits until one of `key`'s slots is free; concurrent callers share each chunk taken.

    Callers queue on a lock, so they are served in order. The chunk asked for is the number of
    callers waiting at that moment: demand in flight, never a guess, so few slots go unspent.
    """

    def __init__(self, backend: SlotBackend, key: str, *, clock: Clock, sleep: Sleep) -> None:
        self._backend = backend
        self._key = key
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._waiting = 0
        self._slots = 0
        self._expires = -math.inf
        self._refill = -math.inf

    async def acquire(self) -> None:
        """Wait for one slot, in turn with the other callers of this limiter."""
        self._waiting += 1
        try:
            async with self._lock:
                await self._one_slot()
        finally:
            self._waiting -= 1

    async def _one_slot(self) -> None:
        while True:
            now = self._clock()
            if self._slots and now < self._expires:
                self._slots -= 1
                return
            if now < self._refill:  # the back-end said it had no more before then
                await self._sleep(self._refill - now)
                continue
            grant = await self._backend.take(self._key, self._waiting, now)
            self._refill = grant.refill
            if grant.start > now:  # a reserved slot: wait for it, it is ours
                await self._sleep(grant.start - now)
            # Spent on the next turn only if still unexpired: a second may have ended while
            # the back-end answered, and a slot counted in one second is not spent in the next.
            self._slots, self._expires = grant.slots, grant.expires


class TokenBucket(RateLimiter):
    """The in-process limit of one carrier: a RateLimiter over its own MemoryBackend."""

    def __init__(self, limit: RateLimit, *, clock: Clock, sleep: Sleep) -> None:
        super().__init__(MemoryBackend(limit), "", clock=clock, sleep=sleep)
