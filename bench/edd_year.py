"""Delivery-estimate accuracy over a simulated year of shipments (no HTTP, plain loops).

    /work/venv/bin/python bench/edd_year.py [--seed N] [--shipments-per-day N]
                                            [--max-window-days N] [--warmup-weeks N]

A generator draws one year of parcels across the five carriers with transit times in business
days from hand-over (per carrier and service, destination distance, Corsica and overseas, a
late-November-December peak, summer slack, a few carrier disruptions, failed attempts and long
tails). Every parcel is a simulator `Parcel` with custom steps; the trackings a poll would see
are built from its events with the status each milestone means (as the simulator's carriers
and our adapters map them). The year is then walked in time order exactly as the worker does
it: a `TransitModel` learned once a day (the worker: hourly) from the parcels delivered before
that moment, over the last 180 days (the worker's LEARNING_WINDOW), estimates each parcel at
its hand-over scan (the worker's `shipped_estimate`), and accuracy is scored with
`accuracy_by_carrier` on the arrival day (`EstimateOutcome.observe`: at the Point Relais when
the parcel went through one, else delivered). The generator's distributions are fixed below as
assumptions; they are not tuned to the model. See bench/README.md, "Delivery estimates over a
simulated year".

Window width: `--max-window-days 1` (the default) means latest - earliest <= 1 business day,
i.e. the shopper sees a range of at most 2 business days ("Tue 14 - Wed 15"); a weekend or a
holiday inside the range makes it longer in calendar days.
"""

from __future__ import annotations

import argparse
import bisect
import os
import platform
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "sdk", ROOT / "server"):  # runnable without the editable install too
    if extra.is_dir() and str(extra) not in sys.path:
        sys.path.append(str(extra))

from suivi import (  # noqa: E402
    BusinessCalendar,
    DeliveryEstimate,
    EstimateOutcome,
    Location,
    ShipmentFacts,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
    TransitModel,
    TransitSample,
    accuracy_by_carrier,
    region_of,
)
from suivi._estimate import GroupKey, group_keys  # noqa: E402
from suivi_server.simulator.scenario import Milestone, Parcel  # noqa: E402

M = Milestone
PARIS = ZoneInfo("Europe/Paris")
ORIGIN = ("Lyon", "69007")
ORIGIN_REGION = region_of("FR", ORIGIN[1])
HUBS = {
    "colissimo": ("Chilly-Mazarin PFC", "91380"),
    "chronopost": ("Chilly-Mazarin Hub", "91380"),
    "dpd": ("Lyon Corbas Hub", "69960"),
    "mondial_relay": ("Lyon Saint-Priest Hub", "69800"),
    "ups": ("Lyon Saint-Exupery", "69125"),
}
LEARNING_WINDOW = timedelta(days=180)  # as server/suivi_server/worker/estimates.py

# What each milestone means in the taxonomy (tests/integration/test_simulator_colissimo.py).
MEANING: dict[Milestone, tuple[Status, Substatus | None]] = {
    M.LABEL_CREATED: (Status.INFO_RECEIVED, Substatus.LABEL_CREATED),
    M.PICKED_UP: (Status.IN_TRANSIT, Substatus.PICKED_UP),
    M.AT_HUB: (Status.IN_TRANSIT, Substatus.AT_HUB),
    M.ARRIVED_AT_DELIVERY_SITE: (Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE),
    M.DELAYED: (Status.IN_TRANSIT, Substatus.DELAYED),
    M.OUT_FOR_DELIVERY: (Status.OUT_FOR_DELIVERY, None),
    M.ATTEMPT_FAILED: (Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT),
    M.TO_PICKUP_POINT: (Status.IN_TRANSIT, Substatus.TO_PICKUP_POINT),
    M.AVAILABLE_FOR_PICKUP: (Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT),
    M.COLLECTED: (Status.DELIVERED, Substatus.COLLECTED_AT_PICKUP_POINT),
    M.DELIVERED: (Status.DELIVERED, Substatus.TO_RECIPIENT),
}

# ---------------------------------------------------------------------------------------------
# The generator's assumptions (business days from the hand-over day to the first delivery
# attempt, or to availability at the Point Relais). Fixed a priori from carriers' published
# service levels and common e-commerce experience; never adjusted to the model's results.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    carrier: str
    name: str
    share: float  # of the merchant's parcels
    transit: dict[int, float]  # business days -> probability
    nominal: int  # the service level the merchant promises from (plus one day of margin)
    publishes_eta: bool  # the carrier's tracking carries an expected date
    pickup: bool  # collected at the merchant's (evening scan) rather than dropped off
    slow_peak: float  # chance of one extra day during the peak
    slow_summer: float  # chance of one extra day in the summer holidays
    relay: bool = False  # delivered to a Point Relais, collected by the shopper
    morning: bool = False  # delivered before 13:00


