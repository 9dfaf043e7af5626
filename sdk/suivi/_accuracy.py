"""How good the estimates were: share of deliveries inside the window and mean error, per carrier.

Feed it the estimate shown BEFORE delivery (after delivery every estimate is exact). Errors are
in calendar days, measured from the estimate's p50, or its `latest` when it has no p50 (the date
the shopper was told to expect the parcel by).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from suivi._models import DeliveryEstimate


@dataclass(frozen=True, slots=True)
class EstimateOutcome:
    """An estimate made for a shipment, and the day it was actually delivered."""

    carrier: str
    estimate: DeliveryEstimate
    delivered_on: date

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
