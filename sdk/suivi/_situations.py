"""Situations: the moments that deserve a banner or a notification, detected from facts and a clock.

Every detector is a pure function of (shipment facts, tracking, estimate, now, thresholds). A
DetectedSituation carries the facts a banner needs, never wording, and a fingerprint of the facts
that identify this occurrence (its `since` plus the keys in FINGERPRINT_FACTS): a sender notifies
once per shipment and fingerprint, so a situation notifies again only when it recurs with new
facts (a new silence, a new expected date, a second failed attempt).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import takewhile
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from suivi._calendar import BusinessCalendar, adapter_class, local_date
from suivi._models import DeliveryEstimate, Tracking, TrackingEvent
from suivi._taxonomy import Status, Substatus, is_problem


class Situation(StrEnum):
    """What happened to the shipment that the shopper should hear about (DESIGN.md)."""

    PREPARATION_DELAY = "preparation_delay"
    SHIPPED = "shipped"
    SHIPPED_LATE = "shipped_late"
    DELIVERY_DELAYED = "delivery_delayed"
    ADDRESS_PROBLEM = "address_problem"
    RETURNED_TO_SENDER = "returned_to_sender"
    DAMAGED = "damaged"
    REFUSED = "refused"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED_TO_THIRD_PARTY = "delivered_to_third_party"
    DELIVERED = "delivered"
    OUT_FOR_DELIVERY = "out_for_delivery"
    ATTEMPT_FAILED = "attempt_failed"


class DelayReason(StrEnum):
    """Why a delay is suspected: a missing scan is not proof of loss, so the banner must know."""

    EXPECTED_DATE_PASSED = "expected_date_passed"
    CARRIER_REPORTED = "carrier_reported"
    NO_SCAN = "no_scan"


Fact = str | int | float | bool | date | datetime | time | tuple[str, ...] | None

# Statuses before the carrier holds the parcel: the merchant still has it.
PRE_HANDOVER: frozenset[Status] = frozenset(
    {Status.PENDING, Status.INFO_RECEIVED, Status.NOT_FOUND}
)
# Statuses after which no delivery is awaited any more.
ENDED: frozenset[Status] = frozenset(
    {Status.DELIVERED, Status.RETURNING, Status.RETURNED, Status.EXPIRED}
)
# Statuses in which a parcel can be late: on its way, with no action pending from the shopper.
DELAY_WATCHED: frozenset[Status] = frozenset(
    {Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.ATTEMPT_FAILED, Status.EXCEPTION}
)
RETURN_STATUSES: frozenset[Status] = frozenset({Status.RETURNING, Status.RETURNED})
# A refusal shows up as an exception, then a return: one episode, one refusal.
AFTER_PROBLEM: frozenset[Status] = frozenset({Status.EXCEPTION}) | RETURN_STATUSES
# Delivered, but not into the shopper's hands: who or where has it.
THIRD_PARTIES: dict[Substatus, str] = {
    Substatus.TO_NEIGHBOUR: "neighbour",
    Substatus.TO_RECEPTION: "reception",
    Substatus.TO_SAFE_PLACE: "safe_place",
}

ANY_CARRIER = "*"
# Longest normal gap between scans, in business hours, per current status, for any carrier;
# a carrier's adapter declares its own (`Adapter.scan_gaps`) where its network differs.
# A status absent from both is never called silent.
DEFAULT_SILENCE_HOURS: dict[Status, float] = {
    Status.IN_TRANSIT: 48.0,
    Status.OUT_FOR_DELIVERY: 24.0,
    Status.ATTEMPT_FAILED: 48.0,
    Status.EXCEPTION: 72.0,
}

# Facts that, with `since`, tell one occurrence of a situation from another.
FINGERPRINT_FACTS: dict[Situation, tuple[str, ...]] = {
    Situation.PREPARATION_DELAY: ("promised_ship_date",),
    Situation.SHIPPED: ("tracking_number",),
    Situation.SHIPPED_LATE: ("tracking_number",),
    Situation.DELIVERY_DELAYED: ("reason",),
    Situation.AVAILABLE_FOR_PICKUP: ("pickup_point_id",),
    Situation.DELIVERED_TO_THIRD_PARTY: ("handed_to",),
}


class ShipmentFacts(BaseModel):
    """What the merchant knows about a shipment, apart from the carrier's tracking."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    carrier: str
    ordered_at: AwareDatetime
    service: str | None = None
    promised_ship_date: date | None = None
    promised_delivery_date: date | None = None
    timezone: str = Field(default="Europe/Paris", description="the shopper's IANA time zone")
    origin_country: str = "FR"
    origin_postcode: str | None = None
    destination_country: str = "FR"
    destination_postcode: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The shopper's time zone, in which business days and silence are counted."""
        return ZoneInfo(self.timezone)

    def calendar(self, service: str | None = None) -> BusinessCalendar:
        """The carrier's calendar at the destination, read in the shopper's zone."""
        return BusinessCalendar.for_carrier(
            self.carrier,
            self.service or service,
            country=self.destination_country,
            zone=self.zone,
        )


