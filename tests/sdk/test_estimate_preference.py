"""The carrier's window or the model's: whichever held more arrivals at that milestone."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from suivi import (
    DeliveryEstimate,
    EstimatePreference,
    Milestone,
    ShipmentFacts,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
    TransitModel,
    TransitObservation,
    score,
)
from suivi.toolkit import PARIS

M = Milestone
WEEK = 2915
HANDED_OVER_AT = datetime(2026, 11, 9, 18, 0, tzinfo=PARIS)  # Monday
FACTS = ShipmentFacts(
    carrier="dpd",
    service="predict",
    ordered_at=datetime(2026, 11, 8, 10, 0, tzinfo=PARIS),
    origin_postcode="69007",
    destination_postcode="75011",
)
CARRIER = DeliveryEstimate(earliest=date(2026, 11, 10), latest=date(2026, 11, 10), source="carrier")
MODEL = TransitModel.learn(
    [TransitObservation("dpd", "predict", "69", "75", M.HANDOVER, n) for n in [1] * 12 + [2] * 8],
    max_window_days=1,
)
PARCEL = Tracking.from_events(
    "dpd",
    "250",
    [
        TrackingEvent(
            timestamp=HANDED_OVER_AT,
            status=Status.IN_TRANSIT,
            substatus=Substatus.PICKED_UP,
            code="C",
            label="l",
        )
    ],
    estimate=CARRIER,
)


def scores(
    deliveries: int, carrier_hits: int, model_hits: int, *, service: str = "predict"
) -> list[tuple[str, str, str, int, int, int, int]]:
    """Split over two weeks, as the table stores them."""
    half = (deliveries // 2, carrier_hits // 2, model_hits // 2)
    rest = (deliveries - half[0], carrier_hits - half[1], model_hits - half[2])
    return [
        ("dpd", service, "handover", WEEK - 1, *half),
        ("dpd", service, "handover", WEEK, *rest),
    ]


def test_the_carrier_is_preferred_where_it_held_more_arrivals() -> None:
    preference = EstimatePreference.from_scores(scores(100, 93, 80), min_deliveries=50)
    assert preference.prefers_carrier("dpd", "predict", M.HANDOVER)
    estimate = MODEL.estimate(FACTS, PARCEL, HANDED_OVER_AT, preference=preference)
    # The carrier's own window, stating how often it held.
    assert estimate == CARRIER.model_copy(update={"confidence": 0.93})


def test_the_model_is_kept_where_it_held_more() -> None:
    preference = EstimatePreference.from_scores(scores(100, 60, 80), min_deliveries=50)
    assert not preference.prefers_carrier("dpd", "predict", M.HANDOVER)
    estimate = MODEL.estimate(FACTS, PARCEL, HANDED_OVER_AT, preference=preference)
    assert estimate is not None
    assert estimate.source == "model"


def test_a_tie_keeps_the_model() -> None:
    preference = EstimatePreference.from_scores(scores(100, 80, 80), min_deliveries=50)
    assert not preference.prefers_carrier("dpd", "predict", M.HANDOVER)


def test_too_few_scored_deliveries_keep_the_model() -> None:
    preference = EstimatePreference.from_scores(scores(40, 40, 20), min_deliveries=50)
    assert not preference.prefers_carrier("dpd", "predict", M.HANDOVER)
    assert MODEL.estimate(FACTS, PARCEL, HANDED_OVER_AT, preference=preference) != CARRIER


def test_the_preference_is_per_milestone() -> None:
    preference = EstimatePreference.from_scores(scores(100, 93, 80), min_deliveries=50)
    assert not preference.prefers_carrier("dpd", "predict", M.OUT_FOR_DELIVERY)


def test_a_thin_service_is_judged_on_its_carriers_other_services() -> None:
    rows = scores(90, 85, 60, service="classic") + scores(10, 2, 9, service="predict")
    preference = EstimatePreference.from_scores(rows, min_deliveries=50)
    # predict alone has 10 deliveries; the carrier as a whole, 100 with 87 against 69.
    assert preference.prefers_carrier("dpd", "predict", M.HANDOVER)
    assert not preference.prefers_carrier("ups", "standard", M.HANDOVER)


def test_old_weeks_can_be_left_out() -> None:
    rows = [("dpd", "predict", "handover", WEEK - 30, 100, 95, 50), *scores(60, 30, 50)]
    assert EstimatePreference.from_scores(rows).prefers_carrier("dpd", "predict", M.HANDOVER)
    recent = EstimatePreference.from_scores(rows, since_week=WEEK - 26)
    assert not recent.prefers_carrier("dpd", "predict", M.HANDOVER)


def test_the_preference_is_read_at_the_milestone_reached_as_it_was_scored() -> None:
    # Past the hub the model still forecasts from hand-over (no hub counts yet), but the windows
    # shown at the hub are scored at the hub: that is where the carrier did better.
    rows = [
        ("dpd", "predict", "hub", WEEK, 100, 93, 80),
        ("dpd", "predict", "handover", WEEK, 100, 60, 80),
    ]
    preference = EstimatePreference.from_scores(rows, min_deliveries=50)
    at_hub = TrackingEvent(
        timestamp=HANDED_OVER_AT.replace(hour=22),
        status=Status.IN_TRANSIT,
        substatus=Substatus.AT_HUB,
        code="H",
        label="l",
    )
    parcel = Tracking.from_events("dpd", "250", [at_hub, *PARCEL.events], estimate=CARRIER)
    forecast = MODEL.forecast(FACTS, parcel, at_hub.timestamp)
    assert forecast is not None
    assert forecast.milestone is M.HANDOVER
    estimate = MODEL.estimate(FACTS, parcel, at_hub.timestamp, preference=preference)
    assert estimate == CARRIER.model_copy(update={"confidence": 0.93})


def test_before_hand_over_no_score_applies_and_the_model_answers() -> None:
    preference = EstimatePreference.from_scores(scores(100, 93, 80), min_deliveries=50)
    label = TrackingEvent(
        timestamp=HANDED_OVER_AT.replace(hour=9),
        status=Status.INFO_RECEIVED,
        code="L",
        label="l",
    )
    waiting = Tracking.from_events("dpd", "250", [label], estimate=CARRIER)
    estimate = MODEL.estimate(FACTS, waiting, label.timestamp, preference=preference)
    assert estimate is not None
    assert estimate.source == "model"


def test_without_a_carrier_window_the_model_answers() -> None:
    preference = EstimatePreference.from_scores(scores(100, 93, 80), min_deliveries=50)
    silent = PARCEL.model_copy(update={"estimate": None})
    estimate = MODEL.estimate(FACTS, silent, HANDED_OVER_AT, preference=preference)
    assert estimate is not None
    assert estimate.source == "model"


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="min_deliveries"):
        EstimatePreference.from_scores([], min_deliveries=0)


def test_a_hit_is_an_arrival_inside_the_window() -> None:
    window = DeliveryEstimate(
        earliest=date(2026, 11, 10), latest=date(2026, 11, 12), source="model"
    )
    assert [score(window, date(2026, 11, day)) for day in (9, 10, 12, 13)] == [
        False,
        True,
        True,
        False,
    ]