SERVICES: tuple[Service, ...] = (
    Service(
        "colissimo",
        "expert",
        0.38,
        {1: 0.10, 2: 0.68, 3: 0.15, 4: 0.04, 5: 0.015, 6: 0.01, 8: 0.005},
        2,
        publishes_eta=False,
        pickup=False,
        slow_peak=0.25,
        slow_summer=0.08,
    ),
    Service(
        "chronopost",
        "chrono13",
        0.10,
        {1: 0.93, 2: 0.05, 3: 0.015, 4: 0.005},
        1,
        publishes_eta=True,
        pickup=True,
        slow_peak=0.10,
        slow_summer=0.03,
        morning=True,
    ),
    Service(
        "dpd",
        "predict",
        0.12,
        {1: 0.55, 2: 0.38, 3: 0.05, 4: 0.015, 5: 0.005},
        1,
        publishes_eta=True,
        pickup=True,
        slow_peak=0.15,
        slow_summer=0.04,
    ),
    Service(
        "dpd",
        "classic",
        0.03,
        {1: 0.35, 2: 0.45, 3: 0.14, 4: 0.04, 5: 0.02},
        2,
        publishes_eta=True,
        pickup=True,
        slow_peak=0.15,
        slow_summer=0.04,
    ),
    Service(
        "mondial_relay",
        "24R",
        0.22,
        {3: 0.30, 4: 0.40, 5: 0.20, 6: 0.06, 7: 0.03, 9: 0.01},
        4,
        publishes_eta=False,
        pickup=False,
        slow_peak=0.30,
        slow_summer=0.08,
        relay=True,
    ),
    Service(
        "ups",
        "standard",
        0.13,
        {1: 0.45, 2: 0.38, 3: 0.13, 4: 0.03, 6: 0.01},
        2,
        publishes_eta=True,
        pickup=True,
        slow_peak=0.15,
        slow_summer=0.04,
    ),
    Service(
        "ups",
        "express_saver",
        0.02,
        {1: 0.92, 2: 0.06, 3: 0.02},
        1,
        publishes_eta=True,
        pickup=True,
        slow_peak=0.10,
        slow_summer=0.03,
    ),
)
CARRIERS = ("chronopost", "colissimo", "dpd", "mondial_relay", "ups")

# Destination departments, weighted roughly by population (shoppers); the rest of
# metropolitan France shares a small weight. Corsica and overseas are rare.
DEPARTMENTS: dict[str, float] = {
    "75": 3.3, "13": 3.0, "59": 3.9, "69": 2.8, "92": 2.4, "93": 2.5, "94": 2.1, "33": 2.4,
    "31": 2.1, "44": 2.2, "06": 1.6, "67": 1.7, "34": 1.8, "62": 2.2, "78": 2.1, "77": 2.2,
    "91": 2.0, "95": 1.9, "76": 1.9, "38": 1.9, "35": 1.6, "57": 1.6, "83": 1.7, "29": 1.4,
    "74": 1.2, "01": 1.0, "42": 1.2, "63": 1.0, "64": 1.0, "56": 1.2, "22": 0.9, "14": 1.1,
    "68": 1.2, "30": 1.1, "45": 1.0, "37": 0.9, "21": 0.8, "71": 0.8, "26": 0.8, "73": 0.7,
    "66": 0.7, "40": 0.6, "85": 1.0, "50": 0.7, "80": 0.9, "87": 0.6, "51": 0.9, "25": 0.8,
}  # fmt: skip
OTHER_DEPARTMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20 and f"{n:02d}" not in DEPARTMENTS]
OTHER_WEIGHT = 8.0
CORSICA = {"2A": ("20000", 0.25), "2B": ("20200", 0.25)}
OVERSEAS = {  # department -> (postcode, weight, shopper's zone)
    "971": ("97110", 0.20, "America/Guadeloupe"),
    "972": ("97200", 0.20, "America/Martinique"),
    "973": ("97300", 0.08, "America/Cayenne"),
    "974": ("97400", 0.35, "Indian/Reunion"),
}
OVERSEAS_TRANSIT = {4: 0.15, 5: 0.30, 6: 0.25, 7: 0.15, 8: 0.10, 10: 0.05}
OVERSEAS_CARRIERS = frozenset({"colissimo", "ups"})
# Distance from Lyon: near departments are often a day faster, far ones a day slower.
NEAR = frozenset({"69", "01", "38", "42", "71", "73", "74", "26", "07", "03", "63", "39", "21"})
FAR = frozenset({"29", "22", "56", "35", "44", "85", "64", "40", "65", "32", "66", "50", "14"})
NEAR_FAST, FAR_SLOW = 0.35, 0.35

