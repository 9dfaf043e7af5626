"""Which survey a delivered shipment gets, and what the shopper lived: pure rules, as tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from suivi_server.pages.queries import EventRow, SituationRow
from suivi_server.surveys.lived import lived_delivery
from suivi_server.surveys.model import Audience, Lived
from suivi_server.surveys.selection import Candidate, choose

L = Lived
EVERYONE = Candidate(1, Audience())
LATE = Candidate(2, Audience(situations=[L.LATE]))
PROBLEM = Candidate(3, Audience(situations=[L.AFTER_PROBLEM]))
VIP = Candidate(4, Audience(segments=["vip"]))
LATE_VIP = Candidate(5, Audience(situations=[L.LATE], segments=["vip"]))
NEIGHBOUR_OR_POINT = Candidate(6, Audience(situations=[L.TO_NEIGHBOUR, L.AT_PICKUP_POINT]))
FIRST_ORDER = Candidate(7, Audience(segments=["first_order"], priority=5))
FIRST_ORDER_LOW = Candidate(8, Audience(segments=["first_order"], priority=1))
INACTIVE_LATE = Candidate(9, Audience(situations=[L.LATE]), active=False)
ALL = [EVERYONE, LATE, PROBLEM, VIP, LATE_VIP, NEIGHBOUR_OR_POINT, FIRST_ORDER, FIRST_ORDER_LOW]


@pytest.mark.parametrize(
    ("surveys", "lived", "segment", "chosen"),
    [
        (ALL, {L.ON_TIME}, None, 1),
        (ALL, {L.LATE}, None, 2),
        (ALL, {L.LATE, L.AFTER_PROBLEM}, None, 2),  # equally specific: the older survey
        (ALL, {L.AFTER_PROBLEM}, None, 3),
        (ALL, {L.ON_TIME}, "vip", 4),
        (ALL, {L.LATE}, "vip", 5),  # situation AND segment beat either alone
        (ALL, {L.ON_TIME}, "VIP", 4),  # segments compare without case
        (ALL, {L.ON_TIME, L.TO_NEIGHBOUR}, None, 6),
        (ALL, {L.AT_PICKUP_POINT}, None, 6),
        (ALL, {L.ON_TIME}, "first_order", 7),  # higher priority wins among equals
        (ALL, {L.ON_TIME}, "wholesale", 1),  # a segment nobody targets: the general survey
        ([LATE, VIP], {L.ON_TIME}, "regular", None),  # nothing fits: no survey
        ([INACTIVE_LATE, EVERYONE], {L.LATE}, None, 1),  # inactive surveys are never chosen
        ([], {L.ON_TIME}, None, None),
    ],
)
def test_the_most_specific_active_matching_survey_wins(
    surveys: list[Candidate], lived: set[Lived], segment: str | None, chosen: int | None
) -> None:
    assert choose(surveys, frozenset(lived), segment) == chosen


def _event(day: int, status: str, substatus: str | None = None, hour: int = 10) -> EventRow:
    return EventRow(datetime(2026, 11, day, hour, tzinfo=UTC), status, substatus, None)


def _shipment(**fields: Any) -> dict[str, Any]:
    return {
        "carrier": "colissimo",
        "service": None,
        "customer_country": "FR",
        "promised_delivery_date": date(2026, 11, 26),  # a Thursday
        "status": "delivered",
        "substatus": "to_recipient",
        "delivered_at": datetime(2026, 11, 26, 11, tzinfo=UTC),
        "segment": None,
        **fields,
    }


TRANSIT = [_event(24, "in_transit", "picked_up")]


@pytest.mark.parametrize(
    ("shipment", "events", "situations", "primary", "lived", "days_late"),
    [
        (_shipment(), TRANSIT, [], L.ON_TIME, {L.ON_TIME}, 0),
        # delivered the day before the promise: on time, not early-late
        (
            _shipment(delivered_at=datetime(2026, 11, 25, 9, tzinfo=UTC)),
            TRANSIT,
            [],
            L.ON_TIME,
            {L.ON_TIME},
            0,
        ),
        # Thursday promise, delivered Monday: Friday, Saturday (Colissimo works) and Monday
        (
            _shipment(delivered_at=datetime(2026, 11, 30, 9, tzinfo=UTC)),
            TRANSIT,
            [],
            L.LATE,
            {L.LATE},
            3,
        ),
        # DPD does not deliver on Saturday: Friday and Monday only
        (
            _shipment(carrier="dpd", delivered_at=datetime(2026, 11, 30, 9, tzinfo=UTC)),
            TRANSIT,
            [],
            L.LATE,
            {L.LATE},
            2,
        ),
        # 23:30 UTC on the 26th is already the 27th in Paris: one day late
        (
            _shipment(delivered_at=datetime(2026, 11, 26, 23, 30, tzinfo=UTC)),
            TRANSIT,
            [],
            L.LATE,
            {L.LATE},
            1,
        ),
        # no promise: neither on time nor late
        (_shipment(promised_delivery_date=None), TRANSIT, [], None, set(), None),
        # no delivered_at on the row: the delivered event's time
        (
            _shipment(delivered_at=None),
            [_event(27, "delivered", "to_recipient"), *TRANSIT],
            [],
            L.LATE,
            {L.LATE},
            1,
        ),
        (
            _shipment(substatus="to_neighbour"),
            TRANSIT,
            [],
            L.TO_NEIGHBOUR,
            {L.TO_NEIGHBOUR, L.ON_TIME},
            0,
        ),
        (
            _shipment(substatus="collected_at_pickup_point"),
            [_event(25, "available_for_pickup", "pickup_point"), *TRANSIT],
            [],
            L.AT_PICKUP_POINT,
            {L.AT_PICKUP_POINT, L.ON_TIME},
            0,
        ),
        # a failed attempt on the way: a problem, which outranks being on time
        (
            _shipment(),
            [_event(25, "attempt_failed", "recipient_absent"), *TRANSIT],
            [],
            L.AFTER_PROBLEM,
            {L.AFTER_PROBLEM, L.ON_TIME},
            0,
        ),
        # late AND after a carrier-reported delay: the problem is what it is filed under
        (
            _shipment(delivered_at=datetime(2026, 11, 27, 9, tzinfo=UTC)),
            [_event(25, "in_transit", "delayed"), *TRANSIT],
            [],
            L.AFTER_PROBLEM,
            {L.AFTER_PROBLEM, L.LATE},
            1,
        ),
        # the delivered situation remembers incidents the events no longer show
        (
            _shipment(),
            TRANSIT,
            [
                SituationRow(
                    "delivered",
                    {"incidents": ["address_problem"]},
                    datetime(2026, 11, 26, tzinfo=UTC),
                )
            ],
            L.AFTER_PROBLEM,
            {L.AFTER_PROBLEM, L.ON_TIME},
            0,
        ),
    ],
)
def test_what_the_shopper_lived(
    shipment: dict[str, Any],
    events: list[EventRow],
    situations: list[SituationRow],
    primary: Lived | None,
    lived: set[Lived],
    days_late: int | None,
) -> None:
    found = lived_delivery(shipment, events, situations)
    assert (found.primary, set(found.situations), found.days_late) == (primary, lived, days_late)
