"""What happens to every carrier answer, polled or pushed: one function, one transaction.

The worker (answers it asked for) and the carrier webhooks (answers pushed to us) both call
`ingest` inside the transaction that writes the returned values, so events, the shipment's
view, its estimate and its situations always change together, whichever way the news came.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi import (
    DeliveryEstimate,
    DetectedSituation,
    Status,
    Thresholds,
    Tracking,
    TransitModel,
    detect_situations,
)
from suivi_server.notifications.planner import plan_notifications
from suivi_server.storage.ingest import IngestResult, apply_tracking
from suivi_server.storage.schema import merchants, shipments
from suivi_server.storage.situations import record_situations
from suivi_server.worker.cadence import has_expired, next_poll_at
from suivi_server.worker.estimates import learn_transit_model, shipment_facts

_s = shipments.c

# Statuses in which the estimate is still a forecast: the first one is what accuracy is judged on.
_IN_FLIGHT = frozenset(
    {
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.ATTEMPT_FAILED,
        Status.AVAILABLE_FOR_PICKUP,
        Status.EXCEPTION,
    }
)


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one answer changed; `values` are the shipment columns the caller still writes."""

    applied: IngestResult
    situations: tuple[DetectedSituation, ...]
    values: dict[str, Any]


def shipment_rows() -> sa.Select[Any]:
    """Shipments with their merchant's settings: the `row` that `ingest` reads."""
    return sa.select(shipments, merchants.c.settings.label("merchant_settings")).join(
        merchants, merchants.c.id == _s.merchant_id
    )


async def ingest(
    conn: AsyncConnection, row: Any, tracking: Tracking, now: datetime, model: TransitModel
) -> Ingested:
    """Store the answer, estimate the delivery, record situations and the notifications they
    cause (same transaction); say when to poll next."""
    applied = await apply_tracking(conn, row.id, tracking, now)
    status = applied.tracking.status
    last_event = applied.tracking.events[0].timestamp if applied.tracking.events else None
    values: dict[str, Any] = {}
    if has_expired(status, now=now, created_at=row.created_at, last_event_at=last_event):
        status = Status.EXPIRED
        values.update(status=Status.EXPIRED.value, substatus=None)
    estimate, new = await _situations(conn, row, applied.tracking, now, model)
    changed = applied.status_changed or status is not applied.tracking.status
    substatus = applied.tracking.substatus if status is applied.tracking.status else None
    await plan_notifications(
        conn,
        merchant_id=row.merchant_id,
        shipment_id=row.id,
        merchant_settings=dict(row.merchant_settings or {}),
        situations=new,
        status_change=(status.value, substatus.value if substatus else None, last_event)
        if changed
        else None,
        now=now,
    )
    values["estimate"] = estimate.model_dump(mode="json") if estimate else None
    if row.shipped_estimate is None and estimate and status in _IN_FLIGHT:
        values["shipped_estimate"] = values["estimate"]
    expected = estimate.latest if estimate else None
    values["next_poll_at"] = next_poll_at(status, now=now, expected=expected)
    return Ingested(applied, tuple(new), values)


async def _situations(
    conn: AsyncConnection, row: Any, tracking: Tracking, now: datetime, model: TransitModel
) -> tuple[DeliveryEstimate | None, list[DetectedSituation]]:
    """Estimate the delivery, then record which situations hold (same transaction)."""
    settings = dict(row.merchant_settings or {})
    facts = shipment_facts(row, settings)
    estimate = model.estimate(facts, tracking, now)
    thresholds = Thresholds.model_validate(settings.get("thresholds", {}))
    seen = tracking.model_copy(update={"estimate": estimate})
    detected = detect_situations(facts, seen, estimate, now, thresholds)
    return estimate, await record_situations(conn, row.id, detected, now)


class TransitModels:
    """The transit model learned from recent deliveries, relearned at most once per `refresh`.

    For request handlers: learning is a query over months of deliveries, too slow to repeat
    on every push, and concurrent requests share one relearning.
    """

    def __init__(self, engine: AsyncEngine, *, refresh: timedelta = timedelta(hours=1)) -> None:
        self.engine = engine
        self.refresh = refresh
        self._model: TransitModel | None = None
        self._learned_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def get(self, now: datetime) -> TransitModel:
        async with self._lock:
            if (
                self._model is None
                or self._learned_at is None
                or now - self._learned_at >= self.refresh
            ):
                self._model = await learn_transit_model(self.engine, now=now)
                self._learned_at = now
            return self._model
