"""What the shopper lived with a delivery, read from the shipment, its events and situations.

Pure: the same rows give the same answer, so results cut by lived situation can be trusted.
A delivery may have lived several things (late AND at a pickup point); `primary` is the one an
answer is filed under, the most telling first (LIVED_PRECEDENCE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from suivi import BusinessCalendar, Status, Substatus, is_problem
from suivi.toolkit import PARIS
from suivi_server.pages.queries import EventRow, SituationRow, as_utc
from suivi_server.surveys.model import Lived

# Most telling first: a problem colours the whole delivery, lateness comes next.
LIVED_PRECEDENCE: tuple[Lived, ...] = (
    Lived.AFTER_PROBLEM,
    Lived.LATE,
    Lived.AT_PICKUP_POINT,
    Lived.TO_NEIGHBOUR,
    Lived.TO_RECEPTION,
    Lived.TO_SAFE_PLACE,
    Lived.ON_TIME,
)
WHERE_DELIVERED: Mapping[str, Lived] = {
    Substatus.TO_NEIGHBOUR: Lived.TO_NEIGHBOUR,
    Substatus.TO_RECEPTION: Lived.TO_RECEPTION,
    Substatus.TO_SAFE_PLACE: Lived.TO_SAFE_PLACE,
    Substatus.COLLECTED_AT_PICKUP_POINT: Lived.AT_PICKUP_POINT,
}
# Situations that are a problem for the shopper even when no event says so (a silent delay).
PROBLEM_SITUATIONS: frozenset[str] = frozenset(
    {
        "delivery_delayed",
        "address_problem",
        "returned_to_sender",
        "damaged",
        "refused",
        "attempt_failed",
    }
)


@dataclass(frozen=True)
class LivedDelivery:
    situations: frozenset[Lived]
    primary: Lived | None
    days_late: int | None  # business days after the promised date; None without a promise


def lived_delivery(
    shipment: Mapping[str, Any],
    events: Sequence[EventRow],
    situations: Sequence[SituationRow] = (),
    zone: ZoneInfo = PARIS,
) -> LivedDelivery:
    found: set[Lived] = set()
    if any(_problem(e) for e in events) or any(
        s.kind in PROBLEM_SITUATIONS or s.facts.get("incidents") for s in situations
    ):
        found.add(Lived.AFTER_PROBLEM)
    where = WHERE_DELIVERED.get(shipment.get("substatus") or "")
    if where is not None:
        found.add(where)
    if any(e.status == Status.AVAILABLE_FOR_PICKUP for e in events):
        found.add(Lived.AT_PICKUP_POINT)
    days_late = _days_late(shipment, events, zone)
    if days_late is not None:
        found.add(Lived.LATE if days_late > 0 else Lived.ON_TIME)
    primary = next((lived for lived in LIVED_PRECEDENCE if lived in found), None)
    return LivedDelivery(frozenset(found), primary, days_late)


def _problem(event: EventRow) -> bool:
    return is_problem(Status(event.status), Substatus(event.substatus) if event.substatus else None)


def _days_late(
    shipment: Mapping[str, Any], events: Sequence[EventRow], zone: ZoneInfo
) -> int | None:
    promised: date | None = shipment.get("promised_delivery_date")
    delivered = _delivered_at(shipment, events)
    if promised is None or delivered is None:
        return None
    delivered_on = delivered.astimezone(zone).date()
    if delivered_on <= promised:
        return 0
    calendar = BusinessCalendar.for_carrier(
        shipment["carrier"],
        shipment.get("service"),
        country=shipment.get("customer_country") or "FR",
        zone=zone,
    )
    # Delivered on a day the carrier does not work, after the promise: still a day late.
    return max(calendar.business_days_between(promised, delivered_on), 1)


def _delivered_at(shipment: Mapping[str, Any], events: Sequence[EventRow]) -> datetime | None:
    at: datetime | None = shipment.get("delivered_at")
    if at is None:
        at = next((e.occurred_at for e in events if e.status == Status.DELIVERED), None)
    return as_utc(at) if at else None
