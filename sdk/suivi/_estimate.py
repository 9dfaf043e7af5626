"""Delivery estimates: the learned transit model first, then the carrier's date, then the promise.

The model counts business days from the first scan to the parcel's arrival, per carrier × service
× origin→destination region, and falls back to coarser groups (carrier × service, then carrier)
when a group has too few deliveries to trust. Arrival is the first time the parcel is available
at a pickup point or locker when it went through one (the shopper's later collection is their
own choice, not transit), else its delivery. The window shown is, per group, the run of at most
`max_window_days` + 1 business days holding the most past arrivals. Milestones override every
source: out for delivery means today, available for pickup and delivered mean the arrival day.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
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


def _route(shipment: ShipmentFacts, postcode: str | None) -> tuple[str, str]:
    """Origin and destination regions; `postcode` stands in when the merchant gave none."""
    origin = region_of(shipment.origin_country, shipment.origin_postcode)
    destination = region_of(shipment.destination_country, shipment.destination_postcode or postcode)
    return origin, destination


def arrival(tracking: Tracking) -> datetime | None:
    """When the parcel reached the shopper: first available at a pickup point, else delivered.

    Events are newest first, so the last pickup-point event is the first arrival there.
    """
    at_point = [
        e.timestamp
        for e in tracking.events
        if e.affects_status and e.status is Status.AVAILABLE_FOR_PICKUP
    ]
    return at_point[-1] if at_point else tracking.delivered_at


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
    """One delivered shipment: business days from first scan to arrival on its route."""

    carrier: str
    service: str | None
    origin_region: str
    dest_region: str
    business_days: int

    @classmethod
    def observe(cls, shipment: ShipmentFacts, tracking: Tracking) -> TransitSample | None:
        """The sample a delivered tracking gives, or None before delivery or without a scan."""
        first = handover_event(tracking)
        arrived = arrival(tracking)
        if first is None or tracking.delivered_at is None or arrived is None:
            return None
        return cls.between(
            shipment,
            first.timestamp,
            arrived,
            service=tracking.service,
            destination_postcode=tracking.destination_postcode,
        )

    @classmethod
    def between(
        cls,
        shipment: ShipmentFacts,
        handed_over: datetime,
        arrived: datetime,
        *,
        service: str | None = None,
        destination_postcode: str | None = None,
    ) -> TransitSample:
        """The sample of known hand-over and arrival moments; shared with stores that query them,
        so that learning and estimating use the same route key and calendar."""
        calendar = shipment.calendar(service)
        days = calendar.business_days_between(
            local_date(handed_over, calendar.zone), local_date(arrived, calendar.zone)
        )
        origin, destination = _route(shipment, destination_postcode)
        return cls(shipment.carrier, shipment.service or service, origin, destination, days)


@dataclass(frozen=True, slots=True)
class TransitStats:
    """One group's transit times in business days: quantiles, and the window to show."""

    samples: int
    p50: int
    p90: int
    earliest: int
    latest: int


def _quantile(histogram: Mapping[int, int], total: int, q: float) -> int:
    """Nearest-rank quantile: an observed value, never an interpolated one."""
    rank = max(1, math.ceil(q * total))
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= rank:
            return days
    raise ValueError("empty histogram")


def _densest_window(histogram: Mapping[int, int], width: int) -> tuple[int, int]:
    """The run of at most `width` + 1 business days holding the most samples, earlier on ties.

    Quantile bounds would anchor a narrow window at the median and cap it below p90; the densest
    run is the one that, on past data, most often contains the arrival. Both ends are observed
    values, so a window never promises a day no parcel has ever taken.
    """
    observed = sorted(d for d, n in histogram.items() if n > 0)
    first = max(
        observed,
        key=lambda d: (sum(histogram.get(d + k, 0) for k in range(width + 1)), -d),
    )
    return first, max(d for d in observed if d <= first + width)


@dataclass(frozen=True)
class TransitModel:
    """Learned transit times; an empty model makes `estimate` use the carrier or the promise."""

    groups: Mapping[GroupKey, TransitStats] = field(default_factory=dict)

    @classmethod
    def learn(
        cls,
        samples: Iterable[TransitSample],
        *,
        min_samples: int = 20,
        max_window_days: int = 3,
    ) -> TransitModel:
        """Group samples at every level; keep only groups with at least `min_samples`.

        `max_window_days` bounds latest − earliest in business days (1: at most two days shown).
        """
        histograms: defaultdict[GroupKey, Counter[int]] = defaultdict(Counter)
        for s in samples:
            for key in group_keys(s.carrier, s.service, s.origin_region, s.dest_region):
                histograms[key][s.business_days] += 1
        return cls.from_histograms(
            histograms, min_samples=min_samples, max_window_days=max_window_days
        )

    @classmethod
    def from_histograms(
        cls,
        histograms: Mapping[GroupKey, Mapping[int, int]],
        *,
        min_samples: int = 20,
        max_window_days: int = 3,
    ) -> TransitModel:
        """`learn` from per-group counts (business days → deliveries), for callers that keep
        them up to date over a sliding period instead of regrouping every sample."""
        if min_samples < 1 or max_window_days < 0:
            raise ValueError("need min_samples ≥ 1 and max_window_days ≥ 0")
        groups = {}
        for key, histogram in histograms.items():
            total = sum(histogram.values())
            if total >= min_samples:
                earliest, latest = _densest_window(histogram, max_window_days)
                p50, p90 = _quantile(histogram, total, 0.5), _quantile(histogram, total, 0.9)
                groups[key] = TransitStats(total, p50, p90, earliest, latest)
        return cls(groups)

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
        origin, destination = _route(shipment, tracking.destination_postcode)
        stats = self.transit(
            shipment.carrier, shipment.service or tracking.service, origin, destination
        )
        if stats is None:
            return None
        first = handover_event(tracking)
        start = (
            local_date(first.timestamp, calendar.zone)
            if first
            else _first_handover_day(max(today, shipment.promised_ship_date or today), calendar)
        )
        return DeliveryEstimate(
            earliest=calendar.add_business_days(start, stats.earliest),
            latest=calendar.add_business_days(start, stats.latest),
            p50=calendar.add_business_days(start, stats.p50),
            p90=calendar.add_business_days(start, stats.p90),
            source="model",
        )


def _first_handover_day(day: date, calendar: BusinessCalendar) -> date:
    """The carrier collects nothing on a day off: a parcel not yet handed over leaves on the
    next business day, and transit times are counted from the hand-over day."""
    return day if calendar.is_business_day(day) else calendar.add_business_days(day, 1)


def _from_promise(shipment: ShipmentFacts) -> DeliveryEstimate | None:
    promised = shipment.promised_delivery_date
    if promised is None:
        return None
    return DeliveryEstimate(earliest=promised, latest=promised, source="promise")


def _arrival_day(tracking: Tracking, calendar: BusinessCalendar, today: date) -> date:
    arrived = arrival(tracking)
    return local_date(arrived, calendar.zone) if arrived else today


def _today(tracking: Tracking, calendar: BusinessCalendar, today: date) -> date:
    return today


# Statuses that pin the delivery day whatever any source predicted.
_MILESTONES: dict[Status, Callable[[Tracking, BusinessCalendar, date], date]] = {
    Status.OUT_FOR_DELIVERY: _today,
    Status.AVAILABLE_FOR_PICKUP: _arrival_day,
    Status.DELIVERED: _arrival_day,
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
