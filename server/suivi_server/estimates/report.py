"""How the windows shown to shoppers held, per carrier and service, over a range of deliveries.

Each delivery is judged on its arrival day in the merchant's time zone (first available at a
pickup point, else delivered: the shopper's later collection is not what the window promised).
The main row of a carrier and service judges the window shown at hand-over (`shipped_estimate`);
the milestone rows judge the window shown when the parcel reached each milestone (the first
`shown_estimates` row at that milestone). Days are read in each merchant's own time zone, and
each merchant's deliveries are one range of the (merchant, delivered_at) index.

The range selects on the delivery (`delivered_at`), the judging reads the arrival: a parcel left
at a pickup point before the range and collected inside it is counted, judged on the day it
reached the point; one collected after the range is not counted yet, even if it reached the point
inside it. Selecting on the arrival would need an index on it; the delivery's is the one kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import (
    DeliveryEstimate,
    EstimateOutcome,
    Milestone,
    ShipmentFacts,
    Status,
    window_width,
)
from suivi_server.estimates.facts import shipment_facts
from suivi_server.storage.schema import merchants, shipments, shown_estimates, tracking_events

_s = shipments.c
_e = tracking_events.c
_se = shown_estimates.c
_MILESTONE_ORDER = {None: 0} | {m.value: n for n, m in enumerate(Milestone, start=1)}


@dataclass(frozen=True, slots=True)
class EstimateReportRow:
    """One carrier and service (one milestone of it, or the hand-over window when None)."""

    carrier: str
    service: str  # "" when the carrier named none
    milestone: str | None
    deliveries: int
    hit_rate: float  # share of arrivals inside the window, from 0 to 1
    stated_confidence: float | None  # mean confidence announced; None when no window stated one
    mean_width_days: float  # business days the window spans: a one-day window is 1
    mean_abs_error_days: float  # calendar days between the arrival and the window's p50
    moved_later: float  # share of parcels whose shown window moved later at least once


@dataclass(slots=True)
class _Tally:
    deliveries: int = 0
    hits: int = 0
    widths: int = 0
    errors: int = 0
    later: int = 0
    confidences: list[float] = field(default_factory=list)

    def add(self, outcome: EstimateOutcome, width: int, moved_later: bool) -> None:
        self.deliveries += 1
        self.hits += outcome.inside
        self.widths += width
        self.errors += abs(outcome.error_days)
        self.later += moved_later
        if outcome.estimate.confidence is not None:
            self.confidences.append(outcome.estimate.confidence)

    def row(self, key: tuple[str, str, str | None]) -> EstimateReportRow:
        n = self.deliveries
        stated = sum(self.confidences) / len(self.confidences) if self.confidences else None
        return EstimateReportRow(
            *key,
            deliveries=n,
            hit_rate=self.hits / n,
            stated_confidence=stated,
            mean_width_days=self.widths / n,
            mean_abs_error_days=self.errors / n,
            moved_later=self.later / n,
        )


async def estimate_report(
    conn: AsyncConnection,
    *,
    merchant_id: int | None,
    since: date | None,
    until: date | None,
) -> list[EstimateReportRow]:
    """Deliveries from `since` to `until` (inclusive local days of `delivered_at`, a pickup
    point's collection; None: unbounded) of one merchant, or of all when `merchant_id` is None;
    sorted by carrier, service, then journey order."""
    query = sa.select(merchants.c.id, merchants.c.settings)
    if merchant_id is not None:
        query = query.where(merchants.c.id == merchant_id)
    tallies: defaultdict[tuple[str, str, str | None], _Tally] = defaultdict(_Tally)
    for merchant in (await conn.execute(query.order_by(merchants.c.id))).all():
        settings = dict(merchant.settings or {})
        zone = ZoneInfo(settings.get("timezone", "Europe/Paris"))
        delivered = _deliveries(merchant.id, _bounds(since, until, zone))
        rows = (await conn.execute(delivered)).all()
        shown = await _shown_by_milestone(conn, delivered)
        for row in rows:
            _judge(tallies, row, shipment_facts(row, settings), shown.get(row.id, {}))
    ordered = sorted(tallies, key=lambda k: (k[0], k[1], _MILESTONE_ORDER.get(k[2], 99)))
    return [tallies[key].row(key) for key in ordered]


def _bounds(
    since: date | None, until: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The local days as instants: from the start of `since` to the end of `until`."""
    start = datetime.combine(since, time(), zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), zone) if until else None
    return start, end


def _deliveries(
    merchant_id: int, bounds: tuple[datetime | None, datetime | None]
) -> sa.Select[Any]:
    first_at_point = (
        sa.select(sa.func.min(_e.occurred_at))
        .where(
            _e.shipment_id == _s.id,
            _e.affects_status,
            _e.status == Status.AVAILABLE_FOR_PICKUP.value,
        )
        .scalar_subquery()
    )
    query = sa.select(
        _s.id,
        _s.carrier,
        _s.service,
        _s.ordered_at,
        _s.created_at,
        _s.promised_ship_date,
        _s.promised_delivery_date,
        _s.customer_country,
        _s.customer_postcode,
        _s.shipped_estimate,
        _s.delivered_at,
        _s.estimate_later_moves,
        first_at_point.label("at_pickup"),
    ).where(
        _s.merchant_id == merchant_id,
        _s.status == Status.DELIVERED.value,
        _s.delivered_at.is_not(None),
    )
    start, end = bounds
    if start is not None:
        query = query.where(_s.delivered_at >= start)
    if end is not None:
        query = query.where(_s.delivered_at < end)
    return query


async def _shown_by_milestone(
    conn: AsyncConnection, delivered: sa.Select[Any]
) -> dict[int, dict[str, Any]]:
    """Per shipment, the first window shown at each milestone it reached."""
    ids = delivered.with_only_columns(_s.id).scalar_subquery()
    query = (
        sa.select(_se.shipment_id, _se.milestone, _se.estimate)
        .where(_se.shipment_id.in_(ids), _se.milestone.is_not(None))
        .order_by(_se.shipment_id, _se.shown_at, _se.id)
    )
    shown: defaultdict[int, dict[str, Any]] = defaultdict(dict)
    for row in (await conn.execute(query)).all():
        shown[row.shipment_id].setdefault(row.milestone, row.estimate)
    return shown


def _judge(
    tallies: defaultdict[tuple[str, str, str | None], _Tally],
    row: Any,
    facts: ShipmentFacts,
    shown: Mapping[str, Any],
) -> None:
    """Add one delivery to its carrier and service, at hand-over and at each milestone."""
    calendar = facts.calendar(row.service)
    arrived = (row.at_pickup or row.delivered_at).astimezone(calendar.zone).date()
    windows: Iterable[tuple[str | None, Any]] = [(None, row.shipped_estimate), *shown.items()]
    for milestone, stored in windows:
        if stored is None:
            continue
        estimate = DeliveryEstimate.model_validate(stored)
        outcome = EstimateOutcome(row.carrier, estimate, arrived)
        width = window_width(estimate, calendar)
        key = (row.carrier, row.service or "", milestone)
        tallies[key].add(outcome, width, row.estimate_later_moves > 0)
