"""Delivery estimates: regions, learned windows, arrivals, fallbacks and milestone overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from suivi import (
    BusinessCalendar,
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
    region_of,
    transit_observations,
)
from suivi.toolkit import PARIS

MONDAY = datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)
COLISSIMO = BusinessCalendar.for_carrier("colissimo")


def shipment(**fields: object) -> ShipmentFacts:
    base: dict[str, object] = {
        "carrier": "colissimo",
        "service": "expert",
        "ordered_at": datetime(2026, 11, 5, 10, 0, tzinfo=PARIS),
        "origin_postcode": "69007",
        "destination_postcode": "75011",
    }
    return ShipmentFacts.model_validate(base | fields)


def event(at: datetime, status: Status, substatus: Substatus | None = None) -> TrackingEvent:
    return TrackingEvent(timestamp=at, status=status, substatus=substatus, code="C", label="l")


def tracking(*events: TrackingEvent, **fields: object) -> Tracking:
    return Tracking.from_events(
        "colissimo", "6A1", events, status_without_events=Status.PENDING, **fields
    )


def samples(days: list[int], **route: str) -> list[TransitObservation]:
    where = {
        "carrier": "colissimo",
        "service": "expert",
        "origin_region": "69",
        "dest_region": "75",
    }
    where |= route
    return [
        TransitObservation(
            where["carrier"],
            where["service"],
            where["origin_region"],
            where["dest_region"],
            Milestone.HANDOVER,
            n,
        )
        for n in days
    ]


TWENTY = [1] * 5 + [2] * 10 + [3] * 3 + [5] * 2
IN_TRANSIT = tracking(event(MONDAY, Status.IN_TRANSIT, Substatus.PICKED_UP))


@pytest.mark.parametrize(
    ("country", "postcode", "region"),
    [
        ("FR", "75011", "75"),
        ("fr", "75 011", "75"),
        ("FR", "20000", "2A"),
        ("FR", "20167", "2A"),
        ("FR", "20200", "2B"),
        ("FR", "20600", "2B"),
        ("FR", "97400", "974"),
        ("FR", "97133", "971"),
        ("FR", None, "FR"),
        ("FR", "7501", "FR"),
        ("BE", "1000", "BE"),
        (None, "33000", "33"),
    ],
)
def test_region_is_the_french_department_or_the_country(
    country: str | None, postcode: str | None, region: str
) -> None:
    assert region_of(country, postcode) == region


def test_model_learns_nearest_rank_quantiles_and_a_window() -> None:
    model = TransitModel.learn(samples(TWENTY))
    assert model.transit("colissimo", "expert", "69", "75") == TransitStats(20, 2, 3, 1, 3)


def test_the_window_is_the_densest_run_not_the_median_onwards() -> None:
    # UPS-like spread: p50 = 2, so a window anchored on the median would be J+2..J+3 (51 %).
    model = TransitModel.learn(samples([1] * 45 + [2] * 38 + [3] * 13 + [4] * 4), max_window_days=1)
    assert model.transit("colissimo", "expert", "69", "75") == TransitStats(100, 2, 3, 1, 2)


def test_the_window_is_not_capped_at_p90() -> None:
    # Chronopost-like spread: p90 = 1, yet four days are allowed and cover every delivery.
    model = TransitModel.learn(samples([1] * 93 + [2] * 5 + [3] * 2), max_window_days=3)
    assert model.transit("colissimo", "expert", "69", "75") == TransitStats(100, 1, 1, 1, 3)


def test_a_tie_goes_to_the_earlier_window() -> None:
    model = TransitModel.learn(samples([1] * 10 + [3] * 10), max_window_days=1)
    stats = model.transit("colissimo", "expert", "69", "75")
    assert stats is not None
    assert (stats.earliest, stats.latest) == (1, 1)


def test_the_window_ends_on_days_parcels_actually_took() -> None:
    model = TransitModel.learn(samples([2] * 20), max_window_days=3)
    stats = model.transit("colissimo", "expert", "69", "75")
    assert stats is not None
    assert (stats.earliest, stats.latest) == (2, 2)


def test_learning_from_histograms_equals_learning_from_samples() -> None:
    key = ("colissimo", "expert", "69", "75")
    counted = TransitModel.from_histograms({key: {1: 5, 2: 10, 3: 3, 5: 2, 7: 0}})
    assert counted.transit(*key) == TransitModel.learn(samples(TWENTY)).transit(*key)


def test_a_small_route_falls_back_to_the_carrier_and_service() -> None:
    learned = samples([4] * 5, origin_region="13") + samples([1] * 20, dest_region="33")
    model = TransitModel.learn(learned)
    assert model.transit("colissimo", "expert", "13", "75") == TransitStats(25, 1, 4, 1, 4)


def test_an_unknown_service_falls_back_to_the_carrier() -> None:
    model = TransitModel.learn(samples(TWENTY))
    assert model.transit("colissimo", "access", "69", "75") == TransitStats(20, 2, 3, 1, 3)


def test_too_few_samples_everywhere_gives_no_transit() -> None:
    model = TransitModel.learn(samples([2] * 19))
    assert model.transit("colissimo", "expert", "69", "75") is None
    assert TransitModel.learn(samples([2] * 19), min_samples=19).transit(
        "colissimo", None, "69", "75"
    )


def test_learning_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="max_window_days"):
        TransitModel.learn([], max_window_days=-1)
    with pytest.raises(ValueError, match="min_samples"):
        TransitModel.learn([], min_samples=0)


def test_model_estimate_counts_business_days_from_the_first_scan_across_a_holiday() -> None:
    estimate = TransitModel.learn(samples(TWENTY)).estimate(shipment(), IN_TRANSIT, MONDAY)
    assert estimate == DeliveryEstimate(
        earliest=date(2026, 11, 10),
        latest=date(2026, 11, 13),
        p50=date(2026, 11, 12),  # Wednesday 11 November is a holiday
        p90=date(2026, 11, 13),
        source="model",
        confidence=0.9,  # 18 of 20 inside, whichever delivery is left out of the choice
    )


def test_window_is_capped_and_keeps_the_median_inside() -> None:
    spread = [1] * 5 + [2] * 6 + [3] * 4 + [9] * 5
    model = TransitModel.learn(samples(spread), max_window_days=1)
    estimate = model.estimate(shipment(), IN_TRANSIT, MONDAY)
    assert estimate is not None
    assert estimate.p50 is not None
    assert estimate.p90 is not None
    assert COLISSIMO.business_days_between(estimate.earliest, estimate.latest) == 1
    assert estimate.earliest <= estimate.p50 <= estimate.latest < estimate.p90


def test_a_window_over_a_weekend_spans_two_business_days() -> None:
    thursday = datetime(2026, 11, 19, 18, 0, tzinfo=PARIS)
    parcel = tracking(event(thursday, Status.IN_TRANSIT, Substatus.PICKED_UP))
    dpd = shipment(carrier="dpd", service="predict")
    model = TransitModel.learn(
        samples([1] * 10 + [2] * 10, carrier="dpd", service="predict"), max_window_days=1
    )
    estimate = model.estimate(dpd, parcel, thursday)
    assert estimate is not None
    # DPD does not deliver on Saturdays: Friday 20, then Monday 23.
    assert (estimate.earliest, estimate.latest) == (date(2026, 11, 20), date(2026, 11, 23))


def test_before_handover_the_model_starts_from_the_promised_ship_date() -> None:
    model = TransitModel.learn(samples([2] * 20))
    facts = shipment(promised_ship_date=date(2026, 11, 16))
    estimate = model.estimate(facts, tracking(), MONDAY)
    assert estimate is not None
    assert estimate.p50 == date(2026, 11, 18)


def test_before_handover_on_a_day_off_the_count_starts_on_the_next_business_day() -> None:
    sunday = datetime(2026, 11, 15, 10, 0, tzinfo=PARIS)
    estimate = TransitModel.learn(samples([2] * 20)).estimate(shipment(), tracking(), sunday)
    assert estimate is not None
    assert estimate.p50 == date(2026, 11, 18)  # handed over Monday 16, two days later


def test_model_wins_over_the_carrier_when_it_has_enough_data() -> None:
    carrier = DeliveryEstimate(
        earliest=date(2026, 11, 20), latest=date(2026, 11, 20), source="carrier"
    )
    parcel = tracking(event(MONDAY, Status.IN_TRANSIT), estimate=carrier)
    estimate = TransitModel.learn(samples(TWENTY)).estimate(shipment(), parcel, MONDAY)
    assert estimate is not None
    assert estimate.source == "model"


def test_carrier_estimate_is_used_when_the_model_lacks_data() -> None:
    carrier = DeliveryEstimate(
        earliest=date(2026, 11, 12), latest=date(2026, 11, 13), source="carrier"
    )
    parcel = tracking(event(MONDAY, Status.IN_TRANSIT), estimate=carrier)
    facts = shipment(promised_delivery_date=date(2026, 11, 14))
    assert TransitModel().estimate(facts, parcel, MONDAY) == carrier


def test_the_merchant_promise_is_the_last_resort() -> None:
    facts = shipment(promised_delivery_date=date(2026, 11, 14))
    estimate = TransitModel().estimate(facts, IN_TRANSIT, MONDAY)
    assert estimate == DeliveryEstimate(
        earliest=date(2026, 11, 14), latest=date(2026, 11, 14), source="promise"
    )


def test_no_source_gives_no_estimate() -> None:
    assert TransitModel().estimate(shipment(), IN_TRANSIT, MONDAY) is None


def test_out_for_delivery_means_today_in_the_shoppers_zone() -> None:
    late_evening_utc = datetime(2026, 11, 12, 23, 30, tzinfo=UTC)  # already Friday 13 in Paris
    parcel = tracking(
        event(MONDAY, Status.IN_TRANSIT), event(late_evening_utc, Status.OUT_FOR_DELIVERY)
    )
    estimate = TransitModel.learn(samples(TWENTY)).estimate(shipment(), parcel, late_evening_utc)
    friday = date(2026, 11, 13)
    assert estimate == DeliveryEstimate(
        earliest=friday, latest=friday, p50=friday, p90=friday, source="carrier"
    )


def test_out_for_delivery_keeps_the_carriers_time_slot_for_today() -> None:
    slot = DeliveryEstimate(
        earliest=MONDAY.date(),
        latest=MONDAY.date(),
        start_time=time(10),
        end_time=time(12),
        source="carrier",
    )
    parcel = tracking(event(MONDAY, Status.OUT_FOR_DELIVERY), estimate=slot)
    estimate = TransitModel().estimate(shipment(), parcel, MONDAY)
    assert estimate is not None
    assert (estimate.start_time, estimate.end_time) == (time(10), time(12))


def test_delivered_means_the_delivery_day() -> None:
    delivered = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)  # Wednesday 11 in Paris
    parcel = tracking(event(MONDAY, Status.IN_TRANSIT), event(delivered, Status.DELIVERED))
    estimate = TransitModel().estimate(shipment(), parcel, datetime(2026, 11, 20, tzinfo=UTC))
    assert estimate is not None
    assert (estimate.earliest, estimate.latest, estimate.source) == (
        date(2026, 11, 11),
        date(2026, 11, 11),
        "carrier",
    )


PICKED_UP_FRIDAY = event(datetime(2026, 11, 6, 19, 0, tzinfo=PARIS), Status.IN_TRANSIT)
AT_POINT_TUESDAY = event(
    datetime(2026, 11, 10, 9, 0, tzinfo=PARIS), Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT
)
COLLECTED_FRIDAY = event(
    datetime(2026, 11, 13, 17, 0, tzinfo=PARIS),
    Status.DELIVERED,
    Substatus.COLLECTED_AT_PICKUP_POINT,
)


@pytest.mark.parametrize(
    "events",
    [(PICKED_UP_FRIDAY, AT_POINT_TUESDAY), (PICKED_UP_FRIDAY, AT_POINT_TUESDAY, COLLECTED_FRIDAY)],
)
def test_at_the_pickup_point_the_estimate_is_the_arrival_day(events: tuple[TrackingEvent]) -> None:
    later = datetime(2026, 11, 20, tzinfo=UTC)
    estimate = TransitModel.learn(samples(TWENTY)).estimate(shipment(), tracking(*events), later)
    assert estimate is not None
    assert (estimate.earliest, estimate.latest) == (date(2026, 11, 10), date(2026, 11, 10))


def test_an_observation_falls_back_on_the_carriers_service_and_postcode() -> None:
    parcel = tracking(
        PICKED_UP_FRIDAY,
        event(datetime(2026, 11, 10, 23, 30, tzinfo=UTC), Status.DELIVERED),  # 11th in Paris
        service="expert",
        destination_postcode="13008",
    )
    facts = shipment(service=None, destination_postcode=None)
    # Saturday 7, Monday 9, Tuesday 10; the arrival on Wednesday 11, a holiday, adds none.
    assert transit_observations(facts, parcel) == [
        TransitObservation("colissimo", "expert", "69", "13", Milestone.HANDOVER, 3)
    ]


def test_a_delivered_tracking_counts_business_days_from_hand_over() -> None:
    parcel = tracking(
        PICKED_UP_FRIDAY, event(datetime(2026, 11, 12, 11, 0, tzinfo=PARIS), Status.DELIVERED)
    )
    # Saturday 7, Monday 9, Tuesday 10, Thursday 12: Sunday and 11 November do not count.
    assert transit_observations(shipment(), parcel) == [
        TransitObservation("colissimo", "expert", "69", "75", Milestone.HANDOVER, 4)
    ]
