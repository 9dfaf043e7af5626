"""Weighted transit histograms and the windows they give, each with an honest confidence.

A histogram counts past arrivals by business days from a milestone, each delivery weighted by
its recency (1 when every delivery counts the same). The window shown is the densest run of at
most `width` + 1 business days, and its confidence is what that choice is worth on a delivery
the histogram has not seen: the leave-one-out mass. The plain mass of a window chosen on the
very arrivals it is scored on is optimistic, the more so for small groups and narrow windows
(on 20 arrivals spread evenly over four days, some pair of days always looks better than half);
leaving each delivery out of the choice that is then judged on it removes that bias.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Window:
    """A run of business days (from the milestone's day) and the chance the arrival is inside."""

    earliest: int
    latest: int
    confidence: float


@dataclass(slots=True)
class Histogram:
    """One group's arrivals by business days: weights, squared weights and raw deliveries.

    Squared weights give the effective number of deliveries (Kish: (Σw)² / Σw²), which is what
    a recency-weighted histogram is worth as evidence: `deliveries` when all weigh the same.
    """

    weights: dict[int, float] = field(default_factory=dict)
    squares: dict[int, float] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)

    def add(self, days: int, deliveries: int = 1, weight: float = 1.0) -> None:
        """Count `deliveries` arrivals `days` business days after the milestone."""
        if days < 0 or deliveries < 0 or weight < 0:
            raise ValueError("days, deliveries and weight must not be negative")
        if deliveries == 0 or weight == 0:
            return
        self.weights[days] = self.weights.get(days, 0.0) + weight * deliveries
        self.squares[days] = self.squares.get(days, 0.0) + weight * weight * deliveries
        self.counts[days] = self.counts.get(days, 0) + deliveries

    def from_day(self, first: int) -> Histogram:
        """The arrivals on day `first` or later: a parcel not arrived yet cannot come earlier."""
        keep = [d for d in self.weights if d >= first]
        return Histogram(
            {d: self.weights[d] for d in keep},
            {d: self.squares[d] for d in keep},
            {d: self.counts[d] for d in keep},
        )

    @property
    def deliveries(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    @property
    def effective(self) -> float:
        """Effective number of deliveries; 0 for an empty histogram."""
        squares = sum(self.squares.values())
        return self.total**2 / squares if squares else 0.0

    def quantile(self, q: float) -> int:
        """Weighted nearest rank: an observed number of days, never an interpolated one."""
        goal = q * self.total * (1 - _EPSILON)
        seen = 0.0
        for days in sorted(self.weights):
            seen += self.weights[days]
            if seen >= goal:
                return days
        raise ValueError("empty histogram")

    def probability(self, earliest: int, latest: int) -> float:
        """Share of the weight on days earliest..latest."""
        total = self.total
        inside = sum(w for d, w in self.weights.items() if earliest <= d <= latest)
        return inside / total if total else 0.0

    def window(self, width: int) -> Window:
        """The densest run and its leave-one-out confidence (see the module's docstring)."""
        earliest, latest = densest_window(self.weights, width)
        return Window(earliest, latest, self._left_out_mass(width))

    def _left_out_mass(self, width: int) -> float:
        """Σ over days d of w(d) · [d inside the window chosen with one delivery of d removed].

        One delivery weighs, on average, total / effective: removing it from day d is the
        leave-one-out step for every delivery of that day at once (they are interchangeable).
        """
        total, effective = self.total, self.effective
        if effective <= 1:
            return 0.0
        unit = total / effective
        held = 0.0
        for days, weight in self.weights.items():
            without = dict(self.weights)
            without[days] = max(0.0, weight - unit)
            if without[days] <= _EPSILON * total:
                del without[days]
            if not without:
                continue
            earliest, latest = densest_window(without, width)
            if earliest <= days <= latest:
                held += weight
        return held / total


def densest_window(weights: Mapping[int, float], width: int) -> tuple[int, int]:
    """The run of at most `width` + 1 business days holding the most weight, earlier on ties.

    Quantile bounds would anchor a narrow window at the median and cap it below p90; the densest
    run is the one that, on past data, most often contains the arrival. Both ends are observed
    values, so a window never promises a day no parcel has ever taken.
    """
    observed = sorted(d for d, w in weights.items() if w > 0)
    if not observed:
        raise ValueError("empty histogram")
    best, best_mass = observed[0], -math.inf
    for first in observed:
        mass = sum(weights.get(first + k, 0.0) for k in range(width + 1))
        if mass > best_mass * (1 + _EPSILON) + _EPSILON:
            best, best_mass = first, mass
    return best, max(d for d in observed if d <= best + width)
