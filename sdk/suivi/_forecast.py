"""A forecast: where the parcel is in its journey, and the chance of each arrival day from there.

It is made from one milestone's histogram of remaining business days, conditioned on the parcel
not having arrived yet: days already past hold no chance, and the rest is scaled back up to 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from suivi._calendar import BusinessCalendar
from suivi._milestones import Milestone
from suivi._models import DeliveryEstimate
from suivi._transit import Histogram, Window


@dataclass(frozen=True)
class Forecast:
    """Arrival-day probabilities from `milestone`, reached on `start`, and the window to show."""

    milestone: Milestone
    start: date
    probabilities: Mapping[date, float]  # arrival day -> probability; days from today, sum 1
    estimate: DeliveryEstimate

    def probability(self, earliest: date, latest: date) -> float:
        """The chance that the parcel arrives between `earliest` and `latest`, both included."""
        return min(
            1.0, sum(p for day, p in self.probabilities.items() if earliest <= day <= latest)
        )


def first_possible_day(start: date, today: date, calendar: BusinessCalendar) -> int:
    """Business days from `start` to the first day the parcel can still arrive on (today, or the
    next business day when today is a day off)."""
    if today <= start:
        return 0
    elapsed = calendar.business_days_between(start, today)
    return elapsed if calendar.is_business_day(today) else elapsed + 1


def forecast_from(
    milestone: Milestone,
    start: date,
    remaining: Histogram,
    window: Window,
    calendar: BusinessCalendar,
) -> Forecast:
    """The forecast of a histogram already conditioned on the days still possible."""
    total = remaining.total
    probabilities: dict[date, float] = {}
    for days, weight in sorted(remaining.weights.items()):
        day = calendar.add_business_days(start, days)
        probabilities[day] = probabilities.get(day, 0.0) + weight / total
    estimate = DeliveryEstimate(
        earliest=calendar.add_business_days(start, window.earliest),
        latest=calendar.add_business_days(start, window.latest),
        p50=calendar.add_business_days(start, remaining.quantile(0.5)),
        p90=calendar.add_business_days(start, remaining.quantile(0.9)),
        confidence=round(window.confidence, 4),
        source="model",
    )
    return Forecast(milestone, start, probabilities, estimate)