PEAK = ((11, 23), (12, 24))  # Black Friday to Christmas: slower
PEAK_VOLUME = ((11, 27), (12, 20))  # and twice the volume
SUMMER = ((7, 14), (8, 21))
SALES = ((1, 7), (2, 3))  # winter sales: more volume only
DISRUPTIONS_PER_YEAR = 4  # a strike or a hub outage: 2-5 days, +1..+3 days for most parcels
MISROUTED = 0.007  # lost in the network for a while, then found: +3..+8 days
FAILED_ATTEMPT = 0.04  # home delivery: shopper absent on the first attempt
# Business days between availability at the Point Relais and the shopper's collection.
COLLECTION_DELAY = {0: 0.30, 1: 0.25, 2: 0.15, 3: 0.10, 4: 0.07, 5: 0.05, 7: 0.06, 10: 0.02}
POST_OFFICE_DELAY = {0: 0.25, 1: 0.35, 2: 0.20, 3: 0.12, 5: 0.08}  # after a failed attempt


def _draw(rng: random.Random, table: dict[int, float]) -> int:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _within(day: date, span: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    (m1, d1), (m2, d2) = span
    return date(day.year, m1, d1) <= day <= date(day.year, m2, d2)


def _at(day: date, hours: float, zone: ZoneInfo) -> datetime:
    """`hours` after local midnight of `day` in `zone`."""
    minutes = min(round(hours * 60), 24 * 60 - 1)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)


# ---------------------------------------------------------------------------------------------
# Shipments
# ---------------------------------------------------------------------------------------------


@dataclass
class Shipment:
    """One generated parcel: the simulator's parcel, the merchant's facts, and what happened."""

    parcel: Parcel
    facts: ShipmentFacts
    handover_at: datetime
    handover_day: date
    transit_days: int  # business days from hand-over to arrival (what a sample measures)
    delivered_at: datetime
    delivered_on: date  # local day of delivery (collection for relay parcels)
    carrier_eta: date | None
    region: str
    causes: tuple[str, ...] = ()
    estimates: dict[int, DeliveryEstimate] = field(default_factory=dict)
    _outcomes: dict[int, EstimateOutcome] = field(default_factory=dict)
    _final: Tracking | None = None

    @property
    def carrier(self) -> str:
        return self.parcel.carrier

    @property
    def service(self) -> str:
        return self.parcel.service or ""

    def tracking(self, now: datetime) -> Tracking:
        """What a poll at `now` would return, from the parcel's simulator events."""
        events = []
        for sim in self.parcel.events(now):
            status, substatus = MEANING[sim.milestone]
            events.append(
                TrackingEvent(
                    timestamp=sim.at,
                    status=status,
                    substatus=substatus,
                    code=sim.milestone.value,
                    label=sim.milestone.value.replace("_", " "),
                    location=Location(city=sim.city, postcode=sim.postcode, country=sim.country),
                )
            )
        eta = self.carrier_eta
        return Tracking.from_events(
            self.carrier,
            self.parcel.number,
            events,
            status_without_events=Status.PENDING,
            service=self.parcel.service,
            estimate=DeliveryEstimate(earliest=eta, latest=eta, source="carrier") if eta else None,
            destination_country="FR",
            destination_postcode=self.parcel.recipient_postcode,
        )

    def outcome(self, width: int) -> EstimateOutcome:
        """The estimate shown at hand-over against the local arrival day (cached)."""
        if width not in self._outcomes:
            judged = EstimateOutcome.observe(
                self.estimates[width], self.final_tracking(), self.facts.zone
            )
            assert judged is not None
            self._outcomes[width] = judged
        return self._outcomes[width]

    def handover_tracking(self) -> Tracking:
        """The first in-transit poll: events up to the hand-over scan."""
        return self.tracking(self.handover_at)

    def final_tracking(self) -> Tracking:
        """The delivered tracking (cached: learning and scoring both read it). Read a day after
        delivery: simulator steps are wall-clock hours, one hour off across a DST change."""
        if self._final is None:
            self._final = self.tracking(self.delivered_at + timedelta(days=1))
        return self._final


