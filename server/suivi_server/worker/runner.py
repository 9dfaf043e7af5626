"""The refresh worker: claim due shipments, ask the carriers, store what changed, reschedule.

A batch's answers are applied in one transaction that first locks the leases this worker still
holds; the answers, with their new schedules, situations, outbox rows and the release of their
leases, are written together in a few statements (`pipeline.ingest_many`) inside a savepoint.
Should that fail, each answer is applied again in a savepoint of its own, so one that cannot be
applied is rolled back alone. A worker killed mid-batch therefore loses nothing and duplicates
nothing: the batch commits whole or not at all, and what did not commit is claimed again when
the lease expires. While a batch is
written, the next one is already claimed and asked for (`drain`): carrier I/O overlaps the
database writes, one batch ahead at most.

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
from suivi_server.storage.ingest import stored_events
from suivi_server.storage.schema import shipments, tracking_events
from suivi_server.worker.cadence import next_poll_at
from suivi_server.worker.claim import DEFAULT_LEASE, claim_due_rows, release
from suivi_server.worker.pipeline import (
    Answer,
    Ingested,
    ingest_many,
    shipment_rows,
    update_shipments,
)

log = logging.getLogger("suivi.worker")
_s = shipments.c
_e = tracking_events.c

MAX_PAUSE_SECONDS = 300.0  # the longest wait after failed cycles in a row
_POLLED = {"poll_errors": 0, "last_error": None}  # an answer applied: the error count starts over


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
        claimed = await self._claim()
        return await self._store(await self._ask(claimed)) if claimed else 0

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Cycles until nothing is due, or `stop` is set; returns how many were polled. The
        carriers are asked about the next batch while the previous batch's answers are
        written: one batch ahead, no more. Claims are taken between writes, so they never wait
        on this worker's own. Once `stop` is set nothing more is claimed, and what was asked
        is still written."""
        polled = 0
        written: _Fetched | None = None
        while True:
            claimed = [] if stop is not None and stop.is_set() else await self._claim()
            if not claimed and written is None:
                return polled
            asking = asyncio.create_task(self._ask(claimed)) if claimed else None
            try:
                if written is not None:
                    polled += await self._store(written)
            except BaseException:
                if asking is not None:
                    await self._drop(asking)
                raise
            written = await asking if asking is not None else None

    async def _drop(self, asking: asyncio.Task[_Fetched]) -> None:
        """Stop asking about the batch ahead and give its leases back (an ask cut short gives
        its own back)."""
        asking.cancel()
        try:
            fetched = await asking
        except BaseException:
            return
        await self._give_back([row.id for row in fetched.claimed])

    async def _claim(self) -> list[Any]:
        now = self.clock()
        return await claim_due_rows(
            self.engine, self.worker_id, now=now, limit=self.batch_size, lease=self.lease
        )

    async def _ask(self, claimed: list[Any]) -> _Fetched:
        """Ask the carriers about a claimed batch; a failure gives its leases back."""
        now = self.clock()
        try:
            for row in claimed:
                lag = (now - row.next_poll_at).total_seconds() if row.next_poll_at else 0.0
                self.metrics.max_lag_seconds = max(self.metrics.max_lag_seconds, lag)
            items = [(row.carrier, row.tracking_number) for row in claimed]
            return _Fetched(claimed, await self.tracker.track_many(items))
        except BaseException:
            await self._give_back([row.id for row in claimed])
            raise

    async def _store(self, fetched: _Fetched) -> int:
        """Write a batch's answers; a batch that fails as a whole gives its leases back."""
        try:
            self.learned = await self.models.get(self.clock())
            await self._write(fetched)
        except BaseException:
            await self._give_back([row.id for row in fetched.claimed])
            raise
        self.metrics.polls += len(fetched.claimed)
        return len(fetched.claimed)

    async def _write(self, fetched: _Fetched) -> None:
        """One transaction for the batch: the leases still held are locked, their rows and
        stored events read in two statements, and the answers applied together in a savepoint;
        should that fail, each answer is applied again in a savepoint of its own, so a shipment
        whose answer cannot be applied is rolled back alone and backed off."""
        now = self.clock()
        ids = [row.id for row in fetched.claimed]
        async with self.engine.begin() as conn:
            held = set((await conn.execute(_hold(ids, self.worker_id, now + self.lease))).scalars())
            # A lease that expired and was taken over by another worker: let that one finish.
            self.metrics.lost_leases += len(ids) - len(held)
            if not held:
                return
            rows = await conn.execute(shipment_rows().where(_s.id.in_(held)))
            found = {row.id: row for row in rows}
            events: dict[int, list[Any]] = {shipment_id: [] for shipment_id in found}
            for event in await conn.execute(stored_events().where(_e.shipment_id.in_(held))):
                events[event.shipment_id].append(event)
            done = {"last_polled_at": now, "lease_owner": None, "lease_expires_at": None}
            answers: list[Answer] = []
            failed: list[tuple[Any, dict[str, Any]]] = []
            for claimed, result in zip(fetched.claimed, fetched.results, strict=True):
                if (row := found.get(claimed.id)) is None:
                    continue
                if result.ok or isinstance(result.error, ShipmentNotFound):
                    tracking = result.tracking or Tracking(
                        carrier=row.carrier,
                        tracking_number=row.tracking_number,
                        status=Status.NOT_FOUND,
                    )
                    answers.append(Answer(row, tracking, events[row.id], {**done, **_POLLED}))
                else:
                    assert result.error is not None
                    self.metrics.errors[result.error.code] += 1
                    failed.append((row, {**_failure(row, str(result.error), now), **done}))
            await update_shipments(conn, failed)
            for ingested in await self._apply(conn, answers, now):
                self.metrics.new_events += len(ingested.applied.new_events)
                self.metrics.status_changes += ingested.applied.status_changed
                self.metrics.situations.update(s.kind.value for s in ingested.situations)

    async def _apply(
        self, conn: AsyncConnection, answers: list[Answer], now: datetime
    ) -> list[Ingested]:
        """The answers together; if that fails, one by one, a failing one backed off alone."""
        if len(answers) > 1:
            learned = self.learned
            try:
                async with conn.begin_nested():
                    return await ingest_many(
                        conn, answers, now, learned.model, preference=learned.preference
                    )
            except Exception:
                log.warning(
                    "a batch of %d answers failed; applying them one by one",
                    len(answers),
                    exc_info=True,
                )
                self.metrics.errors["batch_retried_one_by_one"] += 1
        return [
            ingested
            for answer in answers
            for ingested in await self._apply_alone(conn, answer, now)
        ]

    async def _apply_alone(
        self, conn: AsyncConnection, answer: Answer, now: datetime
    ) -> list[Ingested]:
        learned = self.learned
        try:
            async with conn.begin_nested():
                return await ingest_many(
                    conn, [answer], now, learned.model, preference=learned.preference
                )
        except Exception as exc:
            row = answer.row
            self._log_failure(row, exc)
            failure = _failure(row, f"worker error: {type(exc).__name__}: {exc}", now)
            done = {
                key: answer.done[key]
                for key in ("last_polled_at", "lease_owner", "lease_expires_at")
            }
            await update_shipments(conn, [(row, {**failure, **done})])
            return []

    async def _give_back(self, ids: list[int]) -> None:
        """Release what a failed cycle still holds; if even that fails, the leases expire."""
        try:
            await release(self.engine, self.worker_id, ids)
        except Exception:
            log.exception("could not release the leases of shipments %s", ids)

    def _log_failure(self, row: Any, exc: Exception) -> None:
        """A shipment whose answer could not be applied: logged and counted, polled later."""
        log.error(
            "shipment %s (%s %s) could not be updated",
            row.id,
            row.carrier,
            row.tracking_number,
            exc_info=exc,
        )
        self.metrics.errors["worker_error"] += 1

    async def run_forever(
        self, *, idle_seconds: float = 5.0, stop: asyncio.Event | None = None
    ) -> None:
        """Poll until `stop` is set; a failed cycle is logged, counted and retried later."""
        stop = stop or asyncio.Event()
        failures_in_a_row = 0
        while not stop.is_set():
            try:
                polled = await self.drain(stop)
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


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A claimed batch and its carriers' answers, in claim order, waiting to be written."""

    claimed: list[Any]
    results: list[TrackResult]


def _hold(ids: list[int], worker_id: str, until: datetime) -> sa.Update:
    """Lock the batch's rows whose lease this worker still holds (and extend it); RETURNING
    which. The first statement of the batch's transaction: it takes the write lock at once."""
    return (
        sa.update(shipments)
        .where(_s.id.in_(ids), _s.lease_owner == worker_id)
        .values(lease_expires_at=until)
        .returning(_s.id)
    )


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
