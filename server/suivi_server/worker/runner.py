"""The refresh worker: claim due shipments, ask the carriers, store what changed, reschedule.

Each shipment's answer is applied in its own transaction, together with its new schedule, its
situations and the release of its lease, and only if this worker still holds the lease. A worker
killed mid-batch therefore loses nothing: what it committed is complete, and the rest of its
batch is claimed again by another worker when the lease expires.

Nothing a carrier sends stops the loop: a shipment whose answer cannot be applied is backed off
with its error recorded, a cycle that fails as a whole gives its leases back and is retried
after a growing pause, and every failure is logged and counted in `WorkerMetrics`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi import Status, Tracker, Tracking, TrackResult
from suivi.errors import ShipmentNotFound
from suivi_server.estimates.models import Learned, TransitModels
from suivi_server.storage.schema import shipments
from suivi_server.worker.cadence import next_poll_at
from suivi_server.worker.claim import DEFAULT_LEASE, claim_due, release
from suivi_server.worker.pipeline import ingest, shipment_rows

log = logging.getLogger("suivi.worker")
_s = shipments.c

MAX_PAUSE_SECONDS = 300.0  # the longest wait after failed cycles in a row


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class WorkerMetrics:
    """Counters a supervisor can scrape or log: polls, errors by kind, lag behind schedule.

    `last_success` (worker clock) is when a cycle last completed; `failed_cycles` counts cycles
    that failed as a whole and `restarts` the times a supervisor started the loop again;
    `restarting` is true while a supervisor waits to start a crashed loop again.
    """

    polls: int = 0
    new_events: int = 0
    status_changes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    max_lag_seconds: float = 0.0
    lost_leases: int = 0
    situations: Counter[str] = field(default_factory=Counter)
    failed_cycles: int = 0
    restarts: int = 0
    last_success: datetime | None = None
    restarting: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "polls": self.polls,
            "new_events": self.new_events,
            "status_changes": self.status_changes,
            "errors": dict(self.errors),
            "max_lag_seconds": round(self.max_lag_seconds, 1),
            "lost_leases": self.lost_leases,
            "new_situations": dict(self.situations),
            "failed_cycles": self.failed_cycles,
            "restarts": self.restarts,
        }


def _expected_date(estimate: Any) -> date | None:
    if isinstance(estimate, dict) and estimate.get("latest"):
        return date.fromisoformat(str(estimate["latest"]))
    return None


class Worker:
    def __init__(
        self,
        engine: AsyncEngine,
        tracker: Tracker,
        *,
        clock: Callable[[], datetime],
        worker_id: str | None = None,
        batch_size: int = 50,
        lease: timedelta = DEFAULT_LEASE,
        model_refresh: timedelta = timedelta(hours=1),
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.tracker = tracker
        self.clock = clock
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.lease = lease
        self.metrics = metrics if metrics is not None else WorkerMetrics()
        self.models = TransitModels(engine, refresh=model_refresh)
        self.learned = Learned.empty()

    async def run_once(self) -> int:
        """One cycle: claim a batch, poll it, apply the answers. Returns how many were polled."""
        now = self.clock()
        ids = await claim_due(
            self.engine, self.worker_id, now=now, limit=self.batch_size, lease=self.lease
        )
        if not ids:
            return 0
        try:
            return await self._poll(ids, now)
        except BaseException:
            await self._give_back(ids)
            raise

    async def _poll(self, ids: list[int], now: datetime) -> int:
        self.learned = await self.models.get(now)
        query = shipment_rows().where(_s.id.in_(ids))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        for row in rows:
            lag = (now - row.next_poll_at).total_seconds() if row.next_poll_at else 0.0
            self.metrics.max_lag_seconds = max(self.metrics.max_lag_seconds, lag)
        results = await self.tracker.track_many((r.carrier, r.tracking_number) for r in rows)
        for row, result in zip(rows, results, strict=True):
            try:
                await self._apply(row, result)
            except Exception as exc:
                await self._back_off(row, exc)
        self.metrics.polls += len(rows)
        return len(rows)

    async def _give_back(self, ids: list[int]) -> None:
        """Release what a failed cycle still holds; if even that fails, the leases expire."""
        try:
            await release(self.engine, self.worker_id, ids)
        except Exception:
            log.exception("could not release the leases of shipments %s", ids)

    async def _back_off(self, row: Any, exc: Exception) -> None:
        """Record a shipment whose answer could not be applied as failed, and poll it later."""
        log.error(
            "shipment %s (%s %s) could not be updated",
            row.id,
            row.carrier,
            row.tracking_number,
            exc_info=exc,
        )
        self.metrics.errors["worker_error"] += 1
        now = self.clock()
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(shipments)
                .where(_s.id == row.id, _s.lease_owner == self.worker_id)
                .values(
                    **_failure(row, f"worker error: {type(exc).__name__}: {exc}", now),
                    last_polled_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                )
            )

    async def run_forever(
        self, *, idle_seconds: float = 5.0, stop: asyncio.Event | None = None
    ) -> None:
        """Poll until `stop` is set; a failed cycle is logged, counted and retried later."""
        stop = stop or asyncio.Event()
        failures_in_a_row = 0
        while not stop.is_set():
            try:
                polled = await self.run_once()
            except Exception:
                failures_in_a_row += 1
                self.metrics.failed_cycles += 1
                pause = min(idle_seconds * 2**failures_in_a_row, MAX_PAUSE_SECONDS)
                log.exception(
                    "worker cycle failed (%d in a row); next try in %.0fs",
                    failures_in_a_row,
                    pause,
                )
            else:
                failures_in_a_row = 0
                self.metrics.last_success = self.clock()
                if polled:
                    log.info("polled %d shipments %s", polled, self.metrics.as_dict())
                    continue
                pause = idle_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)

    async def _apply(self, row: Any, result: TrackResult) -> None:
        now = self.clock()
        async with self.engine.begin() as conn:
            lease = (
                sa.select(_s.id)
                .where(_s.id == row.id, _s.lease_owner == self.worker_id)
                .with_for_update()
            )
            if (await conn.execute(lease)).first() is None:
                # Our lease expired and another worker took the shipment over: let it finish.
                self.metrics.lost_leases += 1
                return
            values = await self._outcome(conn, row, result, now)
            await conn.execute(
                sa.update(shipments)
                .where(_s.id == row.id)
                .values(**values, last_polled_at=now, lease_owner=None, lease_expires_at=None)
            )

    async def _outcome(
        self, conn: AsyncConnection, row: Any, result: TrackResult, now: datetime
    ) -> dict[str, Any]:
        """Store the answer (or the error) and say when to poll next."""
        if result.ok or isinstance(result.error, ShipmentNotFound):
            tracking = result.tracking or Tracking(
                carrier=row.carrier, tracking_number=row.tracking_number, status=Status.NOT_FOUND
            )
            learned = self.learned
            ingested = await ingest(
                conn, row, tracking, now, learned.model, preference=learned.preference
            )
            self.metrics.new_events += len(ingested.applied.new_events)
            self.metrics.status_changes += ingested.applied.status_changed
            self.metrics.situations.update(s.kind.value for s in ingested.situations)
            return {"poll_errors": 0, "last_error": None, **ingested.values}
        assert result.error is not None
        self.metrics.errors[result.error.code] += 1
        return _failure(row, str(result.error), now)


def _failure(row: Any, error: str, now: datetime) -> dict[str, Any]:
    """One more failed poll in a row: the error kept, the next poll backed off."""
    errors = row.poll_errors + 1
    return {
        "poll_errors": errors,
        "last_error": error[:500],
        "next_poll_at": next_poll_at(
            Status(row.status),
            now=now,
            expected=_expected_date(row.estimate),
            consecutive_errors=errors,
        ),
    }
