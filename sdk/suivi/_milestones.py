"""Milestones: the steps of a parcel's journey from which the remaining transit time is learned.

Each milestone is reached the first time the carrier scans the parcel there:

- hand-over: the carrier's first scan of the parcel in its hands (`handover_event`);
- hub: a scan at a sorting centre (substatus `at_hub`). An in-transit scan without that
  substatus does not count, even at another place: carriers word hand-over and departure
  scans generically, and a false hub would apply the hub's shorter remaining time to a parcel
  still at its origin;
- delivery site: arrived at the delivering depot, or on its way to the pickup point;
- out for delivery: on the van.

Arrival (first available at a pickup point, else delivered) ends the journey: it is what the
remaining time is counted to, not a milestone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum

from suivi._models import Tracking, TrackingEvent
from suivi._situations import handover_event
from suivi._taxonomy import Status, Substatus

# The Monday that starts week 0 of `week_of` (the `transit_counts.week` column).
EPOCH_MONDAY = date(1970, 1, 5)


class Milestone(StrEnum):
    """A step after which the parcel's remaining time is re-estimated; in journey order."""

    HANDOVER = "handover"
    HUB = "hub"
    DELIVERY_SITE = "delivery_site"
    OUT_FOR_DELIVERY = "out_for_delivery"


JOURNEY: tuple[Milestone, ...] = tuple(Milestone)

# Which carrier scans reach a milestone after hand-over: (status, substatuses; None = any).
_SCANS: dict[Milestone, tuple[Status, frozenset[Substatus] | None]] = {
    Milestone.HUB: (Status.IN_TRANSIT, frozenset({Substatus.AT_HUB})),
    Milestone.DELIVERY_SITE: (
        Status.IN_TRANSIT,
        frozenset({Substatus.ARRIVED_AT_DELIVERY_SITE, Substatus.TO_PICKUP_POINT}),
    ),
    Milestone.OUT_FOR_DELIVERY: (Status.OUT_FOR_DELIVERY, None),
}


def _reaches(milestone: Milestone) -> Callable[[TrackingEvent], bool]:
    status, substatuses = _SCANS[milestone]

    def matches(event: TrackingEvent) -> bool:
        return event.status is status and (substatuses is None or event.substatus in substatuses)

    return matches


_MATCHERS = {milestone: _reaches(milestone) for milestone in _SCANS}


def arrival(tracking: Tracking) -> datetime | None:
    """When the parcel reached the shopper: first available at a pickup point, else delivered.

    Events are newest first, so the last pickup-point event is the first arrival there.
    """
    at_point = [
        e.timestamp
        for e in tracking.events
        if e.affects_status and e.status is Status.AVAILABLE_FOR_PICKUP
    ]
    return at_point[-1] if at_point else tracking.delivered_at


def milestones_reached(tracking: Tracking) -> dict[Milestone, datetime]:
    """The first time each milestone was reached, in journey order; none before hand-over.

    Scans older than the hand-over (a label printed at a hub, say) reach nothing.
    """
    first = handover_event(tracking)
    if first is None:
        return {}
    reached = {Milestone.HANDOVER: first.timestamp}
    oldest_first = [e for e in reversed(tracking.events) if e.affects_status]
    for milestone, matches in _MATCHERS.items():
        moment = next(
            (e.timestamp for e in oldest_first if e.timestamp >= first.timestamp and matches(e)),
            None,
        )
        if moment is not None:
            reached[milestone] = moment
    return reached


def current_milestone(tracking: Tracking) -> tuple[Milestone, datetime] | None:
    """The furthest milestone reached along the journey, and when; None before hand-over."""
    reached = milestones_reached(tracking)
    return next(((m, reached[m]) for m in reversed(JOURNEY) if m in reached), None)


def week_of(day: date) -> int:
    """Weeks since Monday 5 January 1970: the `transit_counts.week` of a delivery's arrival day."""
    return (day - EPOCH_MONDAY).days // 7