class Thresholds(BaseModel):
    """Merchant-tunable limits. `silence_hours`, by carrier name and "*" for any carrier,
    replaces the defaults (each carrier's `scan_gaps` over DEFAULT_SILENCE_HOURS) when given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    silence_hours: dict[str, dict[Status, float]] | None = None
    handover_grace_hours: float = Field(
        default=12.0,
        ge=0,
        description="business hours after the promised ship date before calling it missed: "
        "a parcel collected in the evening is often first scanned the next morning",
    )

    def max_silence(self, carrier: str, status: Status) -> float | None:
        """Normal gap for this carrier and status, the "*" row otherwise, None if unwatched."""
        if self.silence_hours is None:
            rows = (scan_gaps(carrier), DEFAULT_SILENCE_HOURS)
        else:
            rows = (self.silence_hours.get(carrier, {}), self.silence_hours.get(ANY_CARRIER, {}))
        return next((row[status] for row in rows if status in row), None)


def scan_gaps(carrier: str) -> Mapping[Status, float]:
    """The normal gaps the carrier's adapter declares; none for a carrier not installed."""
    adapter = adapter_class(carrier)
    return adapter.scan_gaps if adapter is not None else {}


@dataclass(frozen=True)
class DetectedSituation:
    """One situation, the facts a banner or message needs, and its notification fingerprint."""

    kind: Situation
    since: datetime
    facts: Mapping[str, Fact]
    fingerprint: str


def fingerprint(kind: Situation, since: datetime, facts: Mapping[str, Fact]) -> str:
    """Stable digest of the identifying facts; the same instant in any zone gives the same one."""
    keyed = [[name, _plain(facts.get(name))] for name in FINGERPRINT_FACTS.get(kind, ())]
    payload = json.dumps([kind.value, since.astimezone(UTC).isoformat(), keyed])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _plain(value: Fact) -> str | int | float | bool | list[str] | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def handover_event(tracking: Tracking) -> TrackingEvent | None:
    """The carrier's first scan of the parcel in its hands (the oldest such move)."""
    moves = [e for e in tracking.events if e.affects_status and e.status not in PRE_HANDOVER]
    return moves[-1] if moves else None


class _Found(NamedTuple):
    since: datetime
    facts: dict[str, Fact]


@dataclass(frozen=True)
class _Context:
    """Everything a detector reads, computed once per call."""

    shipment: ShipmentFacts
    tracking: Tracking
    estimate: DeliveryEstimate | None
    now: datetime
    thresholds: Thresholds
    calendar: BusinessCalendar
    today: date
    moves: tuple[TrackingEvent, ...]
    handover: TrackingEvent | None

    @property
    def decisive(self) -> TrackingEvent | None:
        """The move that set the current status, when events explain it."""
        first = self.moves[0] if self.moves else None
        return first if first and first.status is self.tracking.status else None

    def end_of(self, day: date) -> datetime:
        return self.calendar.start_of(day + timedelta(days=1))

    def expected(self) -> dict[str, Fact]:
        estimate = self.estimate
        return {
            "expected_earliest": estimate.earliest if estimate else None,
            "expected_latest": estimate.latest if estimate else None,
            "estimate_source": estimate.source if estimate else None,
        }

    def shipped_late(self) -> bool:
        promised = self.shipment.promised_ship_date
        if promised is None or self.handover is None:
            return False
        late_by = self.calendar.business_hours_between(
            self.end_of(promised), self.handover.timestamp
        )
        return late_by > self.thresholds.handover_grace_hours


def _label(event: TrackingEvent) -> dict[str, Fact]:
    return {"carrier_code": event.code, "carrier_label": event.label}


def _preparation_delay(c: _Context) -> _Found | None:
    promised = c.shipment.promised_ship_date
    if promised is None or c.handover is not None or c.tracking.status not in PRE_HANDOVER:
        return None
    due = c.end_of(promised)
    if c.calendar.business_hours_between(due, c.now) <= c.thresholds.handover_grace_hours:
        return None
    return _Found(
        due,
        {
            "promised_ship_date": promised,
            "ordered_at": c.shipment.ordered_at,
            "label_created": c.tracking.status is Status.INFO_RECEIVED,
        },
    )


