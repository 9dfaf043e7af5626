"""Delivery estimates over a calibrated year of parcels, re-estimated at every milestone.

    .venv/bin/python bench/edd_year.py [--seed N] [--shipments-per-day N] [--smoke]

A generator draws one year of parcels from a Lyon merchant across the five carriers. Transit
times are calibrated to the carriers' published service levels and the regulator's figures
(bench/README.md cites each one and marks every assumption); each parcel gets realistic
milestone times (hand-over, first hub, arrival at the delivery site, out for delivery or on its
way to the relay, delivery or availability at the relay) and the carrier's own estimate as that
carrier gives it, with the errors a carrier estimate has (it only learns of a delay when a scan
shows it). The year is then walked in time order as the worker does it: each delivery adds its
observations to weekly counts the moment it lands, the model and the carrier-versus-model
preference are rebuilt from those counts at each local midnight, every parcel is estimated at
each milestone it reaches, and `settle()` decides whether the shown window changes.

The report gives, per carrier and per milestone, the hit rate, stated versus observed
confidence, the mean width in business days, and the same figures for three baselines measured
on the same parcels: the hindsight-best fixed window of the same width (the ceiling), the
carrier's own estimate, and a merchant's fixed "3-5 working days" promise. Nothing here is tuned
to the model: the generator's tables are fixed from the published figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT / "sdk", ROOT / "server"):  # runnable without the editable install too
    if extra.is_dir() and str(extra) not in sys.path:
        sys.path.append(str(extra))

from suivi import (  # noqa: E402
    HORIZON_WEEKS,
    BusinessCalendar,
    CalibrationRow,
    DeliveryEstimate,
    EstimateOutcome,
    EstimatePreference,
    Location,
    Milestone,
    ShipmentFacts,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
    TransitModel,
    accuracy_by_carrier,
    calibration,
    current_milestone,
    moved_later,
    region_of,
    score,
    settle,
    transit_observations,
    week_of,
    window_width,
)
from suivi_server.simulator.scenario import Milestone as Step  # noqa: E402

JOURNEY = tuple(Milestone)  # in journey order

PARIS = ZoneInfo("Europe/Paris")
ORIGIN = ("Lyon", "69007")
HUBS = {
    "colissimo": ("Saint-Priest PFC", "69800"),
    "chronopost": ("Chilly-Mazarin Hub", "91380"),
    "dpd": ("Lyon Corbas Hub", "69960"),
    "mondial_relay": ("Lyon Saint-Priest Hub", "69800"),
    "ups": ("Lyon Saint-Exupery", "69125"),
}

# What each simulator step means in the taxonomy (tests/integration/test_simulator_colissimo.py).
MEANING: dict[Step, tuple[Status, Substatus | None]] = {
    Step.LABEL_CREATED: (Status.INFO_RECEIVED, Substatus.LABEL_CREATED),
    Step.PICKED_UP: (Status.IN_TRANSIT, Substatus.PICKED_UP),
    Step.AT_HUB: (Status.IN_TRANSIT, Substatus.AT_HUB),
    Step.ARRIVED_AT_DELIVERY_SITE: (Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE),
    Step.DELAYED: (Status.IN_TRANSIT, Substatus.DELAYED),
    Step.OUT_FOR_DELIVERY: (Status.OUT_FOR_DELIVERY, None),
    Step.ATTEMPT_FAILED: (Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT),
    Step.TO_PICKUP_POINT: (Status.IN_TRANSIT, Substatus.TO_PICKUP_POINT),
    Step.AVAILABLE_FOR_PICKUP: (Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT),
    Step.COLLECTED: (Status.DELIVERED, Substatus.COLLECTED_AT_PICKUP_POINT),
    Step.DELIVERED: (Status.DELIVERED, Substatus.TO_RECIPIENT),
}

# ---------------------------------------------------------------------------------------------
# The generator's tables. Transit: business days from the hand-over day (J) to the first
# delivery attempt, or to availability at the Point Relais, for a destination at an ordinary
# distance in metropolitan France. Calibrated to the published figures of bench/README.md
# (table "Published figures and assumptions"); the `check_calibration` report compares the
# generated year with them. Never adjusted to the model's results.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarrierEta:
    """How the carrier's own estimate behaves (README: "The carrier's own estimate")."""

    share: float  # of parcels whose tracking carries a date at all
    days: int  # business days from hand-over it announces (its service standard)
    reschedules: bool  # moves the date when a scan shows a delay (late hub, delay scan)
    slot_hours: float | None = None  # length of the time window given on the delivery day
    slot_share: float = 0.0  # of parcels out for delivery that get that window
    slot_hit: float = 0.0  # deliveries inside the window
    before: clock_time | None = None  # a time-definite service's deadline


@dataclass(frozen=True)
class Service:
    carrier: str
    name: str
    share: float  # of the merchant's parcels
    transit: Mapping[int, float]  # business days -> probability
    pickup: bool  # collected at the merchant's in the evening, else dropped off in the day
    peak_slow: float  # chance of one extra day (sometimes two) during the Christmas peak
    far_slow: float  # chance of one extra day to the far west and south-west
    failed_attempt: float  # first home attempt fails (shopper absent)
    eta: CarrierEta | None
    relay: bool = False  # delivered to a Point Relais, collected by the shopper
    morning: bool = False  # delivered before 13:00


