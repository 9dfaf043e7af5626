"""Delivery estimates: the learned transit model first, then the carrier's date, then the promise.

The model counts business days from the first scan to delivery, per carrier × service ×
origin→destination region, and falls back to coarser groups (carrier × service, then carrier)
when a group has too few deliveries to trust. Milestones override every source: out for delivery
means today, delivered means the delivery day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from suivi._calendar import BusinessCalendar, local_date
from suivi._models import DeliveryEstimate, Tracking
from suivi._situations import ShipmentFacts, handover_event
from suivi._taxonomy import Status

ANY = "*"
GroupKey = tuple[str, str, str, str]  # carrier, service, origin region, destination region

# French postcodes whose department has three digits (overseas), and where Corsica splits.
_FR_THREE_DIGIT_PREFIXES = frozenset({"97", "98"})
_CORSICA_PREFIX = "20"
_HAUTE_CORSE_FROM = 20200


def region_of(country: str | None, postcode: str | None) -> str:
    """Department for France ("75", "2A", "974"), the ISO country code elsewhere."""
    code = (country or "FR").upper()
    digits = (postcode or "").replace(" ", "")
    if code != "FR" or len(digits) != 5 or not digits.isdigit():
        return code
    if digits[:2] in _FR_THREE_DIGIT_PREFIXES:
        return digits[:3]
    if digits[:2] == _CORSICA_PREFIX:
        return "2B" if int(digits) >= _HAUTE_CORSE_FROM else "2A"
    return digits[:2]


def _route(shipment: ShipmentFacts, tracking: Tracking) -> tuple[str, str]:
    origin = region_of(shipment.origin_country, shipment.origin_postcode)
    destination = region_of(
        shipment.destination_country, shipment.destination_postcode or tracking.destination_postcode
    )
    return origin, destination


def group_keys(
    carrier: str, service: str | None, origin: str, destination: str
) -> tuple[GroupKey, ...]:
    """Finest group first, then the fallbacks used when a group has too few deliveries."""
    named = service or ""
    return (
        (carrier, named, origin, destination),
        (carrier, named, ANY, ANY),
        (carrier, ANY, ANY, ANY),
    )


@dataclass(frozen=True, slots=True)
class TransitSample:
    """One delivered shipment: business days from first scan to delivery on its route."""

    carrier: str
    service: str | None
    origin_region: str
    dest_region: str
    business_days: int

    @classmethod
    def observe(cls, shipment: ShipmentFacts, tracking: Tracking) -> TransitSample | None:
        """The sample a delivered tracking gives, or None before delivery or without a scan."""
        first = handover_event(tracking)
        if first is None or tracking.delivered_at is None:
            return None
        calendar = shipment.calendar(tracking.service)
        days = calendar.business_days_between(
            local_date(first.timestamp, calendar.zone),
            local_date(tracking.delivered_at, calendar.zone),
        )
        origin, destination = _route(shipment, tracking)
        service = shipment.service or tracking.service
        return cls(shipment.carrier, service, origin, destination, days)


@dataclass(frozen=True, slots=True)
class TransitStats:
    """Quantiles of one group's transit times, in business days."""

    samples: int
    low: int
    p50: int
    p90: int


def _quantile(ordered: list[int], q: float) -> int:
    """Nearest-rank quantile: an observed value, never an interpolated one."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class TransitModel:
    """Learned transit times; an empty model makes `estimate` use the carrier or the promise."""

    groups: Mapping[GroupKey, TransitStats] = field(default_factory=dict)
    max_window_days: int = 3

    @classmethod
    def learn(
        cls,
        samples: Iterable[TransitSample],
        *,
        min_samples: int = 20,
        low_quantile: float = 0.25,
        max_window_days: int = 3,
    ) -> TransitModel:
        """Group samples at every level; keep only groups with at least `min_samples`."""
        if min_samples < 1 or not 0 < low_quantile <= 0.5 or max_window_days < 0:
            raise ValueError("need min_samples ≥ 1, 0 < low_quantile ≤ 0.5, max_window_days ≥ 0")
        buckets: defaultdict[GroupKey, list[int]] = defaultdict(list)
        for s in samples:
            for key in group_keys(s.carrier, s.service, s.origin_region, s.dest_region):
                buckets[key].append(s.business_days)
        groups = {
            key: TransitStats(
                len(days), _quantile(days, low_quantile), _quantile(days, 0.5), _quantile(days, 0.9)
            )
            for key, days in ((k, sorted(v)) for k, v in buckets.items())
            if len(days) >= min_samples
        }
        return cls(groups, max_window_days)

    def transit(
        self, carrier: str, service: str | None, origin: str, destination: str
    ) -> TransitStats | None:
        """The finest group with enough deliveries, or None."""
        keys = group_keys(carrier, service, origin, destination)
        return next((self.groups[key] for key in keys if key in self.groups), None)

    def estimate(
        self, shipment: ShipmentFacts, tracking: Tracking, now: datetime
    ) -> DeliveryEstimate | None:
        """Milestone if reached, else model, carrier, promise: the first that knows something."""
        calendar = shipment.calendar(tracking.service)
        today = local_date(now, calendar.zone)
        base = (
            self._from_model(shipment, tracking, calendar, today)
            or tracking.estimate
            or _from_promise(shipment)
        )
        milestone = _MILESTONES.get(tracking.status)
        return (
            _on_day(milestone(tracking, calendar, today), tracking.estimate) if milestone else base
        )

    def _from_model(
        self, shipment: ShipmentFacts, tracking: Tracking, calendar: BusinessCalendar, today: date
    ) -> DeliveryEstimate | None:
        origin, destination = _route(shipment, tracking)
        stats = self.transit(
            shipment.carrier, shipment.service or tracking.service, origin, destination
        )
        if stats is None:
            return None
        first = handover_event(tracking)
        start = (
            local_date(first.timestamp, calendar.zone)
            if first
            else max(today, shipment.promised_ship_date or today)
        )
        latest = min(stats.p90, stats.p50 + self.max_window_days)
        earliest = max(stats.low, latest - self.max_window_days)
        return DeliveryEstimate(
            earliest=calendar.add_business_days(start, earliest),
            latest=calendar.add_business_days(start, latest),
            p50=calendar.add_business_days(start, stats.p50),
            p90=calendar.add_business_days(start, stats.p90),
            source="model",
        )


def _from_promise(shipment: ShipmentFacts) -> DeliveryEstimate | None:
    promised = shipment.promised_delivery_date
    if promised is None:
        return None
    return DeliveryEstimate(earliest=promised, latest=promised, source="promise")


def _delivery_day(tracking: Tracking, calendar: BusinessCalendar, today: date) -> date:
    delivered = tracking.delivered_at
    return local_date(delivered, calendar.zone) if delivered else today


def _today(tracking: Tracking, calendar: BusinessCalendar, today: date) -> date:
    return today


# Statuses that pin the delivery day whatever any source predicted.
_MILESTONES: dict[Status, Callable[[Tracking, BusinessCalendar, date], date]] = {
    Status.OUT_FOR_DELIVERY: _today,
    Status.DELIVERED: _delivery_day,
}


def _on_day(day: date, carrier: DeliveryEstimate | None) -> DeliveryEstimate:
    """A one-day estimate from the carrier's scan, keeping a time slot announced for that day."""
    slot = carrier if carrier and carrier.earliest == day == carrier.latest else None
    return DeliveryEstimate(
        earliest=day,
        latest=day,
        p50=day,
        p90=day,
        start_time=slot.start_time if slot else None,
        end_time=slot.end_time if slot else None,
        source="carrier",
    )