def _destinations() -> tuple[list[tuple[str, str, str]], list[float]]:
    """(region, postcode, zone) choices and weights."""
    choices: list[tuple[str, str, str]] = []
    weights: list[float] = []
    for dept, weight in DEPARTMENTS.items():
        choices.append((dept, f"{dept}000", "Europe/Paris"))
        weights.append(weight)
    for dept in OTHER_DEPARTMENTS:
        choices.append((dept, f"{dept}000", "Europe/Paris"))
        weights.append(OTHER_WEIGHT / len(OTHER_DEPARTMENTS))
    for dept, (postcode, weight) in CORSICA.items():
        choices.append((dept, postcode, "Europe/Paris"))
        weights.append(weight)
    for dept, (postcode, weight, zone) in OVERSEAS.items():
        choices.append((dept, postcode, zone))
        weights.append(weight)
    return choices, weights


@dataclass(frozen=True)
class Disruption:
    carrier: str
    first: date
    last: date


def _disruptions(rng: random.Random, year: int) -> list[Disruption]:
    spells = []
    for _ in range(DISRUPTIONS_PER_YEAR):
        first = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        spells.append(
            Disruption(rng.choice(CARRIERS), first, first + timedelta(days=rng.randint(1, 4)))
        )
    return spells


def _volume(day: date, per_day: float) -> float:
    factor = 1.0
    if _within(day, PEAK_VOLUME):
        factor = 2.0
    elif _within(day, PEAK) or _within(day, SALES):
        factor = 1.4
    elif _within(day, SUMMER):
        factor = 0.8
    if day.weekday() >= 5:  # shoppers order a little less at the weekend
        factor *= 0.8
    return per_day * factor


