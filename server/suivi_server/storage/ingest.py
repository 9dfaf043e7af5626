"""Storing what a carrier says about a shipment, idempotently.

Events are keyed by (shipment, instant, code): seeing the same carrier answer twice stores
nothing new. The shipment's current view (status, pickup point…) is then recomputed from ALL
stored events with the SDK's taxonomy rules, so the order in which answers arrive never matters
and an answer that omits old events loses nothing.

Only the carrier's own estimate is stored here (`carrier_estimate`): what this answer announced,
since a date the carrier stopped giving no longer holds. The window shown to the shopper
(`estimate`) is the pipeline's alone, so it never comes back as if the carrier had said it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import Location, Status, Substatus, Tracking, TrackingEvent
from suivi_server.storage.dialect import insert_ignoring_conflicts
from suivi_server.storage.schema import shipments, tracking_events

_EVENT_KEY = ("shipment_id", "occurred_at", "code")
_s = shipments.c
_e = tracking_events.c


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one carrier answer changed: the worker turns this into situations and messages."""

    shipment_id: int
    new_events: tuple[TrackingEvent, ...]
    previous: tuple[Status, Substatus | None]
    tracking: Tracking
    # the parcel's delivery is known and was never learned (`learned_at` is set with this answer):
    # what learning counts, exactly once, even if the carrier reports the delivery a second time
    newly_delivered: bool = False
    # the shipment row as it was before this answer, read under the row lock (the shown window)
    before: Any = None

    @property
    def status_changed(self) -> bool:
        return self.previous != (self.tracking.status, self.tracking.substatus)


def _key(timestamp: datetime, code: str) -> tuple[datetime, str]:
    return timestamp.astimezone(UTC), code


def _event_row(shipment_id: int, event: TrackingEvent, now: datetime) -> dict[str, Any]:
    return {
        "shipment_id": shipment_id,
        "occurred_at": event.timestamp,
        "status": event.status.value,
        "substatus": event.substatus.value if event.substatus else None,
        "code": event.code[:32],
        "label": event.label.replace("\x00", "")[:500],
        "location": event.location.model_dump(mode="json", exclude_none=True)
        if event.location
        else None,
        "affects_status": event.affects_status,
        "created_at": now,
    }


def _event(row: Any) -> TrackingEvent:
    return TrackingEvent(
        timestamp=row.occurred_at,
        status=Status(row.status),
        substatus=Substatus(row.substatus) if row.substatus else None,
        code=row.code,
        label=row.label,
        location=Location.model_validate(row.location) if row.location else None,
        affects_status=row.affects_status,
    )


def stored_tracking(shipment: Any, events: Iterable[Any], **fields: Any) -> Tracking:
    """The shipment's view recomputed from its stored event rows: what `apply_tracking` stores,
    and what a rebuild of the learned counts reads back (`estimates/rebuild.py`)."""
    return Tracking.from_events(
        shipment.carrier, shipment.tracking_number, [_event(row) for row in events], **fields
    )


def _as_stored(row: dict[str, Any]) -> TrackingEvent:
    """An event row about to be inserted, read as the database will give it back (in UTC)."""
    return _event(SimpleNamespace(**{**row, "occurred_at": row["occurred_at"].astimezone(UTC)}))


def _new_events(
    events: tuple[TrackingEvent, ...], stored: Sequence[Any]
) -> tuple[TrackingEvent, ...]:
    """The events not among `stored` (the shipment's rows, read under its lock, so no one else
    adds any meanwhile), each once."""
    known = {_key(row.occurred_at, row.code) for row in stored}
    unique: dict[tuple[datetime, str], TrackingEvent] = {}
    for event in events:
        key = _key(event.timestamp, event.code[:32])
        if key not in known:
            unique.setdefault(key, event)
    return tuple(unique.values())


def insert_events(conn: AsyncConnection) -> Any:
    """The events insert, built once per dialect so its compiled form is cached with it: an
    executemany of `Planned.event_rows`, a conflict ignored should a row exist after all."""
    dialect = conn.dialect.name
    if dialect not in _INSERTS:
        _INSERTS[dialect] = insert_ignoring_conflicts(conn, tracking_events, _EVENT_KEY)
    return _INSERTS[dialect]


