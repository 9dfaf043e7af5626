"""Carrier performance over a period, per carrier, service and destination region.

Two populations, each one indexed range of the merchant's shipments:
- the deliveries of the period (`ix_shipments_merchant_id_delivered_at`): transit times in
  business days from hand-over to arrival, punctuality against the merchant's promise and
  against the window announced at hand-over;
- the shipments created in the period (`ix_shipments_merchant_id_created_at`): volumes, and the
  share that had an exception or came back to the merchant.
Transit days and arrival are counted exactly as the estimate model learns them (the carrier's
calendar at the destination, in the merchant's days), so the figures here are the ones the
estimates are built from. Regions too
small to read on their own are pooled into "other", per carrier and service.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import BusinessCalendar, Status, region_of
from suivi_server.dashboard.report_period import Period, merchant_zone
from suivi_server.estimates.facts import NOT_HANDED_OVER
from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import shipment_situations, shipments, tracking_events

OTHER_REGION = "other"
ALL = ""  # the service or region of a line that covers them all
# A region keeps its own line when it holds this share of its carrier × service, up to
# MAX_REGIONS lines; the rest are pooled (a lone small region keeps its name).
MIN_REGION_SHARE = 0.05
MAX_REGIONS = 8
# What a shipment "had": any event with one of these statuses, a situation of one of these
# kinds, or its current status among them.
TROUBLE_STATUSES: Mapping[str, tuple[str, ...]] = {
    "exception": (Status.EXCEPTION.value,),
    "return": (Status.RETURNING.value, Status.RETURNED.value),
}
TROUBLE_SITUATIONS: Mapping[str, tuple[str, ...]] = {
    "exception": ("address_problem", "damaged"),
    "return": ("returned_to_sender",),
}
_s, _e, _k = shipments.c, tracking_events.c, shipment_situations.c


@dataclass(frozen=True)
class Rate:
    """`hits` out of `total`; no share at all (not 0 %) when there is nothing to count."""

    hits: int
    total: int

    @property
    def share(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass
class _Tally:
    shipped: int = 0
    exceptions: int = 0
    returns: int = 0
    transit: Counter[int] = field(default_factory=Counter)
    delivered: int = 0
    on_promise: int = 0
    promised: int = 0
    in_window: int = 0
    announced: int = 0

    def add(self, other: _Tally) -> None:
        for name in (f.name for f in fields(self) if f.name != "transit"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.transit.update(other.transit)

    @property
    def size(self) -> int:
        return self.shipped + self.delivered


@dataclass(frozen=True)
class CarrierLine:
    carrier: str
    service: str  # ALL on a carrier's summary line; "" also when the carrier named none
    region: str  # a department or country, OTHER_REGION, or ALL
    shipped: int
    exceptions: Rate
    returns: Rate
    delivered: int
    transit: Mapping[int, int]  # business days → deliveries
    median_days: int | None
    p90_days: int | None
    on_promise: Rate
    in_window: Rate


@dataclass(frozen=True)
class CarrierReport:
    carriers: list[CarrierLine]  # one per carrier, every service and region together
    lines: list[CarrierLine]  # per carrier × service × region


def quantile(histogram: Mapping[int, int], q: float) -> int | None:
    """Nearest rank: a value that was observed, never an interpolated one."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(q * total)), 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= rank:
            return days
    return None  # unreachable: the ranks add up to total


def _line(carrier: str, service: str, region: str, tally: _Tally) -> CarrierLine:
    return CarrierLine(
        carrier=carrier,
        service=service,
        region=region,
        shipped=tally.shipped,
        exceptions=Rate(tally.exceptions, tally.shipped),
        returns=Rate(tally.returns, tally.shipped),
        delivered=tally.delivered,
        transit=dict(sorted(tally.transit.items())),
        median_days=quantile(tally.transit, 0.5),
        p90_days=quantile(tally.transit, 0.9),
        on_promise=Rate(tally.on_promise, tally.promised),
        in_window=Rate(tally.in_window, tally.announced),
    )


def pool_regions(sizes: Mapping[str, int]) -> dict[str, str]:
    """Each region's line: itself when large enough, else OTHER_REGION."""
    total = sum(sizes.values())
    ranked = sorted(sizes, key=lambda r: (-sizes[r], r))
    kept = {r for r in ranked[:MAX_REGIONS] if total and sizes[r] / total >= MIN_REGION_SHARE}
    pooled = [r for r in ranked if r not in kept]
    if len(pooled) == 1:
        kept.add(pooled[0])
    return {r: r if r in kept else OTHER_REGION for r in sizes}


def _had(kind: str) -> sa.ColumnElement[bool]:
    """Whether the shipment had this trouble: its status, any of its events (read through the
    query's join on the shipment's events), or one of its situations."""
    statuses, situations = TROUBLE_STATUSES[kind], TROUBLE_SITUATIONS[kind]
    by_event = sa.func.max(sa.case((_e.status.in_(statuses), 1), else_=0)) == 1
    by_situation = sa.exists().where(_k.shipment_id == _s.id, _k.kind.in_(situations))
    return sa.or_(_s.status.in_(statuses), by_event, by_situation)


