"""Sequence rules: what an event means after the moves before it (suivi._sequence)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from suivi import Status, Substatus, Tracking, TrackingEvent
from suivi._sequence import KEEP, SequenceRule, apply_sequence, codes

S, Sub = Status, Substatus
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def moves(
    *steps: tuple[Status, Substatus | None] | tuple[Status, Substatus | None, str],
) -> list[TrackingEvent]:
    """Events oldest first as written, returned newest first as trackings hold them."""
    events = [
        TrackingEvent(
            timestamp=START + timedelta(hours=i),
            status=step[0],
            substatus=step[1],
            code=step[2] if len(step) > 2 else f"C{i}",  # type: ignore[misc]
            label="",
        )
        for i, step in enumerate(steps)
    ]
    return events[::-1]


def read(*steps: tuple[Status, Substatus | None]) -> tuple[Status, Substatus | None]:
    tracking = Tracking.from_events("x", "1", moves(*steps))
    return tracking.status, tracking.substatus


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # delivered after waiting at a point: collected there
        (
            [(S.AVAILABLE_FOR_PICKUP, Sub.LOCKER), (S.DELIVERED, None)],
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        (
            [(S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT), (S.DELIVERED, Sub.TO_RECIPIENT)],
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        # a re-announcement of the point keeps the parcel waiting there
        (
            [(S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT), (S.IN_TRANSIT, Sub.TO_PICKUP_POINT)],
            (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        ),
        # a failed attempt announcing a redirection stays a failed attempt...
        (
            [(S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT), (S.IN_TRANSIT, Sub.TO_PICKUP_POINT)],
            (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ),
        # ...until the point scans the parcel
        (
            [
                (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
                (S.IN_TRANSIT, Sub.REDIRECTED),
                (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
            ],
            (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        ),
        # on the way back, "delivered" is the return reaching the sender
        (
            [(S.RETURNING, None), (S.IN_TRANSIT, Sub.AT_HUB), (S.DELIVERED, Sub.TO_RECIPIENT)],
            (S.RETURNED, None),
        ),
        # the return's hub and van scans keep it returning, reason included
        (
            [(S.RETURNING, Sub.REFUSED), (S.IN_TRANSIT, Sub.AT_HUB), (S.OUT_FOR_DELIVERY, None)],
            (S.RETURNING, Sub.REFUSED),
        ),
        # the return carries its reason, and keeps it
        (
            [(S.EXCEPTION, Sub.REFUSED), (S.IN_TRANSIT, None), (S.RETURNING, None)],
            (S.RETURNING, Sub.REFUSED),
        ),
        (
            [(S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT), (S.RETURNING, None), (S.RETURNING, None)],
            (S.RETURNING, Sub.NOT_COLLECTED),
        ),
        (
            [(S.EXCEPTION, Sub.ADDRESS_PROBLEM), (S.RETURNING, None)],
            (S.RETURNING, Sub.UNDELIVERABLE),
        ),
    ],
)
def test_each_common_rule_reads_the_event_after_its_past(
    steps: list[tuple[Status, Substatus | None]], expected: tuple[Status, Substatus | None]
) -> None:
    assert read(*steps) == expected


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            [(S.OUT_FOR_DELIVERY, None), (S.DELIVERED, Sub.TO_RECIPIENT)],
            (S.DELIVERED, Sub.TO_RECIPIENT),
        ),
        (
            [(S.IN_TRANSIT, None), (S.IN_TRANSIT, Sub.TO_PICKUP_POINT)],
            (S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
        ),
        ([(S.IN_TRANSIT, None), (S.RETURNING, None)], (S.RETURNING, None)),
        (
            [(S.AVAILABLE_FOR_PICKUP, Sub.LOCKER), (S.DELIVERED, Sub.TO_NEIGHBOUR)],
            (S.DELIVERED, Sub.TO_NEIGHBOUR),
        ),
    ],
)
def test_without_the_past_a_rule_needs_nothing_changes(
    steps: list[tuple[Status, Substatus | None]], expected: tuple[Status, Substatus | None]
) -> None:
    assert read(*steps) == expected


def test_codes_and_labels_stay_the_carriers() -> None:
    tracking = Tracking.from_events("x", "1", moves((S.RETURNING, None), (S.DELIVERED, None, "D")))
    assert (tracking.events[0].code, tracking.events[0].status) == ("D", S.RETURNED)


def test_a_carrier_rule_on_codes_comes_before_the_common_ones() -> None:
    # e.g. a carrier whose "KB" after a failed attempt means the parcel waits at its depot
    rule = SequenceRule(
        after=("attempt_failed",), codes=codes("kb "), then=(S.AVAILABLE_FOR_PICKUP, Sub.DEPOT)
    )
    events = moves((S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT), (S.IN_TRANSIT, None, "KB"))
    read_back = apply_sequence(events, [rule])
    assert (read_back[0].status, read_back[0].substatus) == (S.AVAILABLE_FOR_PICKUP, Sub.DEPOT)
    unchanged = apply_sequence(moves((S.IN_TRANSIT, None), (S.IN_TRANSIT, None, "KB")), [rule])
    assert unchanged[0].status is S.IN_TRANSIT


def test_notices_are_never_rewritten_nor_count_as_the_past() -> None:
    notice = TrackingEvent(
        timestamp=START + timedelta(hours=1),
        status=S.AVAILABLE_FOR_PICKUP,
        substatus=Sub.PICKUP_POINT,
        code="N",
        label="SMS sent",
        affects_status=False,
    )
    events = [
        moves((S.DELIVERED, None))[0].model_copy(update={"timestamp": START + timedelta(hours=2)}),
        notice,
    ]
    tracking = Tracking.from_events("x", "1", events)
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, None)


def test_a_rule_is_either_on_a_pattern_or_on_codes_and_says_a_valid_status() -> None:
    with pytest.raises(ValueError, match="either"):
        SequenceRule(after=("returning",), then=KEEP)
    with pytest.raises(ValueError, match="does not belong"):
        SequenceRule(after=("returning",), when="delivered", then=(S.DELIVERED, Sub.REFUSED))
