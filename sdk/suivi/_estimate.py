"""Delivery estimates: the learned transit model, the carrier's date, then the promise.

The model counts business days from each milestone (hand-over, hub, delivery site, out for
delivery) to the parcel's arrival, per carrier × service × origin→destination region, and falls
back to coarser groups (carrier × service, then carrier) when a group has too few deliveries to
trust. Arrival is the first time the parcel is available at a pickup point or locker when it
went through one (the shopper's later collection is their own choice, not transit), else its
delivery. A parcel is forecast from the furthest milestone it reached, on the arrivals still
possible (it has not arrived yet), and shown the densest run of at most `max_window_days` + 1
business days with its leave-one-out confidence (see `_transit`). Statuses pin the day whatever
was forecast: out for delivery means today, available for pickup and delivered the arrival day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from suivi._calendar import BusinessCalendar, local_date
from suivi._forecast import Forecast, first_possible_day, forecast_from
from suivi._milestones import JOURNEY, Milestone, arrival, current_milestone, milestones_reached
from suivi._models import DeliveryEstimate, Tracking
from suivi._situations import ShipmentFacts
from suivi._taxonomy import Status
from suivi._transit import Histogram, Window

if TYPE_CHECKING:
    from suivi._preference import EstimatePreference

ANY = "*"
GroupKey = tuple[str, str, str, str]  # carrier, service, origin region, destination region
# carrier, service, origin region, destination region, milestone, week, days, deliveries
WeeklyCount = tuple[str, str, str, str, str, int, int, int]

# Half-life of a week's deliveries, in weeks: on the simulated year (bench/edd_year.py) from 2
# to 10 weeks the hand-over hit rate moves by less than a point; 4 follows a slowdown within
# two or three weeks and keeps about 45 % of the 26 weeks' deliveries as evidence.
HALF_LIFE_WEEKS = 4.0
HORIZON_WEEKS = 26
# How many deliveries the coarser group's view of a window counts for in its confidence: on
# the simulated year, 0 left Colissimo's stated confidence 2.1 points above what its windows
# held, 10 left 1.4, 20 left 1.0 (every carrier within 1.6).
PRIOR_DELIVERIES = 20.0

# French postcodes whose department has three digits (overseas), and where Corsica splits.
# A parcel reaching the delivery site after the morning rounds left goes out on the next
# business day: its remaining time counts from then, when learning and when estimating alike
# (else an evening scan puts a day's chance on "tomorrow" for every parcel scanned at dawn).
_ROUNDS_LEAVE: Mapping[Milestone, time] = {Milestone.DELIVERY_SITE: time(12, 0)}

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
class TransitObservation:
    """One delivered shipment seen from one milestone: business days left until arrival."""

    carrier: str
    service: str | None
    origin_region: str
    dest_region: str
    milestone: Milestone
    days: int


def milestone_day(milestone: Milestone, moment: datetime, calendar: BusinessCalendar) -> date:
    """The day a milestone's remaining time counts from: its local day, or the next business
    day when it was reached after that step's daily departure (`_ROUNDS_LEAVE`)."""
    local = moment.astimezone(calendar.zone)
    leaves = _ROUNDS_LEAVE.get(milestone)
    if leaves is not None and local.time() >= leaves:
        return calendar.add_business_days(local.date(), 1)
    return local.date()


def transit_observations(shipment: ShipmentFacts, tracking: Tracking) -> list[TransitObservation]:
    """One observation per milestone a delivered tracking reached before it arrived; none
    before delivery. Days run from the milestone's local day to the arrival's, as estimates
    count them, on the shipment's route and calendar."""
    arrived = arrival(tracking)
    if tracking.delivered_at is None or arrived is None:
        return []
    calendar = shipment.calendar(tracking.service)
    arrival_day = local_date(arrived, calendar.zone)
    origin, destination = _route(shipment, tracking.destination_postcode)
    service = shipment.service or tracking.service
    return [
        TransitObservation(
            shipment.carrier,
            service,
            origin,
            destination,
            milestone,
            calendar.business_days_between(
                min(milestone_day(milestone, moment, calendar), arrival_day), arrival_day
            ),
        )
        for milestone, moment in milestones_reached(tracking).items()
        if moment <= arrived
    ]


@dataclass(frozen=True, slots=True)
class TransitStats:
    """One group's transit times in business days: quantiles, and the window to show."""

    samples: int
    p50: int
    p90: int
    earliest: int
    latest: int


Histograms = Mapping[Milestone, Mapping[GroupKey, Histogram]]


def _check(min_samples: int, max_window_days: int) -> None:
    if min_samples < 1 or max_window_days < 0:
        raise ValueError("need min_samples ≥ 1 and max_window_days ≥ 0")