class Generator:
    """Draws shipments ordered between two days (inclusive), reproducibly from a seed."""

    def __init__(self, seed: int, per_day: float) -> None:
        self.rng = random.Random(seed)
        self.per_day = per_day
        self.destinations, self.destination_weights = _destinations()
        self.merchant = BusinessCalendar(country="FR")  # ships Monday to Friday, not holidays
        self.disruptions: list[Disruption] = []
        self.count = 0

    def shipments(self, first: date, last: date) -> list[Shipment]:
        self.disruptions = _disruptions(self.rng, first.year)
        made = []
        day = first
        while day <= last:
            expected = _volume(day, self.per_day)
            orders = max(0, round(self.rng.gauss(expected, expected**0.5)))
            for _ in range(orders):
                made.append(self._shipment(day))
            day += timedelta(days=1)
        return [s for s in made if first <= s.handover_day <= last]

    def _ship_day(self, ordered_at: datetime) -> date:
        day = ordered_at.date()
        if not (self.merchant.is_business_day(day) and ordered_at.hour < 12):
            day = self.merchant.add_business_days(day, 1)
        return day

    def _shipment(self, order_day: date) -> Shipment:
        rng = self.rng
        self.count += 1
        hour = rng.choices(range(24), weights=[1] * 7 + [3] * 5 + [4] * 6 + [5] * 4 + [2] * 2)[0]
        ordered_at = _at(order_day, hour + rng.random(), PARIS)
        region, postcode, zone_name = rng.choices(self.destinations, self.destination_weights)[0]
        overseas = region in OVERSEAS
        while True:
            service = rng.choices(SERVICES, weights=[s.share for s in SERVICES])[0]
            if not overseas or service.carrier in OVERSEAS_CARRIERS:
                break
        if overseas:
            postcode = f"{postcode[:3]}{rng.randrange(0, 100):02d}"
        elif region not in CORSICA:
            postcode = f"{region}{rng.randrange(1, 1000):03d}"
        elif region == "2A":
            postcode = f"20{rng.randrange(0, 200):03d}"
        elif region == "2B":
            postcode = f"20{rng.randrange(200, 300):03d}"
        zone = ZoneInfo(zone_name)
        calendar = BusinessCalendar.for_carrier(service.carrier, service.name, zone=zone)

        promised_ship = self._ship_day(ordered_at)
        ship_day = promised_ship
        if rng.random() < 0.05:  # out of stock for a day
            ship_day = self.merchant.add_business_days(ship_day, 1)
        pickup_hour = 16.5 + 2 * rng.random() if service.pickup else 9.5 + 8.5 * rng.random()
        handover_at = _at(ship_day, pickup_hour, PARIS)
        handover_day = handover_at.astimezone(zone).date()

        causes: list[str] = []
        days = _draw(rng, OVERSEAS_TRANSIT if overseas else service.transit)
        if region in NEAR and rng.random() < NEAR_FAST:
            days = max(1 if not service.relay else 2, days - 1)
        elif region in FAR and rng.random() < FAR_SLOW:
            days += 1
        elif region in CORSICA:
            days += 1 + (rng.random() < 0.4)
        if _within(handover_day, PEAK) and rng.random() < service.slow_peak:
            days += 1 + (rng.random() < 0.15)
            causes.append("peak")
        if _within(handover_day, SUMMER) and rng.random() < service.slow_summer:
            days += 1
            causes.append("summer")
        for spell in self.disruptions:
            hit = spell.carrier == service.carrier and spell.first <= ship_day <= spell.last
            if hit and rng.random() < 0.6:
                days += rng.randint(1, 3)
                causes.append("disruption")
        misrouted = rng.random() < MISROUTED
        if misrouted:
            days += rng.randint(3, 8)
            causes.append("misrouted")

        number = f"{service.carrier[:2].upper()}{self.count:09d}"
        start = handover_at - timedelta(hours=2 + 20 * rng.random())
        start = max(start, ordered_at + timedelta(minutes=30))
        hub_name, hub_postcode = HUBS[service.carrier]
        city = f"{region}-ville"
        first_try = calendar.add_business_days(handover_day, days)
        moments: list[tuple[datetime, Milestone, str, str]] = [
            (start, M.LABEL_CREATED, *ORIGIN),
            (handover_at, M.PICKED_UP, *ORIGIN),
            (handover_at + timedelta(hours=3 + 3 * rng.random()), M.AT_HUB, hub_name, hub_postcode),
        ]
        if misrouted:
            moments.append(
                (moments[-1][0] + timedelta(hours=26), M.DELAYED, hub_name, hub_postcode)
            )
        arrived_at: datetime | None = None  # first available at a pickup point
        if service.relay:
            available_at = _at(first_try, 9 + 5 * rng.random(), zone)
            moments.append((_at(first_try, 6, zone), M.TO_PICKUP_POINT, city, postcode))
            moments.append((available_at, M.AVAILABLE_FOR_PICKUP, city, postcode))
            arrived_at = available_at
            wait = _draw(rng, COLLECTION_DELAY)
            collected_on = calendar.add_business_days(first_try, wait)
            if wait:
                delivered_at = _at(collected_on, 10 + 9 * rng.random(), zone)
            else:
                delivered_at = available_at + timedelta(hours=0.5 + 5 * rng.random())
            moments.append((delivered_at, M.COLLECTED, city, postcode))
        else:
            moments.append(
                (
                    _at(first_try, 5 + 1.5 * rng.random(), zone),
                    M.ARRIVED_AT_DELIVERY_SITE,
                    city,
                    postcode,
                )
            )
            moments.append(
                (_at(first_try, 7 + 1.5 * rng.random(), zone), M.OUT_FOR_DELIVERY, city, postcode)
            )
            deliver_hours = (9 + 4 * rng.random()) if service.morning else (9 + 9.5 * rng.random())
            if rng.random() < FAILED_ATTEMPT:
                causes.append("failed_attempt")
                moments.append(
                    (_at(first_try, deliver_hours, zone), M.ATTEMPT_FAILED, city, postcode)
                )
                next_day = calendar.add_business_days(first_try, 1)
                if service.carrier in {"dpd", "ups"} and rng.random() < 0.6:  # tries again
                    moments.append((_at(next_day, 7.5, zone), M.OUT_FOR_DELIVERY, city, postcode))
                    delivered_at = _at(next_day, 9 + 9 * rng.random(), zone)
                    moments.append((delivered_at, M.DELIVERED, city, postcode))
                else:  # left at the post office / a pickup point for the shopper
                    arrived_at = _at(next_day, 14, zone)
                    moments.append((arrived_at, M.AVAILABLE_FOR_PICKUP, city, postcode))
                    collected_on = calendar.add_business_days(
                        next_day, _draw(rng, POST_OFFICE_DELAY)
                    )
                    delivered_at = _at(collected_on, 15 + 3 * rng.random(), zone)
                    moments.append((delivered_at, M.COLLECTED, city, postcode))
            else:
                delivered_at = _at(first_try, deliver_hours, zone)
                moments.append((delivered_at, M.DELIVERED, city, postcode))
        steps = tuple(
            ((at - start).total_seconds() / 3600, milestone, where, code)
            for at, milestone, where, code in moments
        )
        eta = (
            calendar.add_business_days(handover_day, service.nominal)
            if service.publishes_eta
            else None
        )
        parcel = Parcel(
            carrier=service.carrier,
            number=number,
            start=start,
            steps=steps,
            service=service.name,
            recipient_city=city,
            recipient_postcode=postcode,
            estimated_delivery_hours=(
                (_at(eta, 12, PARIS) - start).total_seconds() / 3600 if eta else None
            ),
        )
        facts = ShipmentFacts(
            carrier=service.carrier,
            ordered_at=ordered_at,
            service=service.name,
            promised_ship_date=promised_ship,
            promised_delivery_date=calendar.add_business_days(promised_ship, service.nominal + 1),
            timezone=zone_name,
            origin_postcode=ORIGIN[1],
            destination_postcode=postcode,
        )
        delivered_on = delivered_at.astimezone(zone).date()
        arrived_on = (arrived_at or delivered_at).astimezone(zone).date()
        return Shipment(
            parcel=parcel,
            facts=facts,
            handover_at=handover_at,
            handover_day=handover_day,
            transit_days=calendar.business_days_between(handover_day, arrived_on),
            delivered_at=delivered_at,
            delivered_on=delivered_on,
            carrier_eta=parcel.estimated_delivery(),
            region=region_of("FR", postcode),
            causes=tuple(causes),
        )


