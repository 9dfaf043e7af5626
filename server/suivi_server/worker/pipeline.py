"""What happens to every carrier answer, polled or pushed: one function, one transaction.

The worker (answers it asked for) and the carrier webhooks (answers pushed to us) both call
`ingest` inside the transaction that writes the returned values, so events, the shipment's
view, its shown estimate, what is learned from its delivery and its situations always change
together, whichever way the news came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import (
    DeliveryEstimate,
    DetectedSituation,
    EstimatePreference,
    ShipmentFacts,
    Status,
    Thresholds,
    Tracking,
    TransitModel,
    detect_situations,
)
from suivi_server.estimates.facts import shipment_facts
from suivi_server.estimates.learning import learn_delivery
from suivi_server.estimates.shown import show_estimate
from suivi_server.notifications.planner import plan_notifications
from suivi_server.storage.ingest import IngestResult, apply_to_row, apply_tracking
from suivi_server.storage.schema import merchants, shipments
from suivi_server.storage.situations import record_situations
from suivi_server.worker.cadence import has_expired, next_poll_at

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
    conn: AsyncConnection,
    row: Any,
    tracking: Tracking,
    now: datetime,
    model: TransitModel,
    *,
    preference: EstimatePreference | None = None,
    events: Sequence[Any] | None = None,
) -> Ingested:
    """Store the answer, show an estimate, learn from a delivery that just landed, record
    situations and the notifications they cause (same transaction); say when to poll next.

    `events`: the shipment's stored event rows when the caller read them, and `row`, under the
    row's lock (the worker, a batch at a time); otherwise both are read again here, locked."""
    if events is None:
        applied = await apply_tracking(conn, row.id, tracking, now)
    else:
        applied = await apply_to_row(conn, row, events, tracking, now)
    status = applied.tracking.status
    last_event = applied.tracking.events[0].timestamp if applied.tracking.events else None
    settings = dict(row.merchant_settings or {})
    facts = shipment_facts(row, settings)
    shown = await show_estimate(
        conn,
        applied.before,
        facts,
        applied.tracking,
        now,
        model=model,
        preference=preference or EstimatePreference(),
    )
    if applied.newly_delivered:
        await learn_delivery(conn, row.id, facts, applied.tracking)
    values: dict[str, Any] = dict(shown.values)
    if has_expired(status, now=now, created_at=row.created_at, last_event_at=last_event):
        # Written before the situations are recorded: the problem kept in step with them is
        # computed on this final status, not on the carrier's that apply_tracking stored.
        status = Status.EXPIRED
        expire = sa.update(shipments).where(_s.id == row.id)
        await conn.execute(expire.values(status=Status.EXPIRED.value, substatus=None))
    new = await _situations(conn, row, facts, applied.tracking, shown.estimate, now)
    changed = applied.status_changed or status is not applied.tracking.status
    substatus = applied.tracking.substatus if status is applied.tracking.status else None
    await plan_notifications(
        conn,
        merchant_id=row.merchant_id,
        shipment_id=row.id,
        merchant_settings=settings,
        situations=new,
        status_change=(status.value, substatus.value if substatus else None, last_event)
        if changed
        else None,
        now=now,
    )
    if applied.before.shipped_estimate is None and shown.estimate and status in _IN_FLIGHT:
        values["shipped_estimate"] = values["estimate"]
    expected = shown.estimate.latest if shown.estimate else None
    values["next_poll_at"] = next_poll_at(status, now=now, expected=expected)
    return Ingested(applied, tuple(new), values)


async def _situations(
    conn: AsyncConnection,
    row: Any,
    facts: ShipmentFacts,
    tracking: Tracking,
    estimate: DeliveryEstimate | None,
    now: datetime,
) -> list[DetectedSituation]:
    """Record which situations hold, judged on the window shown (same transaction)."""
    settings = dict(row.merchant_settings or {})
    thresholds = Thresholds.model_validate(settings.get("thresholds", {}))
    seen = tracking.model_copy(update={"estimate": estimate})
    detected = detect_situations(facts, seen, estimate, now, thresholds)
    return await record_situations(conn, row.id, detected, now)
