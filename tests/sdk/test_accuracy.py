"""Estimate accuracy per carrier: share inside the window and mean absolute error in days,
judged on the day the parcel arrived (at the pickup point, when it went through one)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from suivi import (
    CarrierAccuracy,
    DeliveryEstimate,
    EstimateOutcome,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
    accuracy_by_carrier,
)
from suivi.toolkit import PARIS

MONDAY, TUESDAY, WEDNESDAY, FRIDAY = (date(2026, 11, d) for d in (9, 10, 11, 13))


def model(earliest: date, latest: date, p50: date) -> DeliveryEstimate:
    return DeliveryEstimate(earliest=earliest, latest=latest, p50=p50, p90=latest, source="model")


def test_share_inside_the_window_and_mean_error_per_carrier() -> None:
    window = model(MONDAY, WEDNESDAY, TUESDAY)
    outcomes = [
        EstimateOutcome("colissimo", window, TUESDAY),
        EstimateOutcome("colissimo", window, WEDNESDAY),
        EstimateOutcome("colissimo", window, FRIDAY),
        EstimateOutcome("colissimo", window, MONDAY),
    ]
    assert accuracy_by_carrier(outcomes) == [
        CarrierAccuracy("colissimo", deliveries=4, inside_window=0.75, mean_abs_error_days=1.25)
    ]


def test_an_estimate_without_median_is_judged_on_its_latest_day() -> None:
    promise = DeliveryEstimate(earliest=MONDAY, latest=TUESDAY, source="promise")
    outcome = EstimateOutcome("dpd", promise, FRIDAY)
    assert (outcome.inside, outcome.error_days) == (False, 3)


def test_early_deliveries_count_as_errors_too() -> None:
    outcome = EstimateOutcome("ups", model(WEDNESDAY, FRIDAY, FRIDAY), MONDAY)
    assert (outcome.inside, outcome.error_days) == (False, -4)


def test_one_row_per_carrier_sorted_by_name() -> None:
    window = model(MONDAY, TUESDAY, MONDAY)
    outcomes = [EstimateOutcome(name, window, MONDAY) for name in ("ups", "dpd", "ups")]
    report = accuracy_by_carrier(outcomes)
    assert [(row.carrier, row.deliveries) for row in report] == [("dpd", 1), ("ups", 2)]


def test_no_deliveries_give_an_empty_report() -> None:
    assert accuracy_by_carrier([]) == []


def relay(*moves: tuple[datetime, Status]) -> Tracking:
    events = [
        TrackingEvent(
            timestamp=at,
            status=status,
            substatus=Substatus.PICKUP_POINT if status is Status.AVAILABLE_FOR_PICKUP else None,
            code="C",
            label="l",
        )
        for at, status in moves
    ]
    return Tracking.from_events("mondial_relay", "MR1", events)


HANDED_OVER = (datetime(2026, 11, 6, 18, 0, tzinfo=PARIS), Status.IN_TRANSIT)


def test_a_pickup_point_parcel_is_judged_on_its_arrival_there() -> None:
    arrived = (datetime(2026, 11, 10, 9, 0, tzinfo=PARIS), Status.AVAILABLE_FOR_PICKUP)
    collected = (datetime(2026, 11, 13, 17, 0, tzinfo=PARIS), Status.DELIVERED)
    outcome = EstimateOutcome.observe(
        model(MONDAY, TUESDAY, TUESDAY), relay(HANDED_OVER, arrived, collected), PARIS
    )
    assert outcome is not None
    assert (outcome.carrier, outcome.delivered_on, outcome.inside) == (
        "mondial_relay",
        TUESDAY,
        True,
    )


def test_a_home_delivery_is_judged_on_the_local_delivery_day() -> None:
    delivered = (datetime(2026, 11, 9, 23, 30, tzinfo=UTC), Status.DELIVERED)  # Tuesday in Paris
    outcome = EstimateOutcome.observe(model(MONDAY, MONDAY, MONDAY), relay(delivered), PARIS)
    assert outcome is not None
    assert (outcome.delivered_on, outcome.inside) == (TUESDAY, False)


def test_a_parcel_not_yet_delivered_has_no_outcome() -> None:
    arrived = (datetime(2026, 11, 10, 9, 0, tzinfo=PARIS), Status.AVAILABLE_FOR_PICKUP)
    window = model(MONDAY, TUESDAY, TUESDAY)
    assert EstimateOutcome.observe(window, relay(HANDED_OVER, arrived), PARIS) is None