# ---------------------------------------------------------------------------------------------
# Walking the year
# ---------------------------------------------------------------------------------------------


class Histograms:
    """Per-group counts of the samples in the learning window, kept up to date as deliveries
    enter and leave it, so that learning once a day does not regroup 180 days of samples."""

    def __init__(self) -> None:
        self.counts: defaultdict[GroupKey, Counter[int]] = defaultdict(Counter)

    def add(self, sample: TransitSample, sign: int = 1) -> None:
        for key in group_keys(
            sample.carrier, sample.service, sample.origin_region, sample.dest_region
        ):
            self.counts[key][sample.business_days] += sign


def simulate(
    shipments: Sequence[Shipment], *, widths: Iterable[int], min_samples: int = 20
) -> dict[str, int]:
    """Estimate every shipment at hand-over with models learned, once a day, only from what
    was delivered before that day began; fills `Shipment.estimates` (one per window width).
    Returns how many times the model was learned and the size of its last training set."""
    widths = sorted(set(widths))
    by_handover = sorted(shipments, key=lambda s: s.handover_at)
    by_delivery = sorted(shipments, key=lambda s: s.delivered_at)
    delivered_times = [s.delivered_at for s in by_delivery]
    samples: list[tuple[datetime, TransitSample]] = []  # (delivered_at, sample), in order
    oldest = taken = learned = 0
    models = {w: TransitModel() for w in widths}
    histograms = Histograms()
    current: date | None = None
    for shipment in by_handover:
        day = shipment.handover_at.astimezone(PARIS).date()
        if day != current:  # relearn at local midnight from what was delivered before
            current = day
            midnight = _at(day, 0, PARIS)
            upto = bisect.bisect_left(delivered_times, midnight)
            for done in by_delivery[taken:upto]:
                sample = TransitSample.observe(done.facts, done.final_tracking())
                if sample is not None:
                    samples.append((done.delivered_at, sample))
                    histograms.add(sample)
            taken = upto
            while oldest < len(samples) and samples[oldest][0] < midnight - LEARNING_WINDOW:
                histograms.add(samples[oldest][1], -1)
                oldest += 1
            models = {
                w: TransitModel.from_histograms(
                    histograms.counts, min_samples=min_samples, max_window_days=w
                )
                for w in widths
            }
            learned += 1
        tracking = shipment.handover_tracking()
        for width in widths:
            estimate = models[width].estimate(shipment.facts, tracking, shipment.handover_at)
            assert estimate is not None
            shipment.estimates[width] = estimate
    return {"learned": learned, "last_training_set": len(samples) - oldest}


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def outcomes(shipments: Iterable[Shipment], width: int) -> list[EstimateOutcome]:
    """What accuracy_by_carrier scores: the hand-over estimate and the local arrival day."""
    return [s.outcome(width) for s in shipments]


def overall(rows: list[EstimateOutcome]) -> tuple[int, float, float]:
    if not rows:
        return 0, float("nan"), float("nan")
    inside = sum(r.inside for r in rows) / len(rows)
    mae = sum(abs(r.error_days) for r in rows) / len(rows)
    return len(rows), inside, mae


def _pct(x: float) -> str:
    return f"{100 * x:5.1f} %"