@dataclass(frozen=True)
class TransitModel:
    """Learned remaining times per milestone; an empty model leaves the carrier or the promise.

    `max_window_days` bounds latest − earliest in business days (1: at most two days shown);
    a group is used when it holds at least `min_samples` effective deliveries still possible.
    """

    histograms: Histograms = field(default_factory=dict)
    min_samples: int = 20
    max_window_days: int = 3
    prior_deliveries: float = PRIOR_DELIVERIES
    _windows: dict[tuple[Milestone, GroupKey, int], tuple[Histogram, Window] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        _check(self.min_samples, self.max_window_days)

    @classmethod
    def learn(
        cls,
        observations: Iterable[TransitObservation],
        *,
        min_samples: int = 20,
        max_window_days: int = 3,
    ) -> TransitModel:
        """Every observation counts the same (tests, benchmarks, small in-memory sets)."""
        _check(min_samples, max_window_days)
        histograms: dict[Milestone, dict[GroupKey, Histogram]] = {}
        for o in observations:
            groups = histograms.setdefault(o.milestone, {})
            for key in group_keys(o.carrier, o.service, o.origin_region, o.dest_region):
                groups.setdefault(key, Histogram()).add(o.days)
        return cls(histograms, min_samples, max_window_days)

    @classmethod
    def from_histograms(
        cls,
        histograms: Mapping[GroupKey, Mapping[int, int]],
        *,
        milestone: Milestone = Milestone.HANDOVER,
        min_samples: int = 20,
        max_window_days: int = 3,
    ) -> TransitModel:
        """A model of one milestone from per-group counts (business days → deliveries), every
        group already holding its fallbacks' share (as `learn` builds them)."""
        groups: dict[GroupKey, Histogram] = {}
        for key, counts in histograms.items():
            histogram = groups.setdefault(key, Histogram())
            for days, deliveries in counts.items():
                histogram.add(days, deliveries)
        return cls({milestone: groups}, min_samples, max_window_days)

    @classmethod
    def from_weekly_counts(
        cls,
        rows: Iterable[WeeklyCount],
        *,
        now_week: int,
        half_life_weeks: float = HALF_LIFE_WEEKS,
        horizon_weeks: int = HORIZON_WEEKS,
        min_samples: int = 20,
        max_window_days: int = 3,
    ) -> TransitModel:
        """The model of the `transit_counts` rows, finest groups only (fallbacks are summed
        here). A week `age` weeks old weighs 0.5 ** (age / half_life_weeks), so a peak's
        slowdown shows within weeks; weeks `horizon_weeks` old or older, and unknown milestones,
        are left out. A week ahead of `now_week` (a clock set back) counts as this week."""
        _check(min_samples, max_window_days)
        if half_life_weeks <= 0 or horizon_weeks < 1:
            raise ValueError("need half_life_weeks > 0 and horizon_weeks ≥ 1")
        known = {m.value: m for m in Milestone}
        histograms: dict[Milestone, dict[GroupKey, Histogram]] = {}
        for carrier, service, origin, dest, name, week, days, deliveries in rows:
            age = max(0, now_week - week)
            milestone = known.get(name)
            if age >= horizon_weeks or milestone is None:
                continue
            weight = 0.5 ** (age / half_life_weeks)
            groups = histograms.setdefault(milestone, {})
            for key in group_keys(carrier, service, origin, dest):
                groups.setdefault(key, Histogram()).add(days, deliveries, weight)
        return cls(histograms, min_samples, max_window_days)

    def _window(
        self, milestone: Milestone, keys: tuple[GroupKey, ...], first_day: int
    ) -> tuple[Histogram, Window] | None:
        """The finest group with enough deliveries on `first_day` or later, and its window."""
        groups = self.histograms.get(milestone, {})
        remaining = [
            groups[key].from_day(first_day) if key in groups else Histogram() for key in keys
        ]
        for at, key in enumerate(keys):
            cached = (milestone, key, first_day)
            if cached not in self._windows:
                self._windows[cached] = self._shrunk(remaining[at], remaining[at + 1 :])
            found = self._windows[cached]
            if found is not None:
                return found
        return None

    def _shrunk(
        self, histogram: Histogram, coarser: list[Histogram]
    ) -> tuple[Histogram, Window] | None:
        """The group's window, its confidence drawn towards the next coarser group's chance of
        the same days as if that group had `prior_deliveries` deliveries of its own: a small
        group's densest run is partly luck, and the coarser group, which did not choose it,
        judges it without that luck. None when the group has too few deliveries."""
        evidence = histogram.effective
        if evidence < self.min_samples:
            return None
        window = histogram.window(self.max_window_days)
        parent = next((h for h in coarser if h.effective > 0), None)
        if parent is None or self.prior_deliveries == 0:
            return histogram, window
        prior = parent.probability(window.earliest, window.latest)
        weight = self.prior_deliveries
        drawn = (evidence * window.confidence + weight * prior) / (evidence + weight)
        return histogram, Window(window.earliest, window.latest, drawn)

    def transit(
        self,
        carrier: str,
        service: str | None,
        origin: str,
        destination: str,
        milestone: Milestone = Milestone.HANDOVER,
    ) -> TransitStats | None:
        """The finest group with enough deliveries from `milestone`, or None."""
        found = self._window(milestone, group_keys(carrier, service, origin, destination), 0)
        if found is None:
            return None
        histogram, window = found
        return TransitStats(
            histogram.deliveries,
            histogram.quantile(0.5),
            histogram.quantile(0.9),
            window.earliest,
            window.latest,
        )

    def forecast(
        self, shipment: ShipmentFacts, tracking: Tracking, now: datetime
    ) -> Forecast | None:
        """Arrival chances from the furthest milestone reached that has enough data (an earlier
        one otherwise), counted from that milestone's day on the days still possible; before
        hand-over, from the day the carrier can first collect. None once arrived, or when no
        group knows this route's remaining time."""
        if arrival(tracking) is not None:
            return None
        calendar = shipment.calendar(tracking.service)
        today = local_date(now, calendar.zone)
        origin, destination = _route(shipment, tracking.destination_postcode)
        keys = group_keys(
            shipment.carrier, shipment.service or tracking.service, origin, destination
        )
        reached = milestones_reached(tracking)
        starts = [
            (m, milestone_day(m, reached[m], calendar)) for m in reversed(JOURNEY) if m in reached
        ]
        if not starts:
            ships = max(today, shipment.promised_ship_date or today)
            starts = [(Milestone.HANDOVER, _first_handover_day(ships, calendar))]
        for milestone, start in starts:
            found = self._window(milestone, keys, first_possible_day(start, today, calendar))
            if found is not None:
                return forecast_from(milestone, start, *found, calendar)
        return None

    def estimate(
        self,
        shipment: ShipmentFacts,
        tracking: Tracking,
        now: datetime,
        *,
        preference: EstimatePreference | None = None,
    ) -> DeliveryEstimate | None:
        """The pinned day once a status fixes it; otherwise the carrier's window where it is
        measured better at this milestone (`preference`), else the model's, the carrier's, the
        merchant's promise: the first that knows something. The preference is read at the
        furthest milestone reached, where the windows shown were scored, even when the
        forecast falls back to an earlier one; before hand-over nothing was scored."""
        calendar = shipment.calendar(tracking.service)
        today = local_date(now, calendar.zone)
        forecast = self.forecast(shipment, tracking, now)
        pin = _PINNED.get(tracking.status)
        if pin is not None:
            day = pin(tracking, calendar, today)
            sure = forecast is not None and forecast.milestone is Milestone.OUT_FOR_DELIVERY
            chance = forecast.probability(day, day) if forecast and sure else None
            return _on_day(day, tracking.estimate, chance)
        carrier = tracking.estimate
        reached = current_milestone(tracking)
        if carrier is not None and preference is not None and reached is not None:
            milestone = reached[0]
            service = shipment.service or tracking.service
            if preference.prefers_carrier(shipment.carrier, service, milestone):
                tally = preference.tally(shipment.carrier, service, milestone)
                rate = round(tally.carrier_rate, 4) if tally else None
                return carrier.model_copy(update={"confidence": rate})
        return (forecast.estimate if forecast else None) or carrier or _from_promise(shipment)


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
_PINNED: dict[Status, Callable[[Tracking, BusinessCalendar, date], date]] = {
    Status.OUT_FOR_DELIVERY: _today,
    Status.AVAILABLE_FOR_PICKUP: _arrival_day,
    Status.DELIVERED: _arrival_day,
}


def _on_day(
    day: date, carrier: DeliveryEstimate | None, confidence: float | None
) -> DeliveryEstimate:
    """A one-day estimate from the carrier's scan, keeping a time slot announced for that day;
    `confidence` is the out-for-delivery model's chance of arriving that day, when known."""
    slot = carrier if carrier and carrier.earliest == day == carrier.latest else None
    return DeliveryEstimate(
        earliest=day,
        latest=day,
        p50=day,
        p90=day,
        start_time=slot.start_time if slot else None,
        end_time=slot.end_time if slot else None,
        source="carrier",
        confidence=round(confidence, 4) if confidence is not None else None,
    )
