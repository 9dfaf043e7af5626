"""The transit model and the carrier-versus-model preference, rebuilt from the learned counts.

Deliveries are never read again: the model is made of the `transit_counts` rows of the last
weeks (one row per route, milestone, week and remaining days, each week weighted by its age) and
the preference of the `estimate_scores` rows. Reading and building both run in a process of
their own, on a connection of their own: with 138 k count rows (120 k deliveries) they take
seconds of CPU, and in a thread the interpreter lock would still stall the serving loop by tenths
of a second; the process hands back the built model, which the loop only unpickles.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi import HORIZON_WEEKS, EstimatePreference, TransitModel, week_of
from suivi_server.storage.engine import create_engine
from suivi_server.storage.schema import estimate_scores, transit_counts

# latest − earliest ≤ 1 business day: the shopper is shown at most two business days.
MAX_WINDOW_DAYS = 1
PARTITION_ROWS = 1_000
# Up to this many count rows the model is built on the loop (about 20 ms per 1 000 rows).
ROWS_BUILT_HERE = 2_000
_t = transit_counts.c
_c = estimate_scores.c


@dataclass(frozen=True)
class Learned:
    """What estimating needs from past deliveries."""

    model: TransitModel
    preference: EstimatePreference

    @classmethod
    def empty(cls) -> Learned:
        return cls(TransitModel(max_window_days=MAX_WINDOW_DAYS), EstimatePreference())


async def _rows(conn: AsyncConnection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """The rows as tuples, a small partition at a time: converting one long result in C holds
    the interpreter lock from start to end, and the serving thread would wait for all of it."""
    rows: list[tuple[Any, ...]] = []
    result = await conn.stream(query)
    async for partition in result.partitions(PARTITION_ROWS):
        rows.extend(tuple(row) for row in partition)
    return rows


async def load_learned(engine: AsyncEngine, *, now: datetime) -> Learned:
    """The model and the preference of the weeks still counted (`HORIZON_WEEKS`); a few
    seconds of CPU at 100 k deliveries, so `TransitModels` runs it apart from the serving loop."""
    now_week = week_of(now.date())
    since = now_week - HORIZON_WEEKS + 1
    counts = sa.select(
        _t.carrier,
        _t.service,
        _t.origin_region,
        _t.dest_region,
        _t.milestone,
        _t.week,
        _t.days,
        _t.deliveries,
    ).where(_t.week >= since)
    scores = sa.select(
        _c.carrier, _c.service, _c.milestone, _c.week, _c.deliveries, _c.carrier_hits, _c.model_hits
    ).where(_c.week >= since)
    async with engine.connect() as conn:
        count_rows = await _rows(conn, counts)
        score_rows = await _rows(conn, scores)
    model = TransitModel.from_weekly_counts(
        count_rows, now_week=now_week, max_window_days=MAX_WINDOW_DAYS
    )
    return Learned(model, EstimatePreference.from_scores(score_rows, since_week=since))


def _load_apart(url: str, now: datetime) -> Learned:
    """`load_learned` on an event loop and an engine of this process's own."""

    async def load() -> Learned:
        engine = create_engine(url)
        try:
            return await load_learned(engine, now=now)
        finally:
            await engine.dispose()

    return asyncio.run(load())


async def _in_a_process(function: Callable[..., Learned], *args: Any) -> Learned:
    """Run `function` in a fresh process; starting and stopping it happen off the loop too."""
    apart = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await asyncio.get_running_loop().run_in_executor(apart, function, *args)
    finally:
        await asyncio.to_thread(apart.shutdown)


class TransitModels:
    """The learned model, rebuilt at most once per `refresh`; concurrent callers share one build.

    Counts change with every delivery, but a model an hour old estimates as well: rebuilding
    on every poll or push would only cost time.
    """

    def __init__(self, engine: AsyncEngine, *, refresh: timedelta = timedelta(hours=1)) -> None:
        self.engine = engine
        self.refresh = refresh
        self._learned: Learned | None = None
        self._built_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def get(self, now: datetime) -> Learned:
        async with self._lock:
            stale = self._built_at is None or now - self._built_at >= self.refresh
            if self._learned is None or stale:
                self._learned = await self._load(now)
                self._built_at = now
            return self._learned

    async def _load(self, now: datetime) -> Learned:
        """A few counts are read and built here at once; many, in a process of their own
        (starting one costs about a second, well spent only on a build that takes longer)."""
        query = sa.select(sa.func.count()).where(_t.week >= week_of(now.date()) - HORIZON_WEEKS)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).scalar_one()
        if rows < ROWS_BUILT_HERE:
            return await load_learned(self.engine, now=now)
        url = self.engine.url.render_as_string(hide_password=False)
        return await _in_a_process(_load_apart, url, now)
