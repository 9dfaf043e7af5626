"""Forecasts per milestone: remaining time from the furthest step reached, conditioned on the
parcel not having arrived yet, from recency-weighted weekly counts."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from suivi import (
    DeliveryEstimate,
    Milestone,
    ShipmentFacts,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
    TransitModel,
    TransitObservation,
    TransitStats,
)
from suivi.toolkit import PARIS

M = Milestone
ROUTE = ("colissimo", "expert", "69", "75")
THURSDAY = datetime(2026, 11, 5, 18, 0, tzinfo=PARIS)  # hand-over
FACTS = ShipmentFacts(
    carrier="colissimo",
    service="expert",
    ordered_at=datetime(2026, 11, 4, 10, 0, tzinfo=PARIS),
    origin_postcode="69007",
    destination_postcode="75011",
)


def on(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=PARIS)


def event(moment: datetime, status: Status, substatus: Substatus | None = None) -> TrackingEvent:
    return TrackingEvent(timestamp=moment, status=status, substatus=substatus, code="C", label="l")


def tracking(*events: TrackingEvent, estimate: DeliveryEstimate | None = None) -> Tracking:
    return Tracking.from_events(
        "colissimo", "6A1", events, status_without_events=Status.PENDING, estimate=estimate
    )


def seen(milestone: Milestone, days: list[int]) -> list[TransitObservation]:
    return [TransitObservation(*ROUTE, milestone, n) for n in days]


HANDED_OVER = event(THURSDAY, Status.IN_TRANSIT, Substatus.PICKED_UP)
# From hand-over: two to five days. From the delivery site: the same day or the next.
MODEL = TransitModel.learn(
    seen(M.HANDOVER, [2] * 10 + [3] * 6 + [4] * 3 + [5] * 1)
    + seen(M.DELIVERY_SITE, [0] * 18 + [1] * 2)
    + seen(M.OUT_FOR_DELIVERY, [0] * 19 + [1] * 1),
    max_window_days=1,
)


def test_at_hand_over_the_window_comes_from_the_hand_over_histogram() -> None:
    forecast = MODEL.forecast(FACTS, tracking(HANDED_OVER), THURSDAY)
    assert forecast is not None
    assert (forecast.milestone, forecast.start) == (M.HANDOVER, date(2026, 11, 5))
    # Colissimo works on Saturdays: two days after Thursday is Saturday 7, three is Monday 9.
    assert (forecast.estimate.earliest, forecast.estimate.latest) == (
        date(2026, 11, 7),
        on(9).date(),
    )
    assert forecast.estimate.confidence == 0.8
    assert forecast.probabilities == {
        date(2026, 11, 7): 0.5,
        date(2026, 11, 9): 0.3,
        date(2026, 11, 10): 0.15,
        date(2026, 11, 12): 0.05,  # Wednesday 11 November is a holiday
    }


def test_at_the_delivery_site_the_window_comes_from_the_delivery_site_histogram() -> None:
    at_site = event(on(9, 6), Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE)
    estimate = MODEL.estimate(FACTS, tracking(HANDED_OVER, at_site), on(9, 7))
    # From hand-over it would be Saturday 7 to Monday 9, already gone; from the site it is
    # Monday 9 or Tuesday 10, and nearly sure.
    assert estimate == DeliveryEstimate(
        earliest=date(2026, 11, 9),
        latest=date(2026, 11, 10),
        p50=date(2026, 11, 9),
        p90=date(2026, 11, 9),
        source="model",
        confidence=1.0,
    )


def test_a_milestone_without_data_falls_back_to_an_earlier_one() -> None:
    at_hub = event(THURSDAY.replace(hour=23), Status.IN_TRANSIT, Substatus.AT_HUB)
    forecast = MODEL.forecast(FACTS, tracking(HANDED_OVER, at_hub), THURSDAY.replace(hour=23))
    assert forecast is not None
    assert forecast.milestone is M.HANDOVER


# The same deliveries, trusted on as few as 4 still possible.
SMALL = TransitModel(MODEL.histograms, min_samples=4, max_window_days=1)


def test_a_parcel_still_on_its_way_cannot_arrive_on_a_day_gone_by() -> None:
    # Tuesday 10 and not there: Saturday and Monday are past, 4 of the 20 parcels took longer.
    forecast = SMALL.forecast(FACTS, tracking(HANDED_OVER), on(10, 12))
    assert forecast is not None
    assert forecast.probabilities == {date(2026, 11, 10): 0.75, date(2026, 11, 12): 0.25}
    assert (forecast.estimate.earliest, forecast.estimate.latest) == (
        date(2026, 11, 10),
        date(2026, 11, 12),
    )


def test_on_a_day_off_the_next_business_day_is_the_first_possible() -> None:
    sunday = on(8, 12)
    forecast = SMALL.forecast(FACTS, tracking(HANDED_OVER), sunday)
    assert forecast is not None
    assert min(forecast.probabilities) == date(2026, 11, 9)
    assert sum(forecast.probabilities.values()) == pytest.approx(1.0)


def test_too_few_past_parcels_still_possible_give_no_forecast() -> None:
    assert MODEL.forecast(FACTS, tracking(HANDED_OVER), on(10, 12)) is None


def test_later_than_every_past_parcel_the_model_knows_nothing() -> None:
    assert SMALL.forecast(FACTS, tracking(HANDED_OVER), on(20)) is None
    promised = FACTS.model_copy(update={"promised_delivery_date": date(2026, 11, 9)})
    estimate = MODEL.estimate(promised, tracking(HANDED_OVER), on(20))
    assert estimate is not None
    assert estimate.source == "promise"


def test_out_for_delivery_is_today_with_the_slot_and_the_vans_record() -> None:
    slot = DeliveryEstimate(
        earliest=date(2026, 11, 9),
        latest=date(2026, 11, 9),
        start_time=time(10),
        end_time=time(12),
        source="carrier",
    )
    on_van = event(on(9, 8), Status.OUT_FOR_DELIVERY)
    estimate = MODEL.estimate(FACTS, tracking(HANDED_OVER, on_van, estimate=slot), on(9, 8))
    assert estimate == DeliveryEstimate(
        earliest=date(2026, 11, 9),
        latest=date(2026, 11, 9),
        p50=date(2026, 11, 9),
        p90=date(2026, 11, 9),
        start_time=time(10),
        end_time=time(12),
        source="carrier",
        confidence=0.95,  # 19 of 20 vans delivered the day they left
    )


def test_delivered_states_no_chance() -> None:
    delivered = event(on(9, 11), Status.DELIVERED, Substatus.TO_RECIPIENT)
    estimate = MODEL.estimate(FACTS, tracking(HANDED_OVER, delivered), on(12))
    assert estimate is not None
    assert (estimate.earliest, estimate.confidence) == (date(2026, 11, 9), None)


def test_the_stated_confidence_leaves_each_parcel_out_of_the_choice() -> None:
    # 11 parcels on day 1 and 9 on day 2: day 1 holds 55 %. Left out of the choice, a day-1
    # parcel still finds day 1 chosen (10 against 9), but a day-2 parcel would too: 55 %.
    # With 10 and 10, leaving out a parcel of either day makes the other day win: 0 %.
    uneven = TransitModel.learn(seen(M.HANDOVER, [1] * 11 + [2] * 9), max_window_days=0)
    even = TransitModel.learn(seen(M.HANDOVER, [1] * 10 + [2] * 10), max_window_days=0)
    assert _confidence(_alone(uneven)) == 0.55
    assert _confidence(_alone(even)) == 0.0


def test_a_small_groups_confidence_is_drawn_towards_the_coarser_groups_view() -> None:
    # The route: 14 of 20 parcels on day 1. The carrier's other routes mostly take 2 days.
    route = seen(M.HANDOVER, [1] * 14 + [2] * 6)
    elsewhere = [TransitObservation(*ROUTE[:3], "13", M.HANDOVER, n) for n in [1] * 4 + [2] * 16]
    model = TransitModel.learn(route + elsewhere, max_window_days=0)
    # Left alone the route states 0.7; the service as a whole puts 18 of 40 on day 1 (0.45),
    # worth 20 deliveries against the route's 20: (20 × 0.7 + 20 × 0.45) / 40.
    assert _confidence(_alone(model)) == 0.7
    assert _confidence(model) == 0.575


def _alone(model: TransitModel) -> TransitModel:
    return TransitModel(model.histograms, max_window_days=0, prior_deliveries=0)


def _confidence(model: TransitModel) -> float | None:
    forecast = model.forecast(FACTS, tracking(HANDED_OVER), THURSDAY)
    assert forecast is not None
    return forecast.estimate.confidence


NOW_WEEK = 2915


def weekly(
    week: int, days: int, deliveries: int, milestone: str = "handover"
) -> tuple[str, str, str, str, str, int, int, int]:
    return (*ROUTE, milestone, week, days, deliveries)


def test_a_recent_slowdown_moves_the_window() -> None:
    # Twenty weeks of 2-day transits, then three weeks of 4-day transits (a peak).
    rows = [weekly(NOW_WEEK - age, 2, 10) for age in range(3, 23)]
    rows += [weekly(NOW_WEEK - age, 4, 10) for age in range(3)]
    flat = TransitModel.from_weekly_counts(
        rows, now_week=NOW_WEEK, half_life_weeks=1000, max_window_days=0
    )
    recent = TransitModel.from_weekly_counts(
        rows, now_week=NOW_WEEK, half_life_weeks=2, max_window_days=0
    )
    kept = flat.transit(*ROUTE)
    followed = recent.transit(*ROUTE)
    assert kept is not None
    assert followed is not None
    assert (kept.earliest, kept.latest) == (2, 2)
    assert (followed.earliest, followed.latest) == (4, 4)


def test_weekly_counts_older_than_the_horizon_are_left_out() -> None:
    rows = [weekly(NOW_WEEK - 30, 5, 100), weekly(NOW_WEEK - 1, 2, 20)]
    model = TransitModel.from_weekly_counts(rows, now_week=NOW_WEEK, horizon_weeks=26)
    assert model.transit(*ROUTE) == TransitStats(20, 2, 2, 2, 2)


def test_weekly_counts_fill_the_fallback_groups() -> None:
    rows = [weekly(NOW_WEEK, 1, 15), (*ROUTE[:3], "13", "handover", NOW_WEEK, 3, 15)]
    model = TransitModel.from_weekly_counts(rows, now_week=NOW_WEEK, max_window_days=1)
    # Neither route has 20 deliveries; together, the carrier's service has 30.
    assert model.transit(*ROUTE) == TransitStats(30, 1, 3, 1, 1)


def test_weekly_counts_per_milestone() -> None:
    rows = [weekly(NOW_WEEK, 3, 20), weekly(NOW_WEEK, 0, 20, "delivery_site")]
    model = TransitModel.from_weekly_counts(rows, now_week=NOW_WEEK)
    hand_over = model.transit(*ROUTE)
    at_site = model.transit(*ROUTE, milestone=M.DELIVERY_SITE)
    assert hand_over is not None
    assert at_site is not None
    assert (hand_over.p50, at_site.p50) == (3, 0)


def test_recency_weights_count_as_fewer_deliveries() -> None:
    # 20 deliveries, half of them 8 half-lives old: the evidence of about 11, not enough.
    rows = [weekly(NOW_WEEK, 2, 10), weekly(NOW_WEEK - 8, 2, 10)]
    model = TransitModel.from_weekly_counts(rows, now_week=NOW_WEEK, half_life_weeks=1)
    assert model.transit(*ROUTE) is None


def test_weekly_learning_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="half_life"):
        TransitModel.from_weekly_counts([], now_week=NOW_WEEK, half_life_weeks=0)
    with pytest.raises(ValueError, match="horizon"):
        TransitModel.from_weekly_counts([], now_week=NOW_WEEK, horizon_weeks=0)
