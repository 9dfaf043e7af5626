"""A carrier's rate limit shared by every worker, counted in the database.

Each call takes a slot in the current second for its carrier (`INSERT … ON CONFLICT DO UPDATE
… RETURNING calls`, atomic on both databases); past the carrier's per-second quota the caller
waits for the next second. Any number of workers together stay within the quota.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Adapter, Limiter
from suivi_server.storage.dialect import upsert_insert
from suivi_server.storage.schema import carrier_calls

_c = carrier_calls.c
KEEP_SECONDS = 60


class SharedRateLimit:
    def __init__(
        self,
        engine: AsyncEngine,
        carrier: str,
        per_second: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.engine = engine
        self.carrier = carrier
        self.quota = max(1, math.floor(per_second))
        self._clock = clock
        self._sleep = sleep

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            second = int(now)
            if await self._take(second) <= self.quota:
                return
            await self._sleep(second + 1 - now)

    async def _take(self, second: int) -> int:
        async with self.engine.begin() as conn:
            statement = (
                upsert_insert(conn, carrier_calls)
                .values(carrier=self.carrier, second=second, calls=1)
                .on_conflict_do_update(
                    index_elements=["carrier", "second"], set_={"calls": _c.calls + 1}
                )
                .returning(_c.calls)
            )
            calls = int((await conn.execute(statement)).scalar_one())
            if calls == 1:  # first call of a new second: forget old seconds
                await conn.execute(
                    sa.delete(carrier_calls).where(
                        _c.carrier == self.carrier, _c.second < second - KEEP_SECONDS
                    )
                )
        return calls


def shared_limits(engine: AsyncEngine) -> Callable[[Adapter], Limiter]:
    """The Tracker's `limiter` factory: each carrier's quota shared through `engine`."""
    return lambda adapter: SharedRateLimit(engine, adapter.name, adapter.rate_limit.per_second)
