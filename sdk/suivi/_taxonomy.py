"""The status taxonomy and its rules, in one place.

Current status: the most recent event that affects status wins. Events with the same timestamp
are ordered by STATUS_PRECEDENCE (a later stage of the parcel's life beats an earlier one, so
"delivered" beats "out for delivery" scanned in the same minute). Notices that are not parcel
moves (an SMS sent to the recipient, an instruction received) never change the current status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from suivi._models import TrackingEvent


class Status(StrEnum):
    """Where the parcel is in its life: the design's taxonomy, one value per event."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    ATTEMPT_FAILED = "attempt_failed"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"
    RETURNED = "returned"
    NOT_FOUND = "not_found"
    EXPIRED = "expired"


class Substatus(StrEnum):
    """What the carrier says more precisely; each value belongs to given statuses."""

    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    AT_HUB = "at_hub"
    DEPARTED = "departed"
    ARRIVED_AT_DELIVERY_SITE = "arrived_at_delivery_site"
    CUSTOMS = "customs"
    CUSTOMS_CLEARED = "customs_cleared"
    REDIRECTED = "redirected"
    TO_PICKUP_POINT = "to_pickup_point"
    DELAYED = "delayed"
    RECIPIENT_ABSENT = "recipient_absent"
    NO_ACCESS = "no_access"
    RESCHEDULED = "rescheduled"
    PICKUP_POINT = "pickup_point"
    LOCKER = "locker"
    POST_OFFICE = "post_office"
    DEPOT = "depot"
    TO_RECIPIENT = "to_recipient"
    TO_NEIGHBOUR = "to_neighbour"
    TO_RECEPTION = "to_reception"
    TO_SAFE_PLACE = "to_safe_place"
    COLLECTED_AT_PICKUP_POINT = "collected_at_pickup_point"
    ADDRESS_PROBLEM = "address_problem"
    DAMAGED = "damaged"
    REFUSED = "refused"
    LOST = "lost"
    CUSTOMS_HOLD = "customs_hold"
    HELD_BY_CARRIER = "held_by_carrier"
    NOT_COLLECTED = "not_collected"
    UNDELIVERABLE = "undeliverable"
    UNKNOWN = "unknown"


_S = Substatus
ALLOWED_SUBSTATUSES: dict[Status, frozenset[Substatus]] = {
    Status.INFO_RECEIVED: frozenset({_S.LABEL_CREATED}),
    Status.IN_TRANSIT: frozenset(
        {
            _S.PICKED_UP,
            _S.AT_HUB,
            _S.DEPARTED,
            _S.ARRIVED_AT_DELIVERY_SITE,
            _S.CUSTOMS,
            _S.CUSTOMS_CLEARED,
            _S.REDIRECTED,
            _S.TO_PICKUP_POINT,
            _S.DELAYED,
        }
    ),
    Status.ATTEMPT_FAILED: frozenset({_S.RECIPIENT_ABSENT, _S.NO_ACCESS, _S.RESCHEDULED}),
    Status.AVAILABLE_FOR_PICKUP: frozenset({_S.PICKUP_POINT, _S.LOCKER, _S.POST_OFFICE, _S.DEPOT}),
    Status.DELIVERED: frozenset(
        {
            _S.TO_RECIPIENT,
            _S.TO_NEIGHBOUR,
            _S.TO_RECEPTION,
            _S.TO_SAFE_PLACE,
            _S.COLLECTED_AT_PICKUP_POINT,
        }
    ),
    Status.EXCEPTION: frozenset(
        {
            _S.ADDRESS_PROBLEM,
            _S.DAMAGED,
            _S.REFUSED,
            _S.LOST,
            _S.CUSTOMS_HOLD,
            _S.HELD_BY_CARRIER,
            _S.DELAYED,
            _S.UNKNOWN,
        }
    ),
    Status.RETURNING: frozenset({_S.REFUSED, _S.NOT_COLLECTED, _S.UNDELIVERABLE}),
}


def check_substatus(status: Status, substatus: Substatus | None) -> None:
    """Reject a substatus that does not belong to its status (catches table mistakes early)."""
    if substatus is not None and substatus not in ALLOWED_SUBSTATUSES.get(status, frozenset()):
        raise ValueError(
            f"substatus {substatus.value!r} does not belong to status {status.value!r}"
        )


TERMINAL_STATUSES: frozenset[Status] = frozenset(
    {Status.DELIVERED, Status.RETURNED, Status.EXPIRED}
)

PROBLEM_STATUSES: frozenset[Status] = frozenset(
    {Status.EXCEPTION, Status.ATTEMPT_FAILED, Status.RETURNING, Status.RETURNED, Status.EXPIRED}
)
PROBLEM_SUBSTATUSES: frozenset[Substatus] = frozenset({Substatus.DELAYED})

# Highest first: on a timestamp tie, the status further along the parcel's life wins.
STATUS_PRECEDENCE: tuple[Status, ...] = (
    Status.RETURNED,
    Status.DELIVERED,
    Status.RETURNING,
    Status.EXCEPTION,
    Status.ATTEMPT_FAILED,
    Status.AVAILABLE_FOR_PICKUP,
    Status.OUT_FOR_DELIVERY,
    Status.IN_TRANSIT,
    Status.INFO_RECEIVED,
    Status.EXPIRED,
    Status.NOT_FOUND,
    Status.PENDING,
)
_RANK = {status: len(STATUS_PRECEDENCE) - i for i, status in enumerate(STATUS_PRECEDENCE)}


def is_problem(status: Status, substatus: Substatus | None) -> bool:
    """True for the states a merchant must see: exceptions, failures, returns and delays."""
    return status in PROBLEM_STATUSES or substatus in PROBLEM_SUBSTATUSES


def sort_events(events: Iterable[TrackingEvent]) -> tuple[TrackingEvent, ...]:
    """Newest first; same-timestamp events ordered by status precedence (winner first)."""
    return tuple(
        sorted(events, key=lambda e: (e.timestamp, e.affects_status, _RANK[e.status]), reverse=True)
    )


def current_event(events: Sequence[TrackingEvent]) -> TrackingEvent | None:
    """The event that decides the current status, or None when no event affects status."""
    return next((e for e in sort_events(events) if e.affects_status), None)