def oracle(
    shipments: Sequence[Shipment], width: int, key_of: Callable[[Shipment], Hashable]
) -> float:
    """Hindsight ceiling: per group, the best run of `width`+1 consecutive business-day
    transit values, chosen on the very outcomes it is scored on."""
    groups: defaultdict[Hashable, Counter[int]] = defaultdict(Counter)
    for s in shipments:
        groups[key_of(s)][s.transit_days] += 1
    hits = 0
    for counts in groups.values():
        hits += max(sum(counts[d + k] for k in range(width + 1)) for d in counts)
    return hits / max(1, len(shipments))


def window_sizes(shipments: Iterable[Shipment], width: int) -> tuple[Counter[int], Counter[int]]:
    business: Counter[int] = Counter()
    calendar_days: Counter[int] = Counter()
    for s in shipments:
        e = s.estimates[width]
        cal = s.facts.calendar(s.parcel.service)
        business[cal.business_days_between(e.earliest, e.latest) + 1] += 1
        calendar_days[(e.latest - e.earliest).days + 1] += 1
    return business, calendar_days


def report(
    shipments: Sequence[Shipment],
    *,
    width: int,
    widths: Sequence[int],
    warmup_end: date,
    warmup_weeks: int,
) -> None:
    scored = [s for s in shipments if s.handover_day >= warmup_end]
    warm = [s for s in shipments if s.handover_day < warmup_end]
    n, inside, mae = overall(outcomes(scored, width))
    print(
        f"\nHEADLINE (max_window_days={width}: window spans at most {width + 1} business days; "
        f"hand-overs from {warmup_end}, first {warmup_weeks} weeks excluded as warm-up)"
    )
    print(f"  inside the window: {_pct(inside)} of {n} deliveries, mean abs. error {mae:.2f} days")
    print(f"  target >= 96 %: {'MET' if inside >= 0.96 else 'NOT MET'}")

    print(f"\nPer carrier at max_window_days={width} (accuracy_by_carrier, after warm-up)")
    print("| carrier | deliveries | inside window | MAE (days) | sources |")
    print("| --- | ---: | ---: | ---: | --- |")
    for row in accuracy_by_carrier(outcomes(scored, width)):
        sources = Counter(s.estimates[width].source for s in scored if s.carrier == row.carrier)
        src = ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
        print(
            f"| {row.carrier} | {row.deliveries} | {_pct(row.inside_window)} "
            f"| {row.mean_abs_error_days:.2f} | {src} |"
        )
    print(f"| **overall** | {n} | **{_pct(inside)}** | {mae:.2f} | |")

    print("\nBy window width (after warm-up): share inside the window")
    head = " | ".join(f"{w + 1} bd (max_window_days={w})" for w in widths)
    print(f"| carrier | {head} |")
    print("|---" * (len(widths) + 1) + "|")
    for carrier in (*CARRIERS, None):
        rows = [s for s in scored if carrier is None or s.carrier == carrier]
        cells = " | ".join(_pct(overall(outcomes(rows, w))[1]) for w in widths)
        print(f"| {carrier or '**overall**'} | {cells} |")
    no_relay = [s for s in scored if s.carrier != "mondial_relay"]
    cells = " | ".join(_pct(overall(outcomes(no_relay, w))[1]) for w in widths)
    print(f"| overall without mondial_relay | {cells} |")
    maes = " | ".join(f"{overall(outcomes(scored, w))[2]:.2f}" for w in widths)
    print(f"| MAE overall (days) | {maes} |")
    ceilings = " | ".join(
        _pct(oracle(scored, w, lambda s: (s.carrier, s.service, s.region))) for w in widths
    )
    print(f"| hindsight ceiling overall | {ceilings} |")

    business, calendar_days = window_sizes(scored, width)
    total = sum(business.values())
    print(f"\nWindow sizes shown at max_window_days={width} (after warm-up)")
    print(
        "  business days: "
        + ", ".join(f"{k}: {_pct(v / total).strip()}" for k, v in sorted(business.items()))
    )
    print(
        "  calendar days: "
        + ", ".join(f"{k}: {_pct(v / total).strip()}" for k, v in sorted(calendar_days.items()))
    )

    misses = [r for r in outcomes(scored, width) if not r.inside]
    late = sum(r.delivered_on > r.estimate.latest for r in misses)
    print(
        f"\nMisses at max_window_days={width}: {len(misses)} ({late} late, "
        f"{len(misses) - late} early)"
    )
    cause_rows = Counter(c for s in scored for c in s.causes)
    cause_miss = Counter(c for s in scored if not s.outcome(width).inside for c in s.causes)
    plain_miss = sum(1 for s in scored if not s.causes and not s.outcome(width).inside)
    print(f"  no special cause (the service's ordinary spread): {plain_miss}")
    for cause, count in sorted(cause_rows.items()):
        print(f"  {cause}: {cause_miss[cause]} missed of {count}")

    print(f"\nBy hand-over month at max_window_days={width}: share inside the window")
    print("| month | " + " | ".join(CARRIERS) + " | overall | n |")
    print("|---" * (len(CARRIERS) + 3) + "|")
    for month in range(1, 13):
        rows = [s for s in shipments if s.handover_day.month == month]
        if not rows:
            continue
        by_carrier = [
            _pct(overall(outcomes([s for s in rows if s.carrier == c], width))[1]) for c in CARRIERS
        ]
        count, rate, _ = overall(outcomes(rows, width))
        flag = " (incl. warm-up)" if any(s.handover_day < warmup_end for s in rows) else ""
        print(f"| {month:02d}{flag} | " + " | ".join(by_carrier) + f" | {_pct(rate)} | {count} |")

    print(f"\nHindsight ceilings at max_window_days={width} (best window chosen on the outcomes)")
    static = oracle(scored, width, lambda s: (s.carrier, s.service, s.region))
    monthly = oracle(
        scored, width, lambda s: (s.carrier, s.service, s.region, s.handover_day.month)
    )
    print(f"  one window per carrier x service x department, whole year: {_pct(static)}")
    print(f"  one window per carrier x service x department x month:     {_pct(monthly)}")
    for carrier in CARRIERS:
        rows = [s for s in scored if s.carrier == carrier]
        print(
            f"    {carrier:14s} static {_pct(oracle(rows, width, lambda s: (s.service, s.region)))}"
        )

    wn, winside, wmae = overall(outcomes(warm, width))
    sources = Counter(s.estimates[width].source for s in warm)
    print(
        f"\nWarm-up (first {warmup_weeks} weeks, not in the headline): {_pct(winside)} of {wn} "
        f"inside, MAE {wmae:.2f} days; sources: "
        + ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
    )
    first_week = [s for s in warm if s.handover_day < warm[0].handover_day + timedelta(days=7)]
    fn, finside, _ = overall(outcomes(first_week, width))
    print(f"  first week alone: {_pct(finside)} of {fn}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--shipments-per-day", type=float, default=80.0)
    parser.add_argument(
        "--max-window-days",
        type=int,
        default=1,
        help="TransitModel.max_window_days: latest - earliest in business days "
        "(1 = a range of at most 2 business days)",
    )
    parser.add_argument("--warmup-weeks", type=int, default=4)
    parser.add_argument("--min-samples", type=int, default=20)
    args = parser.parse_args(argv)
    widths = sorted({0, 1, 2, 3, args.max_window_days})

    began = time.perf_counter()
    generator = Generator(args.seed, args.shipments_per_day)
    shipments = generator.shipments(date(args.year, 1, 1), date(args.year, 12, 31))
    generated = time.perf_counter()
    stats = simulate(shipments, widths=widths, min_samples=args.min_samples)
    walked = time.perf_counter()

    print("Delivery estimates over a simulated year (bench/edd_year.py)")
    given = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"  command: python bench/edd_year.py {given}")
    print(
        f"  {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, seed {args.seed}"
    )
    print(
        f"  {len(shipments)} shipments handed over {args.year}-01-01..{args.year}-12-31; "
        f"carriers: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(s.carrier for s in shipments).items()))
    )
    print(
        f"  model: relearned each hand-over day ({stats['learned']} times, "
        f"{stats['last_training_set']} samples at the end) from the deliveries of the last "
        f"{LEARNING_WINDOW.days} days before that day, min_samples={args.min_samples}; "
        "scored on the arrival day (Point Relais: arrival there, not the collection)"
    )
    print(
        f"  width: max_window_days={args.max_window_days} -> latest - earliest <= "
        f"{args.max_window_days} business day(s), a range of at most "
        f"{args.max_window_days + 1} business days (longer in calendar days over a weekend)"
    )
    print(f"  time: generate {generated - began:.1f} s, walk {walked - generated:.1f} s")
    warmup_end = date(args.year, 1, 1) + timedelta(weeks=args.warmup_weeks)
    report(
        shipments,
        width=args.max_window_days,
        widths=widths,
        warmup_end=warmup_end,
        warmup_weeks=args.warmup_weeks,
    )
    print(f"\ntotal {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
