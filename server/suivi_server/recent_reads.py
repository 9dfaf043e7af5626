"""Database reads reused for a short interval within one process, dropped at its own writes.

The hot reads (a signed-link page's versions, a Bearer key's merchant) are asked for again and
again with the same answer: an open page re-asks every minute, a burst of requests asks many
times a second. A read made less than `seconds` ago answers again without a round trip, unless
this process wrote since: every connection of the engine that ran anything but a SELECT moves
`LocalWrites.generation` when it goes back to the pool (after its commit) and when it commits,
and an answer read before that move is no longer trusted. So a change made here (a webhook,
the embedded worker, a shopper's choice or answer, a revoked key) shows at once; a change made
by another process (`suivi serve --workers N`, a separate worker, the CLI) shows within
`seconds`. `seconds = 0` turns the reuse off: every read goes to the database.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from cachetools import LRUCache
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_WROTE = "suivi.wrote"
_READS = (sa.Select, sa.CompoundSelect)


class LocalWrites:
    """A counter that moves whenever a connection of one engine that wrote commits or returns."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.generation = 0
        sa.event.listen(engine.sync_engine, "after_cursor_execute", self._executed)
        sa.event.listen(engine.sync_engine, "commit", self._committed)
        sa.event.listen(engine.sync_engine, "checkin", self._returned)

    def _executed(
        self, conn: Connection, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if not _is_read(context):
            conn.info[_WROTE] = True

    def _committed(self, conn: Connection) -> None:
        if conn.info.get(_WROTE):
            self.generation += 1

    def _returned(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_WROTE, False):
            self.generation += 1


def _is_read(context: ExecutionContext | None) -> bool:
    """Only a compiled SELECT is a read; anything else (DML, DDL, text) counts as a write."""
    compiled = getattr(context, "compiled", None)
    return compiled is not None and isinstance(compiled.statement, _READS)


_BY_ENGINE: weakref.WeakKeyDictionary[Any, LocalWrites] = weakref.WeakKeyDictionary()


def local_writes(engine: AsyncEngine) -> LocalWrites:
    """The one counter of an engine, however many apps or caches share it."""
    writes = _BY_ENGINE.get(engine.sync_engine)
    if writes is None:
        writes = _BY_ENGINE[engine.sync_engine] = LocalWrites(engine)
    return writes


@dataclass(frozen=True, slots=True)
class _Read(Generic[V]):
    value: V
    at: float
    generation: int


@dataclass(frozen=True, slots=True)
class _Pending(Generic[V]):
    task: asyncio.Future[V | None]
    generation: int


READ_TASK = "suivi-recent-read"  # the name of each read's task: what a shutdown waits for


async def _await(reading: Awaitable[V | None]) -> V | None:
    return await reading


async def settle_reads(timeout: float = 5.0) -> None:
    """Wait for the reads still running on this loop (a hit's background read outlives its
    request), so none holds a connection when its engine is disposed or the loop closes."""
    reads = [task for task in asyncio.all_tasks() if task.get_name() == READ_TASK]
    if reads:
        await asyncio.wait(reads, timeout=timeout)


class RecentReads(Generic[K, V]):
    """At most `size` answers, each reused for `seconds` while this process wrote nothing.

    Requests that miss together share one read (the one started since the last write): when an
    answer ages out under load, the database sees one query, not one per waiting request. The
    read runs as its own task, so it must not use a caller's connection. With `refresh_after`,
    a hit at least that old still answers at once but starts the next read in the background,
    so requests under steady load never wait for one; nothing older than `seconds` answers."""

    def __init__(
        self,
        writes: LocalWrites,
        seconds: float,
        *,
        size: int,
        monotonic: Callable[[], float] = time.monotonic,
        refresh_after: float | None = None,
    ) -> None:
        self._writes, self._seconds, self._monotonic = writes, seconds, monotonic
        self._refresh_after = seconds if refresh_after is None else refresh_after
        self._reads: LRUCache[K, _Read[V]] = LRUCache(maxsize=size)
        self._pending: dict[K, _Pending[V]] = {}

    async def get(self, key: K, read: Callable[[], Awaitable[V | None]]) -> V | None:
        """The recent answer for `key`, else `read()`'s (kept unless None: absence is re-read)."""
        if self._seconds <= 0:
            return await read()
        now, generation = self._monotonic(), self._writes.generation
        recent = self._reads.get(key)
        if (
            recent is not None
            and recent.generation == generation
            and 0 <= now - recent.at < self._seconds
        ):
            if now - recent.at >= self._refresh_after:
                self._reading(key, read, now, generation)
            return recent.value
        return await asyncio.shield(self._reading(key, read, now, generation).task)

    def _reading(
        self, key: K, read: Callable[[], Awaitable[V | None]], now: float, generation: int
    ) -> _Pending[V]:
        """The read of `key` started since the last write, or a new one."""
        pending = self._pending.get(key)
        if pending is None or pending.generation != generation:
            task = asyncio.get_running_loop().create_task(_await(read()), name=READ_TASK)
            pending = _Pending(task, generation)
            self._pending[key] = pending
            pending.task.add_done_callback(partial(self._settle, key, pending, now))
        return pending

    def _settle(self, key: K, pending: _Pending[V], at: float, task: asyncio.Future[Any]) -> None:
        if self._pending.get(key) is pending:
            del self._pending[key]
        if task.cancelled() or task.exception() is not None:
            return  # every waiter sees the failure; nothing is kept
        value, kept = task.result(), self._reads.get(key)
        newer = kept is not None and (kept.generation, kept.at) > (pending.generation, at)
        if value is not None and not newer:  # a slower, older read never replaces a newer one
            self._reads[key] = _Read(value, at, pending.generation)
