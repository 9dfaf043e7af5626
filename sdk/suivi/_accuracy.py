"""How good the estimates were: share of deliveries inside the window and mean error, per carrier.

Feed it the estimate shown BEFORE delivery (after delivery every estimate is exact). It is judged
on the arrival day: when the parcel was first available at a pickup point, else delivered (the
shopper's collection is not what the window promised). Errors are in calendar days, measured from
the estimate's p50, or its `latest` when it has no p50 (the date the shopper was told to expect
the parcel by). A window that states a confidence is also judged on it: `calibration` compares,
per carrier, the mean confidence stated with the share of arrivals actually inside.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from suivi._calendar import BusinessCalendar, local_date
from suivi._milestones import arrival
from suivi._models import DeliveryEstimate, Tracking


@dataclass(frozen=True, slots=True)
class EstimateOutcome:
    """An estimate made for a shipment, and the day the parcel actually arrived (local day)."""

    carrier: str
    estimate: DeliveryEstimate
    delivered_on: date
    width_days: int | None = None  # business days the window spans, both ends included

    @classmethod
    def observe(
        cls,
        estimate: DeliveryEstimate,
        tracking: Tracking,
        zone: ZoneInfo,
        calendar: BusinessCalendar | None = None,
    ) -> EstimateOutcome | None:
        """The outcome of a delivered tracking, on its arrival day in `zone`; None before.
        With the carrier's `calendar`, the window's width in business days too."""
        arrived = arrival(tracking)
        if tracking.delivered_at is None or arrived is None:
            return None
        width = window_width(estimate, calendar) if calendar else None
        return cls(tracking.carrier, estimate, local_date(arrived, zone), width)

    @property
    def inside(self) -> bool:
        """Whether the parcel came within the estimated window, ends included."""
        return self.estimate.earliest <= self.delivered_on <= self.estimate.latest

    @property
    def error_days(self) -> int:
        """Signed: positive when the parcel came later than expected."""
        expected = self.estimate.p50 or self.estimate.latest
        return (self.delivered_on - expected).days


@dataclass(frozen=True, slots=True)
class CarrierAccuracy:
    """One carrier's score: `inside_window` is a share from 0 to 1."""

    carrier: str
    deliveries: int
    inside_window: float
    mean_abs_error_days: float
    mean_width_days: float | None = None  # over the outcomes whose width is known


def accuracy_by_carrier(outcomes: Iterable[EstimateOutcome]) -> list[CarrierAccuracy]:
    """One row per carrier, sorted by carrier name; carriers without deliveries are absent."""
    by_carrier: defaultdict[str, list[EstimateOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_carrier[outcome.carrier].append(outcome)
    return [
        CarrierAccuracy(
            carrier=carrier,
            deliveries=len(rows),
            inside_window=sum(row.inside for row in rows) / len(rows),
            mean_abs_error_days=sum(abs(row.error_days) for row in rows) / len(rows),
            mean_width_days=_mean([row.width_days for row in rows if row.width_days is not None]),
        )
        for carrier, rows in sorted(by_carrier.items())
    ]


def window_width(estimate: DeliveryEstimate, calendar: BusinessCalendar) -> int:
    """Business days from `earliest` to `latest`, both included ("Tue 14 - Wed 15" is 2)."""
    return calendar.business_days_between(estimate.earliest, estimate.latest) + 1


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """Windows stated with a confidence in [low, high): how many, stated and observed shares."""

    low: float
    high: float
    deliveries: int
    stated: float
    observed: float


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """One carrier's windows that stated a confidence: mean stated against observed share."""

    carrier: str
    deliveries: int
    stated: float
    observed: float
    bins: tuple[ReliabilityBin, ...]

    @property
    def gap(self) -> float:
        """Observed minus stated: negative when the windows promised more than they held."""
        return self.observed - self.stated


def calibration(outcomes: Iterable[EstimateOutcome], *, bins: int = 10) -> list[CalibrationRow]:
    """Per carrier (sorted), over the outcomes whose estimate stated a confidence, with a
    reliability table of `bins` equal confidence bands (deciles by default; empty bands are
    left out, a confidence of 1 falls in the last band)."""
    if bins < 1:
        raise ValueError("need at least one bin")
    by_carrier: defaultdict[str, list[tuple[float, bool]]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.estimate.confidence is not None:
            by_carrier[outcome.carrier].append((outcome.estimate.confidence, outcome.inside))
    return [
        CalibrationRow(carrier, len(rows), *_shares(rows), _reliability(rows, bins))
        for carrier, rows in sorted(by_carrier.items())
    ]


def _shares(rows: list[tuple[float, bool]]) -> tuple[float, float]:
    return math.fsum(c for c, _ in rows) / len(rows), sum(hit for _, hit in rows) / len(rows)


def _reliability(rows: list[tuple[float, bool]], bins: int) -> tuple[ReliabilityBin, ...]:
    banded: defaultdict[int, list[tuple[float, bool]]] = defaultdict(list)
    for row in rows:
        banded[min(int(row[0] * bins), bins - 1)].append(row)
    return tuple(
        ReliabilityBin(band / bins, (band + 1) / bins, len(inside), *_shares(inside))
        for band, inside in sorted(banded.items())
    )