def _shipment_facts(c: _Context, handover: TrackingEvent) -> dict[str, Fact]:
    return {
        "carrier": c.tracking.carrier,
        "tracking_number": c.tracking.tracking_number,
        "shipped_at": handover.timestamp,
        **c.expected(),
    }


def _shipped(c: _Context) -> _Found | None:
    if c.handover is None or c.tracking.status in ENDED or c.shipped_late():
        return None
    return _Found(c.handover.timestamp, _shipment_facts(c, c.handover))


def _shipped_late(c: _Context) -> _Found | None:
    promised = c.shipment.promised_ship_date
    if c.handover is None or promised is None or c.tracking.status in ENDED or not c.shipped_late():
        return None
    shipped_on = local_date(c.handover.timestamp, c.calendar.zone)
    return _Found(
        c.handover.timestamp,
        {
            **_shipment_facts(c, c.handover),
            "promised_ship_date": promised,
            "business_days_late": c.calendar.business_days_between(promised, shipped_on),
        },
    )


def _expected_date_passed(c: _Context) -> _Found | None:
    if c.estimate is None or c.today <= c.estimate.latest:
        return None
    return _Found(
        c.end_of(c.estimate.latest),
        {"reason": DelayReason.EXPECTED_DATE_PASSED.value, **c.expected()},
    )


def _carrier_reported(c: _Context) -> _Found | None:
    event = c.decisive
    if event is None or event.substatus is not Substatus.DELAYED:
        return None
    return _Found(event.timestamp, {"reason": DelayReason.CARRIER_REPORTED.value, **_label(event)})


def _no_scan(c: _Context) -> _Found | None:
    limit = c.thresholds.max_silence(c.tracking.carrier, c.tracking.status)
    if limit is None or not c.moves:
        return None
    last = c.moves[0]
    silent = c.calendar.business_hours_between(last.timestamp, c.now)
    if silent <= limit:
        return None
    return _Found(
        last.timestamp,
        {
            "reason": DelayReason.NO_SCAN.value,
            "last_scan_at": last.timestamp,
            "last_status": last.status.value,
            "silent_business_hours": round(silent, 1),
            "max_silence_hours": limit,
            **_label(last),
        },
    )


# First match wins: a passed date is the firmest fact, silence the weakest.
_DELAY_CHECKS: tuple[Callable[[_Context], _Found | None], ...] = (
    _expected_date_passed,
    _carrier_reported,
    _no_scan,
)


def _delivery_delayed(c: _Context) -> _Found | None:
    if c.tracking.status not in DELAY_WATCHED:
        return None
    return next((found for check in _DELAY_CHECKS if (found := check(c))), None)


def _address_problem(c: _Context) -> _Found | None:
    event = c.decisive
    if event is None or event.substatus is not Substatus.ADDRESS_PROBLEM:
        return None
    return _Found(event.timestamp, _label(event))


def _refusals(c: _Context) -> list[TrackingEvent]:
    """Refusal moves of the current exception-then-return episode, newest first."""
    episode = takewhile(lambda e: e.status in AFTER_PROBLEM, c.moves)
    return [e for e in episode if e.substatus is Substatus.REFUSED]


def _refused(c: _Context) -> _Found | None:
    refusals = _refusals(c)
    if not refusals:
        return None
    first = refusals[-1]
    return _Found(
        first.timestamp,
        {"back_at_sender": c.tracking.status is Status.RETURNED, **_label(first)},
    )


def _returned_to_sender(c: _Context) -> _Found | None:
    episode = list(takewhile(lambda e: e.status in RETURN_STATUSES, c.moves))
    if not episode or _refusals(c):
        return None
    first = episode[-1]
    reason = next((e.substatus for e in reversed(episode) if e.substatus), None)
    return _Found(
        first.timestamp,
        {
            "reason": reason.value if reason else None,
            "back_at_sender": c.tracking.status is Status.RETURNED,
            **_label(first),
        },
    )


def _damaged(c: _Context) -> _Found | None:
    reports = [e for e in c.tracking.events if e.substatus is Substatus.DAMAGED]
    if not reports or c.tracking.status in ENDED:
        return None
    first = reports[-1]
    return _Found(first.timestamp, {"reported_at": first.timestamp, **_label(first)})