SERVICES: tuple[Service, ...] = (
    Service(
        "colissimo",
        "expert",
        0.38,
        {1: 0.12, 2: 0.86, 3: 0.013, 4: 0.004, 5: 0.002, 6: 0.001},
        pickup=False,
        peak_slow=0.15,
        far_slow=0.10,
        failed_attempt=0.05,
        eta=CarrierEta(0.7, 2, reschedules=False, slot_hours=2, slot_share=0.5, slot_hit=0.85),
    ),
    Service(
        "chronopost",
        "chrono13",
        0.10,
        {1: 0.95, 2: 0.04, 3: 0.008, 4: 0.002},
        pickup=True,
        peak_slow=0.08,
        far_slow=0.03,
        failed_attempt=0.05,
        eta=CarrierEta(1.0, 1, reschedules=True, before=clock_time(13)),
        morning=True,
    ),
    Service(
        "dpd",
        "predict",
        0.12,
        {1: 0.86, 2: 0.11, 3: 0.02, 4: 0.007, 5: 0.003},
        pickup=True,
        peak_slow=0.12,
        far_slow=0.05,
        failed_attempt=0.025,
        eta=CarrierEta(1.0, 1, reschedules=True, slot_hours=1, slot_share=1.0, slot_hit=0.92),
    ),
    Service(
        "dpd",
        "classic",
        0.03,
        {1: 0.55, 2: 0.38, 3: 0.05, 4: 0.015, 5: 0.005},
        pickup=True,
        peak_slow=0.12,
        far_slow=0.10,
        failed_attempt=0.05,
        eta=CarrierEta(1.0, 2, reschedules=True),
    ),
    Service(
        "mondial_relay",
        "24R",
        0.22,
        {3: 0.30, 4: 0.40, 5: 0.20, 6: 0.06, 7: 0.03, 9: 0.01},
        pickup=False,
        peak_slow=0.30,
        far_slow=0.15,
        failed_attempt=0.0,
        eta=None,
        relay=True,
    ),
    Service(
        "ups",
        "standard",
        0.13,
        {1: 0.70, 2: 0.24, 3: 0.04, 4: 0.015, 6: 0.005},
        pickup=True,
        peak_slow=0.15,
        far_slow=0.10,
        failed_attempt=0.05,
        eta=CarrierEta(1.0, 1, reschedules=True, slot_hours=4, slot_share=0.8, slot_hit=0.9),
    ),
    Service(
        "ups",
        "express_saver",
        0.02,
        {1: 0.96, 2: 0.03, 3: 0.01},
        pickup=True,
        peak_slow=0.08,
        far_slow=0.03,
        failed_attempt=0.05,
        eta=CarrierEta(1.0, 1, reschedules=True, slot_hours=4, slot_share=0.8, slot_hit=0.9),
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
CORSICA_EXTRA = {1: 0.6, 2: 0.4}  # business days on top of the mainland draw
OVERSEAS = {  # department -> (postcode, weight, shopper's zone)
    "971": ("97110", 0.20, "America/Guadeloupe"),
    "972": ("97200", 0.20, "America/Martinique"),
    "973": ("97300", 0.08, "America/Cayenne"),
    "974": ("97400", 0.35, "Indian/Reunion"),
}
OVERSEAS_SERVICE = ("colissimo", "outre_mer")  # Colissimo Outre-mer: 4 to 7 days
OVERSEAS_TRANSIT = {3: 0.04, 4: 0.18, 5: 0.30, 6: 0.24, 7: 0.14, 8: 0.06, 10: 0.04}
OVERSEAS_ETA_DAYS = 5
# Distance from Lyon: near departments are often a day faster, far ones sometimes a day slower.
NEAR = frozenset({"69", "01", "38", "42", "71", "73", "74", "26", "07", "03", "63", "39", "21"})
FAR = frozenset({"29", "22", "56", "35", "44", "85", "64", "40", "65", "32", "66", "50", "14"})
NEAR_FAST = 0.35  # for every service; the far penalty is the service's `far_slow`

PEAK = ((11, 23), (12, 24))  # Black Friday to Christmas: slower
PEAK_VOLUME = ((11, 27), (12, 20))  # and twice the volume
SUMMER = ((7, 14), (8, 21))  # fewer staff: a day more now and then
SUMMER_SLOW = 0.03
SALES = ((1, 7), (2, 3))  # winter sales: more volume only
DISRUPTIONS_PER_YEAR = 4  # a strike or a hub outage: 2-5 days, +1..+3 days for most parcels
MISROUTED = 0.005  # lost in the network for a while, then found: +3..+8 days
MISSED_TRUCK = 0.015  # not on the evening's trunk: first hub the next working day, +1 day
# Business days a parcel waits at its delivery site before going out (van capacity).
SITE_WAIT = {0: 0.93, 1: 0.06, 2: 0.01}
SITE_WAIT_PEAK = {0: 0.80, 1: 0.16, 2: 0.04}
SITE_EVENING = 0.25  # share arriving at the site the evening before instead of that morning
# Business days between availability at the Point Relais and the shopper's collection.
COLLECTION_DELAY = {0: 0.30, 1: 0.25, 2: 0.15, 3: 0.10, 4: 0.07, 5: 0.05, 7: 0.06, 10: 0.02}
POST_OFFICE_DELAY = {0: 0.25, 1: 0.35, 2: 0.20, 3: 0.12, 5: 0.08}  # after a failed attempt
RETRY_NEXT_DAY = {"dpd": 0.6, "ups": 0.8, "chronopost": 0.3}  # else to a pickup point
# The merchant's promise at checkout: "delivered in 3 to 5 working days", from the order day.
MERCHANT_PROMISE = (3, 5)


def _draw(rng: random.Random, table: Mapping[int, float]) -> int:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _within(day: date, span: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    (m1, d1), (m2, d2) = span
    return date(day.year, m1, d1) <= day <= date(day.year, m2, d2)


def _at(day: date, hours: float, zone: ZoneInfo) -> datetime:
    """`hours` after local midnight of `day` in `zone`."""
    minutes = min(round(hours * 60), 24 * 60 - 1)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)


def _clock(hours: float) -> clock_time:
    minutes = min(round(hours * 60), 24 * 60 - 1)
    return clock_time(minutes // 60, minutes % 60)


# ---------------------------------------------------------------------------------------------
# Shipments
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Moment:
    """One carrier scan of a generated parcel."""

    at: datetime
    step: Step
    city: str
    postcode: str


@dataclass
class Shipment:
    """One generated parcel: the merchant's facts, its scans, the carrier's estimates, the truth."""

    number: str
    service: Service
    facts: ShipmentFacts
    moments: list[Moment]
    carrier_etas: list[tuple[datetime, DeliveryEstimate | None]]  # as the carrier showed them
    handover_day: date  # local (shopper's zone)
    transit_days: int  # business days from hand-over to arrival (what a sample measures)
    presented_days: int  # to the first delivery attempt or the relay (what carriers publish)
    arrived_on: date  # local day: first available at a pickup point, else delivered
    delivered_at: datetime  # the end of the journey (the shopper's collection at a relay)
    region: str
    causes: tuple[str, ...] = ()
    slot_inside: bool | None = None  # delivered inside the carrier's time window, when given
    _events: list[TrackingEvent] = field(default_factory=list, repr=False)
    _trackings: dict[int, Tracking] = field(default_factory=dict, repr=False)

    @property
    def carrier(self) -> str:
        return self.service.carrier

    @property
    def service_name(self) -> str:
        return self.facts.service or ""

    @property
    def handover_at(self) -> datetime:
        return next(m.at for m in self.moments if m.step is Step.PICKED_UP)

    def carrier_estimate(self, now: datetime) -> DeliveryEstimate | None:
        """What the carrier's tracking says at `now` about the delivery date."""
        shown: DeliveryEstimate | None = None
        for at, estimate in self.carrier_etas:
            if at > now:
                break
            shown = estimate
        return shown

    def tracking(self, now: datetime) -> Tracking:
        """What a poll at `now` would return: the scans so far and the carrier's estimate."""
        if not self._events:  # built once: a parcel is polled many times
            self._events = [
                TrackingEvent(
                    timestamp=m.at,
                    status=MEANING[m.step][0],
                    substatus=MEANING[m.step][1],
                    code=m.step.value,
                    label=m.step.value.replace("_", " "),
                    location=Location(city=m.city, postcode=m.postcode, country="FR"),
                )
                for m in self.moments
            ]
        seen = sum(e.timestamp <= now for e in self._events)
        if seen not in self._trackings:  # polls between two scans read the same tracking
            self._trackings[seen] = Tracking.from_events(
                self.carrier,
                self.number,
                [e for e in self._events if e.timestamp <= now],
                status_without_events=Status.PENDING,
                service=self.facts.service,
                estimate=self.carrier_estimate(now),
                destination_country="FR",
                destination_postcode=self.facts.destination_postcode,
            )
        return self._trackings[seen]

    def forget(self) -> None:
        """Drop the cached trackings once the journey is over (a year holds many parcels)."""
        self._trackings.clear()

    def final_tracking(self) -> Tracking:
        """The delivered tracking, read a day after the end of the journey."""
        return self.tracking(self.delivered_at + timedelta(days=1))


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


def _postcode(rng: random.Random, region: str) -> str:
    if region in OVERSEAS:
        return f"{OVERSEAS[region][0][:3]}{rng.randrange(0, 100):02d}"
    if region == "2A":
        return f"20{rng.randrange(0, 200):03d}"
    if region == "2B":
        return f"20{rng.randrange(200, 300):03d}"
    return f"{region}{rng.randrange(1, 1000):03d}"


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
        made: list[Shipment] = []
        day = first
        while day <= last:
            expected = _volume(day, self.per_day)
            orders = max(0, round(self.rng.gauss(expected, expected**0.5)))
            made.extend(self._shipment(day) for _ in range(orders))
            day += timedelta(days=1)
        return [s for s in made if first <= s.handover_day <= last]

    def _ship_day(self, ordered_at: datetime) -> date:
        day = ordered_at.date()
        if not (self.merchant.is_business_day(day) and ordered_at.hour < 12):
            day = self.merchant.add_business_days(day, 1)
        return day

    def _transit(
        self, service: Service, region: str, handover_day: date, ship_day: date
    ) -> tuple[int, list[str]]:
        """Business days to the first attempt, and the causes that lengthened it."""
        rng = self.rng
        causes: list[str] = []
        if region in OVERSEAS:
            days = _draw(rng, OVERSEAS_TRANSIT)
        else:
            days = _draw(rng, service.transit)
            if region in NEAR and rng.random() < NEAR_FAST:
                days = max(3 if service.relay else 1, days - 1)
            elif region in FAR and rng.random() < service.far_slow:
                days += 1
            elif region in CORSICA:
                days += _draw(rng, CORSICA_EXTRA)
        if _within(handover_day, PEAK) and rng.random() < service.peak_slow:
            days += 1 + (rng.random() < 0.15)
            causes.append("peak")
        if _within(handover_day, SUMMER) and rng.random() < SUMMER_SLOW:
            days += 1
            causes.append("summer")
        for spell in self.disruptions:
            hit = spell.carrier == service.carrier and spell.first <= ship_day <= spell.last
            if hit and rng.random() < 0.6:
                days += rng.randint(1, 3)
                causes.append("disruption")
        return days, causes

    def _shipment(self, order_day: date) -> Shipment:
        rng = self.rng
        self.count += 1
        hour = rng.choices(range(24), weights=[1] * 7 + [3] * 5 + [4] * 6 + [5] * 4 + [2] * 2)[0]
        ordered_at = _at(order_day, hour + rng.random(), PARIS)
        region, _, zone_name = rng.choices(self.destinations, self.destination_weights)[0]
        overseas = region in OVERSEAS
        service = rng.choices(SERVICES, weights=[s.share for s in SERVICES])[0]
        if overseas:
            service = SERVICES[0]
        service_name = OVERSEAS_SERVICE[1] if overseas else service.name
        postcode = _postcode(rng, region)
        zone = ZoneInfo(zone_name)
        calendar = BusinessCalendar.for_carrier(service.carrier, service_name, zone=zone)

        promised_ship = self._ship_day(ordered_at)
        ship_day = promised_ship
        if rng.random() < 0.04:  # out of stock for a day
            ship_day = self.merchant.add_business_days(ship_day, 1)
        handover_at = _at(
            ship_day, 16.5 + 2 * rng.random() if service.pickup else 10 + 8 * rng.random(), PARIS
        )
        handover_day = handover_at.astimezone(zone).date()
        days, causes = self._transit(service, region, handover_day, ship_day)

        number = f"{service.carrier[:2].upper()}{self.count:09d}"
        label_at = max(
            handover_at - timedelta(hours=2 + 20 * rng.random()),
            ordered_at + timedelta(minutes=30),
        )
        hub_name, hub_postcode = HUBS[service.carrier]
        city = f"{region}-ville"
        moments = [
            Moment(label_at, Step.LABEL_CREATED, *ORIGIN),
            Moment(handover_at, Step.PICKED_UP, *ORIGIN),
        ]
        late_hub = service.relay or rng.random() < MISSED_TRUCK  # relays are collected next day
        if late_hub:
            hub_day = self.merchant.add_business_days(ship_day, 1)
            hub_at = _at(hub_day, 19 + 4 * rng.random(), PARIS)
            if not service.relay:
                days += 1
                causes.append("missed_truck")
        else:
            hub_at = handover_at + timedelta(hours=2.5 + 3 * rng.random())
        moments.append(Moment(hub_at, Step.AT_HUB, hub_name, hub_postcode))
        delay_at: datetime | None = None
        if rng.random() < MISROUTED:
            days += rng.randint(3, 8)
            causes.append("misrouted")
            delay_at = hub_at + timedelta(hours=26)
            moments.append(Moment(delay_at, Step.DELAYED, hub_name, hub_postcode))
        first_try = calendar.add_business_days(handover_day, days)

        # The delivery site: usually that morning, sometimes the evening before, sometimes it
        # waits a day or two for a van (more often at the peak).
        wait = min(
            _draw(rng, SITE_WAIT_PEAK if _within(handover_day, PEAK) else SITE_WAIT), days - 1
        )
        if wait:
            causes.append("site_wait")
        site_day = _back(calendar, first_try, wait)
        if rng.random() < SITE_EVENING and days - wait >= 2:
            site_at = _at(_back(calendar, site_day, 1), 19 + 3 * rng.random(), zone)
        else:
            site_at = _at(site_day, 3.5 + 3 * rng.random(), zone)
        site_at = max(site_at, (delay_at or hub_at) + timedelta(hours=4))
        moments.append(Moment(site_at, Step.ARRIVED_AT_DELIVERY_SITE, city, postcode))

        eta = service.eta
        slot: tuple[float, float] | None = None
        slot_inside: bool | None = None
        arrived_at: datetime
        if service.relay:
            moments.append(
                Moment(
                    _at(first_try, 6 + 2 * rng.random(), zone), Step.TO_PICKUP_POINT, city, postcode
                )
            )
            arrived_at = _at(first_try, 9 + 5 * rng.random(), zone)
            moments.append(Moment(arrived_at, Step.AVAILABLE_FOR_PICKUP, city, postcode))
            waited = _draw(rng, COLLECTION_DELAY)
            if waited:
                delivered_at = _at(
                    calendar.add_business_days(first_try, waited), 10 + 9 * rng.random(), zone
                )
            else:
                delivered_at = arrived_at + timedelta(hours=0.5 + 5 * rng.random())
            moments.append(Moment(delivered_at, Step.COLLECTED, city, postcode))
        else:
            out_hours = 7 + 2 * rng.random()
            moments.append(
                Moment(_at(first_try, out_hours, zone), Step.OUT_FOR_DELIVERY, city, postcode)
            )
            if service.morning:
                deliver_hours = (
                    8.5 + 4.5 * rng.random() if rng.random() < 0.95 else 13 + 4 * rng.random()
                )
            else:
                deliver_hours = out_hours + 1 + (18.5 - out_hours - 1) * rng.random()
            if eta and eta.slot_hours and rng.random() < eta.slot_share:
                start = max(
                    8.0, min(18.5 - eta.slot_hours, deliver_hours - eta.slot_hours * rng.random())
                )
                slot = (start, start + eta.slot_hours)
                slot_inside = rng.random() < eta.slot_hit
                if not slot_inside:  # early or late by a quarter of an hour to an hour and a half
                    off = 0.25 + 1.25 * rng.random()
                    deliver_hours = slot[0] - off if rng.random() < 0.3 else slot[1] + off
                else:
                    deliver_hours = slot[0] + (slot[1] - slot[0]) * rng.random()
            attempt_at = _at(first_try, max(deliver_hours, out_hours + 0.25), zone)
            if rng.random() < service.failed_attempt:
                causes.append("failed_attempt")
                moments.append(Moment(attempt_at, Step.ATTEMPT_FAILED, city, postcode))
                next_day = calendar.add_business_days(first_try, 1)
                if rng.random() < RETRY_NEXT_DAY.get(service.carrier, 0.0):
                    moments.append(
                        Moment(_at(next_day, 7.5, zone), Step.OUT_FOR_DELIVERY, city, postcode)
                    )
                    arrived_at = delivered_at = _at(next_day, 9 + 9 * rng.random(), zone)
                    moments.append(Moment(delivered_at, Step.DELIVERED, city, postcode))
                else:  # left at the post office or a pickup point for the shopper
                    arrived_at = _at(next_day, 14, zone)
                    moments.append(Moment(arrived_at, Step.AVAILABLE_FOR_PICKUP, city, postcode))
                    collected = calendar.add_business_days(next_day, _draw(rng, POST_OFFICE_DELAY))
                    delivered_at = _at(collected, 15 + 3 * rng.random(), zone)
                    moments.append(Moment(delivered_at, Step.COLLECTED, city, postcode))
                slot_inside = None if slot is None else False
            else:
                arrived_at = delivered_at = attempt_at
                moments.append(Moment(delivered_at, Step.DELIVERED, city, postcode))

        known_days = (
            OVERSEAS_ETA_DAYS
            if overseas
            else (eta.days if eta else 0) + (max(CORSICA_EXTRA) if region in CORSICA else 0)
        )
        etas = _carrier_etas(
            rng,
            eta,
            calendar,
            moments,
            handover_day,
            known_days,
            slot,
            late_hub and not service.relay,
        )
        facts = ShipmentFacts(
            carrier=service.carrier,
            ordered_at=ordered_at,
            service=service_name,
            promised_ship_date=promised_ship,
            promised_delivery_date=self.merchant.add_business_days(
                ordered_at.date(), MERCHANT_PROMISE[1]
            ),
            timezone=zone_name,
            origin_postcode=ORIGIN[1],
            destination_postcode=postcode,
        )
        arrived_on = arrived_at.astimezone(zone).date()
        return Shipment(
            number=number,
            service=service,
            facts=facts,
            moments=moments,
            carrier_etas=etas,
            handover_day=handover_day,
            transit_days=calendar.business_days_between(handover_day, arrived_on),
            presented_days=days,
            arrived_on=arrived_on,
            delivered_at=delivered_at,
            region=region_of("FR", postcode),
            causes=tuple(causes),
            slot_inside=slot_inside,
        )


def _back(calendar: BusinessCalendar, day: date, days: int) -> date:
    """The `days`-th business day before `day`."""
    while days:
        day -= timedelta(days=1)
        if calendar.is_business_day(day):
            days -= 1
    return day


def _carrier_etas(
    rng: random.Random,
    eta: CarrierEta | None,
    calendar: BusinessCalendar,
    moments: Sequence[Moment],
    handover_day: date,
    known_days: int,
    slot: tuple[float, float] | None,
    late_hub: bool,
) -> list[tuple[datetime, DeliveryEstimate | None]]:
    """The carrier's date as its tracking shows it after each scan. It plans from its service
    standard and the zones it publishes (Corsica, overseas), not from this parcel's luck; it
    moves the date when a scan shows a delay (if it reschedules at all), re-plans at the
    delivery site, rolls a date gone by to the next day, and gives its time window or
    deadline on the delivery day."""
    if eta is None or rng.random() >= eta.share:
        return []
    planned = calendar.add_business_days(handover_day, known_days)
    site = False
    shown: list[tuple[datetime, DeliveryEstimate | None]] = []
    for moment in sorted(moments, key=lambda m: m.at):
        local = moment.at.astimezone(calendar.zone)
        today = local.date()
        step = moment.step
        if step in (Step.LABEL_CREATED, Step.DELIVERED, Step.COLLECTED):
            continue
        if step is Step.AVAILABLE_FOR_PICKUP:
            break
        if step is Step.AT_HUB and late_hub and eta.reschedules:
            planned = calendar.add_business_days(planned, 1)
        elif step is Step.DELAYED and eta.reschedules:
            planned = calendar.add_business_days(today, 2)
        elif step is Step.ARRIVED_AT_DELIVERY_SITE:
            site = True
            planned = today if local.hour < 8 else calendar.add_business_days(today, 1)
        elif step is Step.OUT_FOR_DELIVERY:
            planned = today
        elif step is Step.ATTEMPT_FAILED:
            planned = calendar.add_business_days(today, 1)
        if planned < today or (planned == today and not site):
            planned = today if site else calendar.add_business_days(today, 1)
        start = end = None
        if step is Step.OUT_FOR_DELIVERY and slot is not None:
            start, end = _clock(slot[0]), _clock(slot[1])
        elif eta.before is not None:
            end = eta.before
        shown.append(
            (
                moment.at,
                DeliveryEstimate(
                    earliest=planned,
                    latest=planned,
                    start_time=start,
                    end_time=end,
                    source="carrier",
                ),
            )
        )
    return shown


# ---------------------------------------------------------------------------------------------
# Walking the year
# ---------------------------------------------------------------------------------------------

Window = tuple[date, date, clock_time | None, clock_time | None]
CountKey = tuple[str, str, str, str, str, int, int]  # a WeeklyCount without its deliveries
ScoreKey = tuple[str, str, str, int]  # carrier, service, milestone, week


def _window(estimate: DeliveryEstimate) -> Window:
    """What the shopper reads: the days and the time slot."""
    return estimate.earliest, estimate.latest, estimate.start_time, estimate.end_time


@dataclass(frozen=True, slots=True)
class Record:
    """The estimates of one parcel at the moment it first reached a milestone."""

    milestone: Milestone
    day: date  # the milestone's local day, where remaining days are counted from
    shown: DeliveryEstimate  # after `settle`: what the shopper reads
    model: DeliveryEstimate | None  # the model's own window (its forecast), when it has one
    carrier: DeliveryEstimate | None  # the carrier's, as its tracking gave it then


@dataclass
class Journey:
    """One parcel's shown window over its life, in one lane."""

    shown: DeliveryEstimate | None = None
    changes: int = 0
    later: int = 0
    records: list[Record] = field(default_factory=list)
    history: list[tuple[datetime, DeliveryEstimate]] = field(default_factory=list)  # each change


@dataclass
class Lane:
    """One window width: its model, its learned preference, its scores, and every journey.
    `milestones` lists where this lane estimates (the widths compared at hand-over only)."""

    width: int
    milestones: frozenset[Milestone]
    model: TransitModel = field(default_factory=TransitModel)
    preference: EstimatePreference = field(default_factory=EstimatePreference)
    scores: Counter[tuple[ScoreKey, str]] = field(default_factory=Counter)
    journeys: dict[str, Journey] = field(default_factory=dict)

    def score_rows(self, since_week: int) -> list[tuple[str, str, str, int, int, int, int]]:
        """The `estimate_scores` rows of the weeks from `since_week` on."""
        keys = {key for key, _ in self.scores if key[3] >= since_week}
        return [
            (
                carrier,
                service,
                milestone,
                week,
                self.scores[(carrier, service, milestone, week), "deliveries"],
                self.scores[(carrier, service, milestone, week), "carrier"],
                self.scores[(carrier, service, milestone, week), "model"],
            )
            for carrier, service, milestone, week in keys
        ]


def _polls(shipment: Shipment) -> list[datetime]:
    """Scans after hand-over and before arrival, and a noon poll on each day in transit
    without a scan (the worker polls in-flight parcels all day; a shown window gone by is
    replaced at the next look, not at the next scan)."""
    zone = shipment.facts.zone
    handover = shipment.handover_at
    arrival_at = min(
        m.at for m in shipment.moments if m.step in (Step.DELIVERED, Step.AVAILABLE_FOR_PICKUP)
    )
    scans = [m.at for m in shipment.moments if handover <= m.at < arrival_at]
    scanned = {at.astimezone(zone).date() for at in scans}
    day = handover.astimezone(zone).date() + timedelta(days=1)
    while day < shipment.arrived_on:
        if day not in scanned:
            scans.append(_at(day, 12, zone))
        day += timedelta(days=1)
    return sorted(scans)


def simulate(
    shipments: Sequence[Shipment],
    *,
    width: int = 1,
    handover_widths: Iterable[int] = (0, 2),
    min_samples: int = 20,
    half_life_weeks: float | None = None,
) -> dict[int, Lane]:
    """Walk the year in time order. Each delivery adds its observations to the weekly counts
    and its carrier-versus-model scores the moment it lands; at each local midnight the model
    and the preference of every lane are rebuilt from them (the server keeps the same rows in
    `transit_counts` and `estimate_scores`). Every scan and daily poll re-estimates the parcel
    and `settle` decides what is shown. Returns the lanes by width."""
    lanes = {width: Lane(width, frozenset(JOURNEY))}
    for other in sorted(set(handover_widths) - {width}):
        lanes[other] = Lane(other, frozenset({Milestone.HANDOVER}))
    events: list[tuple[datetime, int, int]] = []  # (moment, 0 poll / 1 delivered, shipment)
    for index, shipment in enumerate(shipments):
        events.extend((at, 0, index) for at in _polls(shipment))
        events.append((shipment.delivered_at, 1, index))
    events.sort()
    counts: Counter[CountKey] = Counter()
    current: date | None = None
    for at, kind, index in events:
        day = at.astimezone(PARIS).date()
        if day != current:
            current = day
            _relearn(lanes, counts, week_of(day), min_samples, half_life_weeks)
        shipment = shipments[index]
        if kind == 1:
            _delivered(lanes, counts, shipment)
        else:
            _estimate(lanes, shipment, at)
    return lanes


def _relearn(
    lanes: Mapping[int, Lane],
    counts: Counter[CountKey],
    now_week: int,
    min_samples: int,
    half_life_weeks: float | None,
) -> None:
    for key in [k for k in counts if now_week - k[5] >= HORIZON_WEEKS]:
        del counts[key]
    rows = [(*key, n) for key, n in counts.items()]
    base = (
        TransitModel.from_weekly_counts(
            rows, now_week=now_week, min_samples=min_samples, max_window_days=0
        )
        if half_life_weeks is None
        else TransitModel.from_weekly_counts(
            rows,
            now_week=now_week,
            half_life_weeks=half_life_weeks,
            min_samples=min_samples,
            max_window_days=0,
        )
    )
    for lane in lanes.values():
        lane.model = TransitModel(
            base.histograms, min_samples=min_samples, max_window_days=lane.width
        )
        lane.preference = EstimatePreference.from_scores(
            lane.score_rows(now_week - HORIZON_WEEKS + 1)
        )


def _delivered(lanes: Mapping[int, Lane], counts: Counter[CountKey], shipment: Shipment) -> None:
    """What the worker writes in the delivery's transaction: counts and scores."""
    week = week_of(shipment.arrived_on)
    for o in transit_observations(shipment.facts, shipment.final_tracking()):
        route = (o.carrier, o.service or "", o.origin_region, o.dest_region)
        counts[(*route, o.milestone.value, week, o.days)] += 1
    shipment.forget()
    for lane in lanes.values():
        for record in lane.journeys[shipment.number].records:
            if record.carrier is None or record.model is None:
                continue
            group = (shipment.carrier, shipment.service_name, record.milestone.value, week)
            lane.scores[group, "deliveries"] += 1
            lane.scores[group, "carrier"] += score(record.carrier, shipment.arrived_on)
            lane.scores[group, "model"] += score(record.model, shipment.arrived_on)


def _estimate(lanes: Mapping[int, Lane], shipment: Shipment, now: datetime) -> None:
    tracking = shipment.tracking(now)
    reached = current_milestone(tracking)
    if reached is None:
        return
    milestone, since = reached
    facts = shipment.facts
    calendar = facts.calendar(tracking.service)
    today = now.astimezone(calendar.zone).date()
    for lane in lanes.values():
        if milestone not in lane.milestones:
            continue
        journey = lane.journeys.setdefault(shipment.number, Journey())
        forecast = lane.model.forecast(facts, tracking, now)
        new = lane.model.estimate(facts, tracking, now, preference=lane.preference)
        assert new is not None  # every parcel has the merchant's promise to fall back on
        shown = settle(journey.shown, new, today=today, calendar=calendar, forecast=forecast)
        if journey.shown is None or _window(shown) != _window(journey.shown):
            journey.history.append((now, shown))
            if journey.shown is not None:
                journey.changes += 1
                journey.later += moved_later(journey.shown, shown)
        journey.shown = shown
        if since == now:
            journey.records.append(
                Record(
                    milestone,
                    today,
                    shown,
                    forecast.estimate if forecast else None,
                    tracking.estimate,
                )
            )


# ---------------------------------------------------------------------------------------------
# Baselines and figures
# ---------------------------------------------------------------------------------------------

KINDS = ("shown", "model", "ceiling", "carrier", "merchant")


@dataclass(frozen=True)
class Published:
    """A published figure the generated year is checked against (bench/README.md cites it)."""

    label: str
    carrier: str
    service: str
    zone: str  # "metropolitan", "corsica" or "overseas"
    first: int  # business days from hand-over to the first presentation, both included
    last: int
    low: float | None  # the published share's range; None for a promise without a rate
    high: float | None


PUBLISHED: tuple[Published, ...] = (
    Published("Colissimo by J+2 (target 90-92 %, results 92-94 %)", "colissimo", "expert",
              "metropolitan", 0, 2, 0.90, 0.94),
    Published("Colissimo beyond J+4 below 1.5 %: by J+4", "colissimo", "expert",
              "metropolitan", 0, 4, 0.985, 1.0),
    Published("Colissimo Outre-mer 4 to 7 days", "colissimo", "outre_mer", "overseas", 4, 7,
              None, None),
    Published("Chrono 13: next day before 13:00", "chronopost", "chrono13", "metropolitan", 1,
              1, None, None),
    Published("DPD Predict: next day", "dpd", "predict", "metropolitan", 1, 1, None, None),
    Published("DPD Classic: 24-48 h", "dpd", "classic", "metropolitan", 1, 2, None, None),
    Published("Mondial Relay: at the relay in 3 to 5 days", "mondial_relay", "24R",
              "metropolitan", 3, 5, None, None),
    Published("UPS Standard: 1 to 2 days", "ups", "standard", "metropolitan", 1, 2, None, None),
    Published("UPS Express Saver: next day", "ups", "express_saver", "metropolitan", 1, 1,
              None, None),
)  # fmt: skip


def _zone(region: str) -> str:
    return "overseas" if region in OVERSEAS else "corsica" if region in CORSICA else "metropolitan"


def merchant_promise(shipment: Shipment, calendar: BusinessCalendar) -> DeliveryEstimate:
    """The merchant's fixed "3-5 working days" from the order day (Monday to Friday)."""
    ordered = shipment.facts.ordered_at.date()
    first, last = MERCHANT_PROMISE
    return DeliveryEstimate(
        earliest=calendar.add_business_days(ordered, first),
        latest=calendar.add_business_days(ordered, last),
        source="promise",
    )


@dataclass
class Scored:
    """Outcomes of one lane by (kind, milestone), on parcels handed over after the warm-up."""

    width: int
    outcomes: dict[tuple[str, Milestone], list[EstimateOutcome]]
    ceilings: dict[Milestone, int]  # the width each milestone's ceiling is computed at
    # carrier -> per parcel: changes, moves later, and moves later the old window would have held
    changes: dict[str, list[tuple[int, int, int]]]
    slots: dict[str, list[bool]]  # carrier -> shown time window held the delivery time
    months: dict[int, list[EstimateOutcome]]  # hand-over month -> shown at hand-over


def best_offsets(
    offsets: Mapping[tuple[str, str], Counter[int]], width: int
) -> dict[tuple[str, str], int]:
    """Per carrier and service, the first day of the fixed window of `width` + 1 business days
    from the milestone holding the most arrivals, chosen knowing the whole year (the ceiling)."""
    return {
        group: max(counts, key=lambda d: (sum(counts[d + k] for k in range(width + 1)), -d))
        for group, counts in offsets.items()
    }


def score_lane(lane: Lane, shipments: Sequence[Shipment], scored_from: date) -> Scored:
    """Judge every recorded estimate, and the three baselines on the same parcels."""
    merchant = BusinessCalendar(country="FR")
    kept = [s for s in shipments if s.handover_day >= scored_from and s.number in lane.journeys]
    ceilings = {m: 0 if m is Milestone.OUT_FOR_DELIVERY else lane.width for m in JOURNEY}
    offsets: defaultdict[Milestone, defaultdict[tuple[str, str], Counter[int]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for s in kept:
        calendar = s.facts.calendar(s.facts.service)
        for r in lane.journeys[s.number].records:
            days = calendar.business_days_between(r.day, s.arrived_on)
            offsets[r.milestone][s.carrier, s.service_name][days] += 1
    best = {m: best_offsets(groups, ceilings[m]) for m, groups in offsets.items()}
    result = Scored(lane.width, defaultdict(list), ceilings, defaultdict(list), defaultdict(list),
                    defaultdict(list))  # fmt: skip
    for s in kept:
        calendar = s.facts.calendar(s.facts.service)
        journey = lane.journeys[s.number]
        shown = [estimate for _, estimate in journey.history]
        needless = sum(
            new.latest > old.latest and old.earliest <= s.arrived_on <= old.latest
            for old, new in pairwise(shown)
        )
        result.changes[s.carrier].append((journey.changes, journey.later, needless))
        promise = merchant_promise(s, merchant)

        for r in journey.records:
            first = best[r.milestone][s.carrier, s.service_name]
            ceiling = DeliveryEstimate(
                earliest=calendar.add_business_days(r.day, first),
                latest=calendar.add_business_days(r.day, first + ceilings[r.milestone]),
                source="model",
            )
            for kind, estimate in zip(
                KINDS, (r.shown, r.model, ceiling, r.carrier, promise), strict=True
            ):
                if estimate is not None:
                    width = window_width(estimate, calendar)
                    outcome = EstimateOutcome(s.carrier, estimate, s.arrived_on, width)
                    result.outcomes[kind, r.milestone].append(outcome)
            if r.milestone is Milestone.HANDOVER:
                result.months[s.handover_day.month].append(
                    result.outcomes["shown", r.milestone][-1]
                )
            if (
                r.milestone is Milestone.OUT_FOR_DELIVERY
                and r.shown.start_time
                and r.shown.end_time
            ):
                local = s.delivered_at.astimezone(s.facts.zone)
                result.slots[s.carrier].append(
                    local.date() == r.shown.earliest
                    and r.shown.start_time <= local.time() <= r.shown.end_time
                )
    return result


@dataclass(frozen=True)
class Figures:
    """One kind of estimate at one milestone for one carrier (or all): what the tables show."""

    parcels: int
    hit: float
    width: float | None  # mean business days shown, both ends included
    stated: float | None  # mean confidence stated, over the windows that stated one
    observed: float | None  # share inside among those same windows
    stated_share: float  # of the windows that stated a confidence


def figures(rows: Sequence[EstimateOutcome]) -> dict[str, Figures]:
    """Per carrier and "all", from the SDK's own arithmetic (accuracy and calibration)."""
    pooled = [replace(row, carrier="all") for row in rows]
    accuracy = {a.carrier: a for a in accuracy_by_carrier([*rows, *pooled])}
    calibrated: dict[str, CalibrationRow] = {c.carrier: c for c in calibration([*rows, *pooled])}
    out = {}
    for carrier, a in accuracy.items():
        c = calibrated.get(carrier)
        out[carrier] = Figures(
            a.deliveries,
            a.inside_window,
            a.mean_width_days,
            c.stated if c else None,
            c.observed if c else None,
            (c.deliveries if c else 0) / a.deliveries,
        )
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


GROUPS = (*CARRIERS, "all")


def print_generated(shipments: Sequence[Shipment]) -> None:
    print("\n## The generated year against the published figures")
    print("Share of parcels first presented (home) or available at the relay within the days.")
    print("| published figure | parcels | generated | published range | |")
    print("| --- | ---: | ---: | ---: | --- |")
    for p in PUBLISHED:
        days = [
            s.presented_days
            for s in shipments
            if (s.carrier, s.service_name, _zone(s.region)) == (p.carrier, p.service, p.zone)
        ]
        share = sum(p.first <= d <= p.last for d in days) / len(days) if days else None
        if p.low is None or p.high is None:
            published, verdict = "promise", ""
        else:
            published = f"{_pct(p.low)} - {_pct(p.high)}"
            verdict = _verdict(share is not None and p.low <= share <= p.high)
        print(f"| {p.label} | {len(days)} | {_pct(share)} | {published} | {verdict} |")
    corsica = [s for s in shipments if _zone(s.region) == "corsica"]
    extra = Counter(c for s in shipments for c in s.causes)
    failed = sum("failed_attempt" in s.causes for s in shipments if not s.service.relay)
    homes = sum(not s.service.relay for s in shipments)
    print(
        f"Corsica: {len(corsica)} parcels; failed first attempts {_pct(failed / max(1, homes))} "
        "of home deliveries; causes: " + ", ".join(f"{k} {v}" for k, v in sorted(extra.items()))
    )


def print_milestones(scored: Scored) -> None:
    for milestone in JOURNEY:
        stats = {kind: figures(scored.outcomes[kind, milestone]) for kind in KINDS}
        shown = stats["shown"]
        if not shown:
            continue
        print(
            f"\n### {milestone.value} (max_window_days={scored.width}; ceiling: best fixed window "
            f"of {scored.ceilings[milestone] + 1} business day(s) from the milestone)"
        )
        print(
            "| carrier | parcels | shown: hit | stated | observed | width | ceiling | "
            "model: hit | stated | observed | carrier's own: given | hit | "
            "3-5 working days: hit | width |"
        )
        print("| --- " + "| ---: " * 13 + "|")
        for group in GROUPS:
            if group not in shown:
                continue
            s, m, c, k, p = (stats[kind].get(group) for kind in KINDS)
            assert s is not None
            assert c is not None
            assert p is not None
            given = (k.parcels if k else 0) / s.parcels
            print(
                f"| {group} | {s.parcels} | {_pct(s.hit)} | {_pct(s.stated)} | "
                f"{_pct(s.observed)} | {_num(s.width)} | {_pct(c.hit)} | "
                f"{_pct(m.hit if m else None)} | {_pct(m.stated if m else None)} | "
                f"{_pct(m.observed if m else None)} | {_pct(given)} | "
                f"{_pct(k.hit if k else None)} | {_pct(p.hit)} | {_num(p.width)} |"
            )
        sources = Counter(o.estimate.source for o in scored.outcomes["shown", milestone])
        total = sum(sources.values())
        print(
            "shown from: " + ", ".join(f"{k} {_pct(v / total)}" for k, v in sorted(sources.items()))
        )


def print_handover(lanes: Sequence[Scored]) -> list[tuple[str, bool]]:
    print("\n## At hand-over, by width: shown against the ceiling of the same width")
    print("| carrier | " + " | ".join(f"{s.width + 1} bd: shown / ceiling" for s in lanes) + " |")
    print("| --- " + "| ---: " * len(lanes) + "|")
    table = [
        (
            figures(s.outcomes["shown", Milestone.HANDOVER]),
            figures(s.outcomes["ceiling", Milestone.HANDOVER]),
        )
        for s in lanes
    ]
    for group in GROUPS:
        cells = [
            f"{_pct(shown[group].hit)} / {_pct(ceiling[group].hit)}"
            for shown, ceiling in table
            if group in shown
        ]
        print(f"| {group} | " + " | ".join(cells) + " |")
    calibration_cells = [
        f"{_pct(shown['all'].stated)} -> {_pct(shown['all'].observed)}" for shown, _ in table
    ]
    print("| all: stated -> observed | " + " | ".join(calibration_cells) + " |")
    return [
        (
            f"hand-over within 1 point of the ceiling at {s.width + 1} business day(s): "
            f"{_pct(shown['all'].hit)} vs {_pct(ceiling['all'].hit)}",
            shown["all"].hit >= ceiling["all"].hit - 0.01,
        )
        for s, (shown, ceiling) in zip(lanes, table, strict=True)
    ]


def print_calibration(scored: Scored) -> list[tuple[str, bool]]:
    print(
        f"\n## Calibration (max_window_days={scored.width}): stated confidence against the "
        "share of arrivals inside, shown windows that state one"
    )
    print("| carrier | " + " | ".join(m.value for m in JOURNEY) + " | all milestones |")
    print("| --- " + "| ---: " * (len(JOURNEY) + 1) + "|")
    verdicts = []
    every = [o for m in JOURNEY for o in scored.outcomes["shown", m]]
    pooled = figures(every)
    for group in GROUPS:
        cells = []
        for milestone in JOURNEY:
            f = figures(scored.outcomes["shown", milestone]).get(group)
            if f is None or f.stated is None or f.observed is None:
                cells.append("-")
                continue
            cells.append(f"{_pct(f.stated)} -> {_pct(f.observed)} ({_pct(f.stated_share)})")
            if group != "all":
                verdicts.append(
                    (
                        f"calibrated within 2 points: {group} at {milestone.value} "
                        f"({_pct(f.stated)} stated, {_pct(f.observed)} observed)",
                        abs(f.observed - f.stated) <= 0.02,
                    )
                )
        p = pooled.get(group)
        cells.append(f"{_pct(p.stated)} -> {_pct(p.observed)}" if p and p.stated else "-")
        print(f"| {group} | " + " | ".join(cells) + " |")
    print("(in brackets: share of the shown windows that stated a confidence)")
    return verdicts


def print_out_for_delivery(scored: Scored) -> list[tuple[str, bool]]:
    print("\n## Out for delivery: inside the announced day, and inside the announced time window")
    shown = figures(scored.outcomes["shown", Milestone.OUT_FOR_DELIVERY])
    ceiling = figures(scored.outcomes["ceiling", Milestone.OUT_FOR_DELIVERY])
    print("| carrier | parcels | announced day | arrived that day (ceiling) | time window given "
          "| held |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for group in GROUPS:
        if group not in shown:
            continue
        slots = [h for c, rows in scored.slots.items() if group in (c, "all") for h in rows]
        held = sum(slots) / len(slots) if slots else None
        print(
            f"| {group} | {shown[group].parcels} | {_pct(shown[group].hit)} | "
            f"{_pct(ceiling[group].hit)} | {_pct(len(slots) / shown[group].parcels)} | "
            f"{_pct(held)} |"
        )
    return [
        (
            f"out for delivery: at least 98 % inside the announced day: {_pct(shown['all'].hit)}",
            shown["all"].hit >= 0.98,
        )
    ]


def print_changes(scored: Scored) -> None:
    print(f"\n## How often the shown window changed (max_window_days={scored.width})")
    print("| carrier | parcels | changes per parcel | parcels changed | moves later per parcel | "
          "parcels moved later | moves later the old window would have held |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for group in GROUPS:
        rows = [r for c, rs in scored.changes.items() if group in (c, "all") for r in rs]
        if not rows:
            continue
        n = len(rows)
        changes, later = [r[0] for r in rows], [r[1] for r in rows]
        needless = sum(r[2] for r in rows) / max(1, sum(later))
        print(
            f"| {group} | {n} | {sum(changes) / n:.2f} | {_pct(sum(c > 0 for c in changes) / n)} "
            f"| {sum(later) / n:.2f} | {_pct(sum(m > 0 for m in later) / n)} | {_pct(needless)} |"
        )


def print_months(scored: Scored) -> None:
    print(f"\n## At hand-over by month (max_window_days={scored.width}): following the peak")
    print("| month | parcels | shown: hit | stated | observed |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for month, rows in sorted(scored.months.items()):
        f = figures(rows)["all"]
        print(
            f"| {month:02d} | {f.parcels} | {_pct(f.hit)} | {_pct(f.stated)} | {_pct(f.observed)} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--shipments-per-day", type=float, default=80.0)
    parser.add_argument("--max-window-days", type=int, default=1, help="the lane re-estimated "
                        "at every milestone (the worker's MAX_WINDOW_DAYS)")  # fmt: skip
    parser.add_argument("--warmup-weeks", type=int, default=4)
    parser.add_argument("--min-samples", type=int, default=20)
    parser.add_argument("--half-life-weeks", type=float, help="the SDK's default unless given")
    parser.add_argument("--smoke", action="store_true", help="six weeks at 25 a day, in seconds")
    args = parser.parse_args(argv)
    first, last = date(args.year, 1, 1), date(args.year, 12, 31)
    per_day, warmup = args.shipments_per_day, timedelta(weeks=args.warmup_weeks)
    if args.smoke:
        first, last, per_day, warmup = (
            date(args.year, 10, 19),
            date(args.year, 11, 29),
            25,
            timedelta(weeks=2),
        )

    began = time.process_time()
    shipments = Generator(args.seed, per_day).shipments(first, last)
    generated = time.process_time()
    widths = sorted({0, 1, 2, args.max_window_days})
    lanes = simulate(
        shipments,
        width=args.max_window_days,
        handover_widths=widths,
        min_samples=args.min_samples,
        half_life_weeks=args.half_life_weeks,
    )
    walked = time.process_time()
    scored = {w: score_lane(lane, shipments, first + warmup) for w, lane in lanes.items()}
    main_lane = scored[args.max_window_days]

    given = " ".join(argv if argv is not None else sys.argv[1:])
    print("# Delivery estimates over a calibrated year (bench/edd_year.py)")
    print(f"command: python bench/edd_year.py {given}".rstrip())
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"seed {args.seed}; {len(shipments)} parcels handed over {first}..{last}, scored from "
        f"{first + warmup} (warm-up excluded); CPU time: generate {generated - began:.1f} s, "
        f"walk {walked - generated:.1f} s"
    )
    print(
        "carriers: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(s.carrier for s in shipments).items()))
        + "; model relearned each local midnight from the weekly counts (half-life: "
        f"{f'{args.half_life_weeks:g} weeks' if args.half_life_weeks else 'the SDK default'}, "
        f"min_samples {args.min_samples})"
    )
    print_generated(shipments)
    print(f"\n## Per carrier and milestone (max_window_days={args.max_window_days})")
    print_milestones(main_lane)
    targets = print_handover([scored[w] for w in sorted(scored)])
    targets += print_calibration(main_lane)
    targets += print_out_for_delivery(main_lane)
    print_changes(main_lane)
    print_months(main_lane)
    print("\n## Targets")
    for label, ok in targets:
        print(f"- {_verdict(ok)}  {label}")
    print(f"\nCPU time in all {time.process_time() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
