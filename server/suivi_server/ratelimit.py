"""Rate limits counted in the database, shared by every process: carrier quotas, failed lookups.

`DatabaseBackend` is the SDK's `SlotBackend` over a table of (key, second) counts: at most
`limit` per key within any `window` of whole seconds. One statement takes a chunk of slots
(`INSERT … ON CONFLICT DO UPDATE … RETURNING`, atomic on both databases): it adds what is
asked to the current second's row, and whatever the window held before the request is what
others had already taken, so the grant is exact however many processes ask at once. Slots
expire with their second, so a worker never spends one it took in an earlier second.

Each back-end stores its keys under its own prefix and forgets only its own rows older than
its window (and a minute at least), so back-ends with different windows share a table:
prefixes of back-ends sharing a table must not start one another, the empty prefix being for
back-ends alone on it (carrier quotas, all one second long).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi import Grant, Limiter, RateLimiter
from suivi.toolkit import Adapter
from suivi_server.storage.dialect import upsert_insert
from suivi_server.storage.schema import carrier_calls, lookup_attempts

KEEP_SECONDS = 60  # rows younger than this stay, whatever the window: clocks of hosts differ


@dataclass(frozen=True, slots=True)
class Counts:
    """A table of counts per (key, second), and its columns."""

    table: sa.Table
    key: sa.Column[str]
    second: sa.Column[int]
    count: sa.Column[int]

    @property
    def key_length(self) -> int:
        """The key column's size: stored keys are cut to it."""
        return cast(sa.String, self.key.type).length or 64


CARRIER_CALLS = Counts(
    carrier_calls, carrier_calls.c.carrier, carrier_calls.c.second, carrier_calls.c.calls
)
LOOKUP_ATTEMPTS = Counts(
    lookup_attempts, lookup_attempts.c.client, lookup_attempts.c.second, lookup_attempts.c.attempts
)


class DatabaseBackend:
    """At most `limit` per key within any `window` seconds, counted in `counts`."""

    def __init__(
        self, engine: AsyncEngine, counts: Counts, limit: int, window: int = 1, *, prefix: str = ""
    ) -> None:
        self.engine, self.counts, self.limit, self.window = engine, counts, limit, window
        self.prefix = prefix
        self._key_length = counts.key_length

    def stored(self, key: str) -> str:
        return (self.prefix + key)[: self._key_length]

    async def take(self, key: str, wanted: int, now: float) -> Grant:
        """Count `wanted` more for `key` in this second; grant what the window still held.

        What is asked is counted even when refused: a refusal spends the allowance of whoever
        keeps asking (a guesser), and bounds a carrier's row to the demand of one second.
        """
        c, stored, second = self.counts, self.stored(key), int(now)
        wanted = min(wanted, self.limit)
        async with self.engine.begin() as conn:
            add = (
                upsert_insert(conn, c.table)
                .values({c.key.name: stored, c.second.name: second, c.count.name: wanted})
                .on_conflict_do_update(
                    index_elements=[c.key.name, c.second.name],
                    set_={c.count.name: c.count + wanted},
                )
                .returning(c.count)
            )
            in_second = int((await conn.execute(add)).scalar_one())
            total = in_second if self.window == 1 else await self._sum(conn, stored, second)
            if in_second == wanted:  # the second's first request: forget what is old
                await self._forget(conn, second)
        granted = max(0, min(wanted, self.limit - (total - wanted)))
        refill = now if total < self.limit else second + 1  # full: ask again next second
        return Grant(granted, start=now, refill=refill, expires=second + 1)

    async def full(self, *keys: str, now: float) -> bool:
        """True when any key already used up its allowance (reads only: nothing counted)."""
        second = int(now)
        async with self.engine.connect() as conn:
            for key in keys:
                if await self._sum(conn, self.stored(key), second) >= self.limit:
                    return True
        return False

    async def _sum(self, conn: AsyncConnection, stored: str, second: int) -> int:
        c = self.counts
        recent = sa.select(sa.func.coalesce(sa.func.sum(c.count), 0)).where(
            c.key == stored, c.second > second - self.window
        )
        return int((await conn.execute(recent)).scalar_one())

    async def _forget(self, conn: AsyncConnection, second: int) -> None:
        c = self.counts
        await conn.execute(
            sa.delete(c.table).where(
                self._under_prefix(), c.second <= second - max(self.window, KEEP_SECONDS)
            )
        )

    def _under_prefix(self) -> sa.ColumnElement[bool]:
        """Rows whose key starts with the prefix: compared exactly (LIKE folds case on SQLite,
        and a range of strings depends on the collation); the `second` index finds them."""
        if not self.prefix:
            return sa.true()
        return sa.func.substr(self.counts.key, 1, len(self.prefix)) == self.prefix


class SharedRateLimit(RateLimiter):
    """A carrier's quota per second shared by every worker: a RateLimiter over the database.

    Wall-clock seconds, since every worker must agree on which second a call falls in.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        carrier: str,
        per_second: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        quota = max(1, math.floor(per_second))
        backend = DatabaseBackend(engine, CARRIER_CALLS, quota)
        super().__init__(backend, carrier, clock=clock, sleep=sleep)


def shared_limits(engine: AsyncEngine) -> Callable[[Adapter], Limiter]:
    """The Tracker's `limiter` factory: each carrier's quota shared through `engine`."""
    return lambda adapter: SharedRateLimit(engine, adapter.name, adapter.rate_limit.per_second)
