"""The window shown to the shopper: chosen on each answer, changed only when it must, recorded.

The carrier's estimate (what this answer said), the model's forecast and the measured preference
between them give a candidate; `settle` keeps the window already shown unless the candidate is
materially different. Each change of the shown window before arrival is counted (and whether it
moved later: each is a reason to call), and recorded in `shown_estimates` with the carrier's and
the model's candidates of that moment, as is the window in force when a new milestone is
reached: what the report judges, and what the carrier-versus-model scores are made of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import (
    DeliveryEstimate,
    EstimatePreference,
    ShipmentFacts,
    Tracking,
    TransitModel,
    arrival,
    current_milestone,
    moved_later,
    settle,
)
from suivi_server.storage.schema import shown_estimates


@dataclass(frozen=True, slots=True)
class Shown:
    """The window to show after this answer, the shipment columns that say so, and the
    `shown_estimates` row that records it (None: nothing worth recording changed)."""

    estimate: DeliveryEstimate | None
    values: dict[str, Any]
    record: dict[str, Any] | None = None


def _window(
    estimate: DeliveryEstimate | None,
) -> tuple[date, date, time | None, time | None] | None:
    """What the shopper reads of an estimate: its days and its time slot."""
    if estimate is None:
        return None
    return estimate.earliest, estimate.latest, estimate.start_time, estimate.end_time


def _json(estimate: DeliveryEstimate | None) -> dict[str, Any] | None:
    return estimate.model_dump(mode="json") if estimate else None


def show_estimate(
    before: Any,
    facts: ShipmentFacts,
    tracking: Tracking,
    now: datetime,
    *,
    model: TransitModel,
    preference: EstimatePreference,
) -> Shown:
    """Decide the shown window from `before` (the shipment row as it was, read under its lock,
    so its move counts are incremented here); the caller writes `values` and `record`."""
    calendar = facts.calendar(tracking.service)
    today = now.astimezone(calendar.zone).date()
    forecast = model.forecast(facts, tracking, now)
    candidate = model.estimate(facts, tracking, now, preference=preference)
    shown = DeliveryEstimate.model_validate(before.estimate) if before.estimate else None
    settled = (
        settle(shown, candidate, today=today, calendar=calendar, forecast=forecast)
        if candidate
        else shown
    )
    reached = current_milestone(tracking)
    milestone = reached[0].value if reached else None
    values: dict[str, Any] = {"estimate": _json(settled), "milestone": milestone}
    changed = _window(settled) != _window(shown)
    if settled is None or arrival(tracking) is not None:
        return Shown(settled, values)  # after arrival the window is a fact, not a promise
    later = moved_later(shown, settled) if changed else False
    if changed and shown is not None:
        values["estimate_moves"] = before.estimate_moves + 1
        values["estimate_later_moves"] = before.estimate_later_moves + int(later)
    if not changed and milestone == before.milestone:
        return Shown(settled, values)
    record = {
        "merchant_id": before.merchant_id,
        "shipment_id": before.id,
        "milestone": milestone,
        "estimate": _json(settled),
        "carrier_estimate": _json(tracking.estimate),
        "model_estimate": _json(forecast.estimate if forecast else None),
        "moved_later": later,
        "shown_at": now,
    }
    return Shown(settled, values, record)


async def record_shown(conn: AsyncConnection, records: list[dict[str, Any]]) -> None:
    """Insert the `shown_estimates` rows of a batch of answers (one executemany)."""
    if records:
        await conn.execute(sa.insert(shown_estimates), records)