_INSERTS: dict[str, Any] = {}


def _carrier_estimate(tracking: Tracking, stored: Any) -> Any:
    """What the carrier announces now: this answer's date, none if it gave none; an answer that
    did not find the parcel says nothing about it, so the stored date stays."""
    if tracking.status is Status.NOT_FOUND and not tracking.events:
        return stored
    return tracking.estimate.model_dump(mode="json") if tracking.estimate else None


async def apply_tracking(
    conn: AsyncConnection, shipment_id: int, tracking: Tracking, now: datetime
) -> IngestResult:
    """Store new events and recompute the current view, in the caller's transaction."""
    shipment = (
        await conn.execute(sa.select(shipments).where(_s.id == shipment_id).with_for_update())
    ).first()
    if shipment is None:
        raise LookupError(f"no shipment {shipment_id}")
    stored = (await conn.execute(stored_events().where(_e.shipment_id == shipment_id))).all()
    return await apply_to_row(conn, shipment, stored, tracking, now)


def stored_events() -> sa.Select[Any]:
    """The event rows `apply_to_row` reads, for one shipment or a batch (`shipment_id IN …`)."""
    return sa.select(tracking_events)


@dataclass(frozen=True, slots=True)
class Planned:
    """One answer's effect on its shipment, not yet written: the event rows to insert and the
    shipment columns to set (a worker writes a whole batch's in a few statements)."""

    result: IngestResult
    event_rows: list[dict[str, Any]]
    values: dict[str, Any]


async def apply_to_row(
    conn: AsyncConnection, shipment: Any, stored: Sequence[Any], tracking: Tracking, now: datetime
) -> IngestResult:
    """`apply_tracking` on a shipment row and its event rows the caller already read under the
    row's lock."""
    planned = plan_answer(shipment, stored, tracking, now)
    if planned.event_rows:
        await conn.execute(insert_events(conn), planned.event_rows)
    await conn.execute(sa.update(shipments).where(_s.id == shipment.id).values(**planned.values))
    return planned.result


def plan_answer(shipment: Any, stored: Sequence[Any], tracking: Tracking, now: datetime) -> Planned:
    """What storing `tracking` changes, from the shipment row and its event rows read under the
    row's lock: no statement is run, so a batch of answers is planned and then written at once."""
    shipment_id = shipment.id
    new_events = _new_events(tracking.events, stored)
    event_rows = [_event_row(shipment_id, event, now) for event in new_events]
    known = {_key(row.occurred_at, row.code): _event(row) for row in stored}
    for event, row in zip(new_events, event_rows, strict=True):
        known.setdefault(_key(event.timestamp, event.code[:32]), _as_stored(row))
    previous_status = Status(shipment.status)
    without_events = previous_status if tracking.status is Status.NOT_FOUND else tracking.status
    carrier_estimate = _carrier_estimate(tracking, shipment.carrier_estimate)
    pickup = tracking.pickup_point.model_dump(mode="json") if tracking.pickup_point else None
    current = Tracking.from_events(
        shipment.carrier,
        shipment.tracking_number,
        list(known.values()),
        status_without_events=without_events,
        service=tracking.service or shipment.service,
        estimate=carrier_estimate,
        pickup_point=pickup or shipment.pickup_point,
        signed_by=tracking.signed_by or shipment.signed_by,
    )
    newly_delivered = shipment.learned_at is None and current.delivered_at is not None
    values = {
        "status": current.status.value,
        "substatus": current.substatus.value if current.substatus else None,
        "service": current.service,
        "carrier_estimate": carrier_estimate,
        "pickup_point": pickup or shipment.pickup_point,
        "signed_by": current.signed_by,
        "last_event_at": current.events[0].timestamp if current.events else None,
        "delivered_at": current.delivered_at,
        "learned_at": now if newly_delivered else shipment.learned_at,
        "updated_at": now,
    }
    previous_substatus = Substatus(shipment.substatus) if shipment.substatus else None
    result = IngestResult(
        shipment_id,
        new_events,
        (previous_status, previous_substatus),
        current,
        newly_delivered=newly_delivered,
        before=shipment,
    )
    return Planned(result, event_rows, values)
