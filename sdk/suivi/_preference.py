"""Carrier or model: which estimate to show, decided by how each did on past deliveries.

Built from the `estimate_scores` rows: per carrier, service, milestone and week, the deliveries
for which the carrier announced a window, and how many of them arrived inside the carrier's
window and inside the model's. The carrier's window is shown where its hit rate is higher on
at least `min_deliveries` deliveries (a tie keeps the model, whose window states a confidence);
a service with too few scored deliveries is judged on its carrier's other services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from suivi._estimate import ANY
from suivi._milestones import Milestone
from suivi._models import DeliveryEstimate

# carrier, service, milestone, week, deliveries, carrier_hits, model_hits
ScoreRow = tuple[str, str, str, int, int, int, int]
ScoreKey = tuple[str, str, str]  # carrier, service ("*": all), milestone


def score(estimate: DeliveryEstimate, arrival_day: date) -> bool:
    """Whether the parcel arrived inside the window (a hit), on its local arrival day."""
    return estimate.earliest <= arrival_day <= estimate.latest


@dataclass(frozen=True, slots=True)
class Tally:
    """Scored deliveries of one group: how many, and how many each window held."""

    deliveries: int = 0
    carrier_hits: int = 0
    model_hits: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.deliveries + other.deliveries,
            self.carrier_hits + other.carrier_hits,
            self.model_hits + other.model_hits,
        )

    @property
    def carrier_rate(self) -> float:
        return self.carrier_hits / self.deliveries if self.deliveries else 0.0


@dataclass(frozen=True)
class EstimatePreference:
    """Per carrier × service × milestone, the measured tally of carrier against model."""

    tallies: dict[ScoreKey, Tally] = field(default_factory=dict)
    min_deliveries: int = 50

    @classmethod
    def from_scores(
        cls,
        rows: Iterable[ScoreRow],
        *,
        min_deliveries: int = 50,
        since_week: int | None = None,
    ) -> EstimatePreference:
        """Sum the rows (of weeks from `since_week` on, when given) per service and per carrier."""
        if min_deliveries < 1:
            raise ValueError("need min_deliveries ≥ 1")
        tallies: dict[ScoreKey, Tally] = {}
        for carrier, service, milestone, week, deliveries, carrier_hits, model_hits in rows:
            if since_week is not None and week < since_week:
                continue
            tally = Tally(deliveries, carrier_hits, model_hits)
            for key in ((carrier, service, milestone), (carrier, ANY, milestone)):
                tallies[key] = tallies.get(key, Tally()) + tally
        return cls(tallies, min_deliveries)

    def tally(self, carrier: str, service: str | None, milestone: Milestone) -> Tally | None:
        """The service's tally when it has enough deliveries, else the carrier's, else None."""
        keys = ((carrier, service or "", milestone.value), (carrier, ANY, milestone.value))
        return next(
            (
                self.tallies[key]
                for key in keys
                if key in self.tallies and self.tallies[key].deliveries >= self.min_deliveries
            ),
            None,
        )

    def prefers_carrier(self, carrier: str, service: str | None, milestone: Milestone) -> bool:
        """The carrier's window held more arrivals than the model's, on enough deliveries."""
        tally = self.tally(carrier, service, milestone)
        return tally is not None and tally.carrier_hits > tally.model_hits
