"""Calibration: the confidence windows stated against the share of arrivals they held."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from suivi import (
    BusinessCalendar,
    CalibrationRow,
    CarrierAccuracy,
    DeliveryEstimate,
    EstimateOutcome,
    ReliabilityBin,
    Status,
    Tracking,
    TrackingEvent,
    accuracy_by_carrier,
    calibration,
    window_width,
)
from suivi.toolkit import PARIS

TUESDAY, WEDNESDAY, FRIDAY = date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 20)
INSIDE, OUTSIDE = WEDNESDAY, FRIDAY


def stated(confidence: float | None) -> DeliveryEstimate:
    return DeliveryEstimate(
        earliest=TUESDAY, latest=WEDNESDAY, source="model", confidence=confidence
    )


def outcomes(carrier: str, confidence: float, hits: int, misses: int) -> list[EstimateOutcome]:
    window = stated(confidence)
    return [EstimateOutcome(carrier, window, INSIDE)] * hits + [
        EstimateOutcome(carrier, window, OUTSIDE)
    ] * misses


def test_stated_against_observed_per_carrier_with_a_reliability_table() -> None:
    rows = outcomes("ups", 0.9, 8, 2) + outcomes("ups", 0.55, 3, 7) + outcomes("dpd", 1.0, 4, 0)
    assert calibration(rows) == [
        CalibrationRow("dpd", 4, 1.0, 1.0, (ReliabilityBin(0.9, 1.0, 4, 1.0, 1.0),)),
        CalibrationRow(
            "ups",
            20,
            0.725,
            0.55,
            (ReliabilityBin(0.5, 0.6, 10, 0.55, 0.3), ReliabilityBin(0.9, 1.0, 10, 0.9, 0.8)),
        ),
    ]


def test_the_gap_is_observed_minus_stated() -> None:
    (row,) = calibration(outcomes("colissimo", 0.8, 7, 3))
    assert row.gap == pytest.approx(-0.1)


def test_windows_without_a_confidence_are_not_judged_on_one() -> None:
    silent = [EstimateOutcome("ups", stated(None), INSIDE)]
    assert calibration(silent) == []
    assert calibration(silent + outcomes("ups", 0.5, 1, 1))[0].deliveries == 2


def test_bands_of_any_size() -> None:
    rows = outcomes("ups", 0.2, 1, 1) + outcomes("ups", 0.7, 1, 0)
    (row,) = calibration(rows, bins=2)
    assert [(b.low, b.high, b.deliveries) for b in row.bins] == [(0.0, 0.5, 2), (0.5, 1.0, 1)]
    with pytest.raises(ValueError, match="bin"):
        calibration(rows, bins=0)


def test_the_width_in_business_days_counts_both_ends() -> None:
    colissimo = BusinessCalendar.for_carrier("colissimo")  # Monday to Saturday
    dpd = BusinessCalendar.for_carrier("dpd")  # Monday to Friday
    friday_to_monday = DeliveryEstimate(earliest=FRIDAY, latest=date(2026, 11, 23), source="model")
    assert (window_width(friday_to_monday, colissimo), window_width(friday_to_monday, dpd)) == (
        3,
        2,
    )


def test_the_mean_width_is_reported_per_carrier_when_known() -> None:
    dpd = BusinessCalendar.for_carrier("dpd")
    handed_over = TrackingEvent(
        timestamp=datetime(2026, 11, 16, 18, tzinfo=PARIS),
        status=Status.IN_TRANSIT,
        code="C",
        label="l",
    )
    delivered = TrackingEvent(
        timestamp=datetime(2026, 11, 18, 11, tzinfo=PARIS),
        status=Status.DELIVERED,
        code="D",
        label="l",
    )
    parcel = Tracking.from_events("dpd", "250", [handed_over, delivered])
    outcome = EstimateOutcome.observe(stated(0.9), parcel, PARIS, dpd)
    assert outcome == EstimateOutcome("dpd", stated(0.9), WEDNESDAY, width_days=2)
    assert accuracy_by_carrier([outcome]) == [
        CarrierAccuracy("dpd", 1, inside_window=1.0, mean_abs_error_days=0.0, mean_width_days=2.0)
    ]
    assert (
        accuracy_by_carrier([EstimateOutcome("dpd", stated(0.9), WEDNESDAY)])[0].mean_width_days
        is None
    )
