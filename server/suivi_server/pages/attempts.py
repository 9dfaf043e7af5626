"""How many lookups a client address made lately, counted in the database.

Every web replica sees the same counts, so running several does not multiply the allowance.
Each attempt adds one to the (client, current second) row (`INSERT … ON CONFLICT DO UPDATE`,
atomic on both databases), then the client's rows within the window are summed. A refused
attempt counts too: hammering the form keeps it closed. Time comes from the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.dialect import upsert_insert
from suivi_server.storage.schema import lookup_attempts

_a = lookup_attempts.c
MAX_CLIENT = 64  # the column's size


class AttemptLimiter:
    """At most `limit` attempts per client within a sliding `window`."""

    def __init__(
        self,
        engine: AsyncEngine,
        limit: int,
        window: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine, self.limit, self.clock = engine, limit, clock
        self.window_seconds = int(window.total_seconds())

    async def allow(self, client: str) -> bool:
        client = client[:MAX_CLIENT]
        second = int(self.clock().timestamp())
        since = second - self.window_seconds
        async with self.engine.begin() as conn:
            count = (
                upsert_insert(conn, lookup_attempts)
                .values(client=client, second=second, attempts=1)
                .on_conflict_do_update(
                    index_elements=["client", "second"], set_={"attempts": _a.attempts + 1}
                )
                .returning(_a.attempts)
            )
            first_of_second = (await conn.execute(count)).scalar_one() == 1
            recent = sa.select(sa.func.sum(_a.attempts)).where(
                _a.client == client, _a.second > since
            )
            attempts = int((await conn.execute(recent)).scalar_one())
            if first_of_second:  # forget every client's attempts older than the window
                await conn.execute(sa.delete(lookup_attempts).where(_a.second <= since))
        return attempts <= self.limit
