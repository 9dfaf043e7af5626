"""How good the estimates were: share of deliveries inside the window and mean error, per carrier.

Feed it the estimate shown BEFORE delivery (after delivery every estimate is exact). It is judged
on the arrival day: when the parcel was first available at a pickup point, else delivered (the
shopper's collection is not what the window promised). Errors are in calendar days, measured from
the estimate's p50, or its `latest` when it has no p50 (the date the shopper was told to expect
the parcel by).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from suivi._calendar import local_date
from suivi._estimate import arrival
from suivi._models import DeliveryEstimate, Tracking


@dataclass(frozen=True, slots=True)
class EstimateOutcome:
    """An estimate made for a shipment, and the day the parcel actually arrived (local day)."""

    carrier: str
    estimate: DeliveryEstimate
    delivered_on: date

    @classmethod
    def observe(
        cls, estimate: DeliveryEstimate, tracking: Tracking, zone: ZoneInfo
    ) -> EstimateOutcome | None:
        """The outcome of a delivered tracking, on its arrival day in `zone`; None before."""
        arrived = arrival(tracking)
        if tracking.delivered_at is None or arrived is None:
            return None
        return cls(tracking.carrier, estimate, local_date(arrived, zone))

    @property
    def inside(self) -> bool:
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
        )
        for carrier, rows in sorted(by_carrier.items())
    ]