async def _created(
    conn: AsyncConnection, merchant_id: int, start: datetime, end: datetime
) -> list[Any]:
    """The period's new shipments, each joined once to its events (one merge on the shipment's
    event index), rather than one lookup per shipment and trouble."""
    query = (
        sa.select(
            _s.carrier,
            _s.service,
            _s.customer_country,
            _s.customer_postcode,
            _had("exception").label("had_exception"),
            _had("return").label("had_return"),
        )
        .outerjoin(tracking_events, _e.shipment_id == _s.id)
        .where(_s.merchant_id == merchant_id, _s.created_at >= start, _s.created_at < end)
        .group_by(_s.id)  # the primary key: every selected column depends on it
    )
    return list((await conn.execute(query)).all())


async def _delivered(
    conn: AsyncConnection, merchant_id: int, start: datetime, end: datetime
) -> list[Any]:
    moved = sa.and_(_e.affects_status, _e.status.not_in(NOT_HANDED_OVER))
    at_point = sa.and_(_e.affects_status, _e.status == Status.AVAILABLE_FOR_PICKUP.value)
    query = (
        sa.select(
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
            sa.func.min(sa.case((moved, _e.occurred_at))).label("handed_over"),
            sa.func.min(sa.case((at_point, _e.occurred_at))).label("at_pickup"),
        )
        .outerjoin(tracking_events, _e.shipment_id == _s.id)
        .where(_s.merchant_id == merchant_id, _s.delivered_at >= start, _s.delivered_at < end)
        .group_by(_s.id)  # the primary key: every selected column depends on it
    )
    return list((await conn.execute(query)).all())


def _window(estimate: Any) -> tuple[date, date] | None:
    """The announced window's days; None when none was announced or it cannot be read."""
    if not isinstance(estimate, Mapping):
        return None
    try:
        return date.fromisoformat(estimate["earliest"]), date.fromisoformat(estimate["latest"])
    except (KeyError, TypeError, ValueError):
        return None


@lru_cache(maxsize=16384)
def transit_days(
    carrier: str, service: str | None, country: str, zone: ZoneInfo, start: date, end: date
) -> int:
    """Business days in (start, end] on the carrier's calendar at the destination: the count
    the estimate model learns (`ShipmentFacts.calendar`, `transit_observations`), cached
    because a period's deliveries share few carriers, countries and days."""
    calendar = BusinessCalendar.for_carrier(carrier, service, country=country, zone=zone)
    return calendar.business_days_between(start, end)


def _count_delivery(tally: _Tally, row: Any, zone: ZoneInfo) -> None:
    arrived: datetime = row.at_pickup or row.delivered_at
    day = arrived.astimezone(zone).date()
    tally.delivered += 1
    if row.handed_over is not None:
        country = row.customer_country or "FR"
        start = row.handed_over.astimezone(zone).date()
        tally.transit[transit_days(row.carrier, row.service, country, zone, start, day)] += 1
    if row.promised_delivery_date is not None:
        tally.promised += 1
        tally.on_promise += day <= row.promised_delivery_date
    if (window := _window(row.shipped_estimate)) is not None:
        tally.announced += 1
        tally.in_window += window[0] <= day <= window[1]


def _group(
    tallies: Iterable[tuple[tuple[str, str, str], _Tally]],
) -> dict[tuple[str, str, str], _Tally]:
    grouped: dict[tuple[str, str, str], _Tally] = defaultdict(_Tally)
    for key, tally in tallies:
        grouped[key].add(tally)
    return grouped


def _report(raw: Mapping[tuple[str, str, str], _Tally]) -> CarrierReport:
    sizes: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (carrier, service, region), tally in raw.items():
        sizes[carrier, service][region] = tally.size
    pools = {route: pool_regions(regions) for route, regions in sizes.items()}
    lines = _group(
        ((carrier, service, pools[carrier, service][region]), tally)
        for (carrier, service, region), tally in raw.items()
    )
    per_carrier = _group(((carrier, ALL, ALL), tally) for (carrier, _, _), tally in raw.items())
    return CarrierReport(
        carriers=[_line(*key, tally) for key, tally in sorted(per_carrier.items())],
        lines=[
            _line(*key, tally)
            for key, tally in sorted(lines.items(), key=lambda i: _line_order(*i))
        ],
    )


def _line_order(key: tuple[str, str, str], tally: _Tally) -> tuple[str, str, bool, int, str]:
    """Carrier, service, then the largest regions first and "other" last."""
    carrier, service, region = key
    return carrier, service, region == OTHER_REGION, -tally.size, region


async def carrier_report(
    conn: AsyncConnection, *, merchant: Merchant, period: Period
) -> CarrierReport:
    """The period's figures for one merchant (two indexed range queries).

    The rows are counted in a worker thread: a large merchant's month is tens of thousands of
    deliveries, and the event loop keeps serving pages meanwhile.
    """
    zone = merchant_zone(merchant.settings)
    start, end = period.bounds(zone)
    created = await _created(conn, merchant.id, start, end)
    delivered = await _delivered(conn, merchant.id, start, end)
    return await asyncio.to_thread(_count, created, delivered, zone)


def _count(created: Iterable[Any], delivered: Iterable[Any], zone: ZoneInfo) -> CarrierReport:
    raw: dict[tuple[str, str, str], _Tally] = defaultdict(_Tally)
    for row in created:
        tally = raw[row.carrier, row.service or "", _region(row)]
        tally.shipped += 1
        tally.exceptions += bool(row.had_exception)
        tally.returns += bool(row.had_return)
    for row in delivered:
        _count_delivery(raw[row.carrier, row.service or "", _region(row)], row, zone)
    return _report(raw)


def _region(row: Any) -> str:
    return region_of(row.customer_country, row.customer_postcode)