def _available_for_pickup(c: _Context) -> _Found | None:
    if c.tracking.status is not Status.AVAILABLE_FOR_PICKUP or not c.moves:
        return None
    arrival = list(takewhile(lambda e: e.status is Status.AVAILABLE_FOR_PICKUP, c.moves))[-1]
    point = c.tracking.pickup_point
    return _Found(
        arrival.timestamp,
        {
            "kind": arrival.substatus.value if arrival.substatus else None,
            "pickup_point_id": point.identifier if point else None,
            "name": point.name if point else None,
            "address": point.address if point else None,
            "postcode": point.postcode if point else None,
            "city": point.city if point else None,
            "opening_hours": point.opening_hours if point else (),
            "deadline": point.deadline if point else None,
        },
    )


def _delivery_time(c: _Context) -> datetime | None:
    if c.tracking.status is not Status.DELIVERED:
        return None
    event = c.decisive
    return c.tracking.delivered_at or (event.timestamp if event else None)


def _delivered_to_third_party(c: _Context) -> _Found | None:
    at = _delivery_time(c)
    handed_to = THIRD_PARTIES.get(c.tracking.substatus) if c.tracking.substatus else None
    if at is None or handed_to is None:
        return None
    event = c.decisive
    return _Found(
        at,
        {
            "handed_to": handed_to,
            "received_by": c.tracking.signed_by,
            "delivered_at": at,
            **(_label(event) if event else {}),
        },
    )


def _delivered(c: _Context) -> _Found | None:
    at = _delivery_time(c)
    if at is None:
        return None
    promised = c.shipment.promised_delivery_date
    delivered_on = local_date(at, c.calendar.zone)
    incidents = {
        e.substatus or e.status for e in c.tracking.events if is_problem(e.status, e.substatus)
    }
    return _Found(
        at,
        {
            "delivered_at": at,
            "how": c.tracking.substatus.value if c.tracking.substatus else None,
            "received_by": c.tracking.signed_by,
            "on_time": delivered_on <= promised if promised else None,
            "incidents": tuple(sorted(str(i) for i in incidents)),
        },
    )


def _out_for_delivery(c: _Context) -> _Found | None:
    event = c.decisive
    if event is None or event.status is not Status.OUT_FOR_DELIVERY:
        return None
    window = c.estimate if c.estimate and c.estimate.earliest == c.today else None
    return _Found(
        event.timestamp,
        {
            "start_time": window.start_time if window else None,
            "end_time": window.end_time if window else None,
        },
    )


def _attempt_failed(c: _Context) -> _Found | None:
    event = c.decisive
    if event is None or event.status is not Status.ATTEMPT_FAILED:
        return None
    point = c.tracking.pickup_point
    return _Found(
        event.timestamp,
        {
            "reason": event.substatus.value if event.substatus else None,
            "attempts": sum(e.status is Status.ATTEMPT_FAILED for e in c.moves),
            "pickup_point_name": point.name if point else None,
            **_label(event),
        },
    )


_DETECTORS: tuple[tuple[Situation, Callable[[_Context], _Found | None]], ...] = (
    (Situation.PREPARATION_DELAY, _preparation_delay),
    (Situation.SHIPPED, _shipped),
    (Situation.SHIPPED_LATE, _shipped_late),
    (Situation.DELIVERY_DELAYED, _delivery_delayed),
    (Situation.ADDRESS_PROBLEM, _address_problem),
    (Situation.RETURNED_TO_SENDER, _returned_to_sender),
    (Situation.DAMAGED, _damaged),
    (Situation.REFUSED, _refused),
    (Situation.AVAILABLE_FOR_PICKUP, _available_for_pickup),
    (Situation.DELIVERED_TO_THIRD_PARTY, _delivered_to_third_party),
    (Situation.DELIVERED, _delivered),
    (Situation.OUT_FOR_DELIVERY, _out_for_delivery),
    (Situation.ATTEMPT_FAILED, _attempt_failed),
)


def detect_situations(
    shipment: ShipmentFacts,
    tracking: Tracking,
    estimate: DeliveryEstimate | None,
    now: datetime,
    thresholds: Thresholds | None = None,
) -> list[DetectedSituation]:
    """Every situation true of this shipment at `now`, in DESIGN.md order."""
    calendar = shipment.calendar(tracking.service)
    context = _Context(
        shipment=shipment,
        tracking=tracking,
        estimate=estimate,
        now=now,
        thresholds=thresholds or Thresholds(),
        calendar=calendar,
        today=local_date(now, calendar.zone),
        moves=tuple(e for e in tracking.events if e.affects_status),
        handover=handover_event(tracking),
    )
    found = ((kind, detect(context)) for kind, detect in _DETECTORS)
    return [
        DetectedSituation(kind, hit.since, hit.facts, fingerprint(kind, hit.since, hit.facts))
        for kind, hit in found
        if hit is not None
    ]
