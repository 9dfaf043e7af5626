"""The transit model and the carrier-versus-model preference, rebuilt from the learned counts.

Deliveries are never read again: the model is made of the `transit_counts` rows of the last
weeks (one row per route, milestone, week and remaining days, each week weighted by its age) and
the preference of the `estimate_scores` rows. The rows are streamed in partitions so the event
loop is never held by a long fetch, and the model is built in a worker thread: a page served by
the same process never waits for learning.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi import EstimatePreference, TransitModel, week_of
from suivi._estimate import HORIZON_WEEKS
from suivi_server.storage.schema import estimate_scores, transit_counts

# latest − earliest ≤ 1 business day: the shopper is shown at most two business days.
MAX_WINDOW_DAYS = 1
PARTITION_ROWS = 5_000
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
    """All rows as plain tuples, fetched a partition at a time (the loop runs in between)."""
    rows: list[tuple[Any, ...]] = []
    result = await conn.stream(query)
    async for partition in result.partitions(PARTITION_ROWS):
        rows.extend(tuple(row) for row in partition)
        await asyncio.sleep(0)
    return rows


async def load_learned(engine: AsyncEngine, *, now: datetime) -> Learned:
    """The model and the preference of the weeks still counted (`HORIZON_WEEKS`)."""
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
    model = await asyncio.to_thread(
        TransitModel.from_weekly_counts,
        count_rows,
        now_week=now_week,
        max_window_days=MAX_WINDOW_DAYS,
    )
    return Learned(model, EstimatePreference.from_scores(score_rows, since_week=since))


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
                self._learned = await load_learned(self.engine, now=now)
                self._built_at = now
            return self._learned
