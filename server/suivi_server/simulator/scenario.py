"""Scripted parcel lives for the carrier simulator, in carrier-neutral milestones.

Each carrier module of the simulator turns milestones into its own native codes and formats,
so one scenario plays identically on every simulated carrier. A scenario file (TOML or JSON) lists
parcels, each following a built-in story or its own steps, and optional failure modes.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any


class Milestone(StrEnum):
    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    AT_HUB = "at_hub"
    DEPARTED = "departed"
    ARRIVED_AT_DELIVERY_SITE = "arrived_at_delivery_site"
    CUSTOMS = "customs"
    DELAYED = "delayed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    ATTEMPT_FAILED = "attempt_failed"
    TO_PICKUP_POINT = "to_pickup_point"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    COLLECTED = "collected"
    DELIVERED = "delivered"
    DELIVERED_TO_NEIGHBOUR = "delivered_to_neighbour"
    ADDRESS_PROBLEM = "address_problem"
    DAMAGED = "damaged"
    REFUSED = "refused"
    RETURNING = "returning"
    RETURNED = "returned"


M = Milestone

# (hours after the scenario's start, milestone, city, postcode)
StoryStep = tuple[float, Milestone, str, str]

_ORIGIN = ("Lyon", "69007")
_HUB = ("Chilly-Mazarin", "91380")
_LOCAL = ("Paris 11", "75011")


def _steps(*rows: tuple[float, Milestone, tuple[str, str]]) -> tuple[StoryStep, ...]:
    return tuple((hours, milestone, place[0], place[1]) for hours, milestone, place in rows)


_JOURNEY = (
    (0.0, M.LABEL_CREATED, _ORIGIN),
    (6.0, M.PICKED_UP, _ORIGIN),
    (14.0, M.AT_HUB, _HUB),
    (28.0, M.ARRIVED_AT_DELIVERY_SITE, _LOCAL),
)

STORIES: dict[str, tuple[StoryStep, ...]] = {
    "delivered": _steps(*_JOURNEY, (33.0, M.OUT_FOR_DELIVERY, _LOCAL), (37.0, M.DELIVERED, _LOCAL)),
    "in_transit": _steps(*_JOURNEY),
    "out_for_delivery": _steps(*_JOURNEY, (33.0, M.OUT_FOR_DELIVERY, _LOCAL)),
    "label_only": _steps(_JOURNEY[0]),
    "attempt_failed": _steps(
        *_JOURNEY,
        (33.0, M.OUT_FOR_DELIVERY, _LOCAL),
        (36.0, M.ATTEMPT_FAILED, _LOCAL),
        (57.0, M.OUT_FOR_DELIVERY, _LOCAL),
        (60.0, M.DELIVERED, _LOCAL),
    ),
    "pickup_point": _steps(
        *_JOURNEY,
        (33.0, M.TO_PICKUP_POINT, _LOCAL),
        (38.0, M.AVAILABLE_FOR_PICKUP, _LOCAL),
        (80.0, M.COLLECTED, _LOCAL),
    ),
    "not_collected": _steps(
        *_JOURNEY,
        (33.0, M.TO_PICKUP_POINT, _LOCAL),
        (38.0, M.AVAILABLE_FOR_PICKUP, _LOCAL),
        (38.0 + 14 * 24, M.RETURNING, _LOCAL),
        (40.0 + 17 * 24, M.RETURNED, _ORIGIN),
    ),
    "neighbour": _steps(
        *_JOURNEY, (33.0, M.OUT_FOR_DELIVERY, _LOCAL), (36.0, M.DELIVERED_TO_NEIGHBOUR, _LOCAL)
    ),
    "address_problem": _steps(
        *_JOURNEY, (33.0, M.OUT_FOR_DELIVERY, _LOCAL), (36.0, M.ADDRESS_PROBLEM, _LOCAL)
    ),
    "damaged": _steps(*_JOURNEY, (30.0, M.DAMAGED, _LOCAL), (52.0, M.RETURNING, _LOCAL)),
    "refused": _steps(
        *_JOURNEY,
        (33.0, M.OUT_FOR_DELIVERY, _LOCAL),
        (35.0, M.REFUSED, _LOCAL),
        (50.0, M.RETURNING, _LOCAL),
        (98.0, M.RETURNED, _ORIGIN),
    ),
    "delayed": _steps(
        *_JOURNEY[:3], (40.0, M.DELAYED, _HUB), (90.0, M.ARRIVED_AT_DELIVERY_SITE, _LOCAL)
    ),
}


# The pickup point's week, Monday first: "HH:MM-HH:MM" spans, "" for a closed day. Each
# carrier module writes it in its own format.
PICKUP_HOURS: tuple[str, ...] = (
    *("09:00-12:30 14:00-19:00",) * 5,
    "09:00-13:00",
    "",
)


@dataclass(frozen=True, slots=True)
class SimEvent:
    at: datetime
    milestone: Milestone
    city: str
    postcode: str
    country: str = "FR"


@dataclass(slots=True)
class Parcel:
    carrier: str
    number: str
    start: datetime
    steps: tuple[StoryStep, ...]
    story: str = "custom"
    service: str | None = None
    weight_kg: float = 1.2
    recipient_city: str = "Paris"
    recipient_postcode: str = "75011"
    signed_by: str = "DUPONT"
    estimated_delivery_hours: float | None = 40.0
    pickup_point: dict[str, str] = field(
        default_factory=lambda: {
            "id": "075123",
            "name": "TABAC LE BALTO",
            "address": "12 RUE OBERKAMPF",
            "postcode": "75011",
            "city": "PARIS",
            "country": "FR",
        }
    )
    pickup_hours: tuple[str, ...] = field(default_factory=lambda: PICKUP_HOURS)

    def events(self, now: datetime) -> list[SimEvent]:
        """The events the carrier has recorded by `now`, oldest first."""
        return [
            SimEvent(self.start + timedelta(hours=hours), milestone, city, postcode)
            for hours, milestone, city, postcode in self.steps
            if self.start + timedelta(hours=hours) <= now
        ]

    def estimated_delivery(self) -> date | None:
        if self.estimated_delivery_hours is None:
            return None
        return (self.start + timedelta(hours=self.estimated_delivery_hours)).date()


class FailureKind(StrEnum):
    LATENCY = "latency"
    SERVER_ERROR = "server_error"
    RATE_LIMIT = "rate_limit"
    TIMEOUT = "timeout"
    MALFORMED = "malformed"
    EXPIRED_TOKEN = "expired_token"


@dataclass(slots=True)
class Failure:
    """A failure mode applied to the next `count` requests to one carrier."""

    carrier: str
    kind: FailureKind
    count: int = 1
    seconds: float = 1.0


@dataclass(slots=True)
class Scenario:
    parcels: list[Parcel] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def parcel_from_dict(data: dict[str, Any], default_start: datetime) -> Parcel:
    start = datetime.fromisoformat(data["start"]) if "start" in data else default_start
    if "steps" in data:
        steps = tuple(
            (
                float(s["after_hours"]),
                Milestone(s["milestone"]),
                s.get("city", ""),
                s.get("postcode", ""),
            )
            for s in data["steps"]
        )
        story = "custom"
    else:
        story = data.get("story", "delivered")
        if story not in STORIES:
            raise ValueError(f"unknown story {story!r} (known: {', '.join(sorted(STORIES))})")
        steps = STORIES[story]
    extra = {
        k: v for k, v in data.items() if k not in {"start", "steps", "story", "carrier", "number"}
    }
    return Parcel(
        carrier=data["carrier"],
        number=data["number"],
        start=start,
        steps=steps,
        story=story,
        **extra,
    )


def load_scenario(path: Path, default_start: datetime) -> Scenario:
    """Read a TOML or JSON scenario: `[[parcels]]` and optional `[[failures]]` tables."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    return Scenario(
        parcels=[parcel_from_dict(p, default_start) for p in data.get("parcels", [])],
        failures=[
            Failure(
                f["carrier"],
                FailureKind(f["kind"]),
                int(f.get("count", 1)),
                float(f.get("seconds", 1.0)),
            )
            for f in data.get("failures", [])
        ],
    )
