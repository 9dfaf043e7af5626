"""Delivery estimates: regions, learned quantiles, fallbacks and milestone overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from suivi import (
    PARIS,
    BusinessCalendar,
    DeliveryEstimate,
    ShipmentFacts,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
    TransitModel,
    TransitSample,
    TransitStats,
    region_of,
)

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


def samples(days: list[int], **route: str) -> list[TransitSample]:
    where = {
        "carrier": "colissimo",
        "service": "expert",
        "origin_region": "69",
        "dest_region": "75",
    }
    where |= route
    return [
        TransitSample(
            where["carrier"], where["service"], where["origin_region"], where["dest_region"], n
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


def test_model_learns_nearest_rank_quantiles() -> None:
    model = TransitModel.learn(samples(TWENTY))
    assert model.transit("colissimo", "expert", "69", "75") == TransitStats(20, 1, 2, 3)


def test_a_small_route_falls_back_to_the_carrier_and_service() -> None:
    learned = samples([4] * 5, origin_region="13") + samples([1] * 20, dest_region="33")
    model = TransitModel.learn(learned)
    assert model.transit("colissimo", "expert", "13", "75") == TransitStats(25, 1, 1, 4)


def test_an_unknown_service_falls_back_to_the_carrier() -> None:
    model = TransitModel.learn(samples(TWENTY))
    assert model.transit("colissimo", "access", "69", "75") == TransitStats(20, 1, 2, 3)


def test_too_few_samples_everywhere_gives_no_transit() -> None:
    model = TransitModel.learn(samples([2] * 19))
    assert model.transit("colissimo", "expert", "69", "75") is None
    assert TransitModel.learn(samples([2] * 19), min_samples=19).transit(
        "colissimo", None, "69", "75"
    )


def test_learning_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="low_quantile"):
        TransitModel.learn([], low_quantile=0.9)


def test_model_estimate_counts_business_days_from_the_first_scan_across_a_holiday() -> None:
    estimate = TransitModel.learn(samples(TWENTY)).estimate(shipment(), IN_TRANSIT, MONDAY)
    assert estimate == DeliveryEstimate(
        earliest=date(2026, 11, 10),
        latest=date(2026, 11, 13),
        p50=date(2026, 11, 12),  # Wednesday 11 November is a holiday
        p90=date(2026, 11, 13),
        source="model",
    )


def test_window_is_capped_and_keeps_the_median_inside() -> None:
    spread = [1] * 5 + [2] * 10 + [9] * 5
    model = TransitModel.learn(samples(spread), max_window_days=2)
    estimate = model.estimate(shipment(), IN_TRANSIT, MONDAY)
    assert estimate is not None
    assert estimate.p50 is not None
    assert estimate.p90 is not None
    assert COLISSIMO.business_days_between(estimate.earliest, estimate.latest) == 2
    assert estimate.earliest <= estimate.p50 <= estimate.latest < estimate.p90


def test_before_handover_the_model_starts_from_the_promised_ship_date() -> None:
    model = TransitModel.learn(samples([2] * 20))
    facts = shipment(promised_ship_date=date(2026, 11, 16))
    estimate = model.estimate(facts, tracking(), MONDAY)
    assert estimate is not None
    assert estimate.p50 == date(2026, 11, 18)


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


def test_a_delivered_tracking_becomes_a_transit_sample() -> None:
    parcel = tracking(
        event(datetime(2026, 11, 6, 19, 0, tzinfo=PARIS), Status.IN_TRANSIT),
        event(datetime(2026, 11, 12, 11, 0, tzinfo=PARIS), Status.DELIVERED),
    )
    sample = TransitSample.observe(shipment(), parcel)
    # Saturday 7, Monday 9, Tuesday 10, Thursday 12: Sunday and 11 November do not count.
    assert sample == TransitSample("colissimo", "expert", "69", "75", 4)


def test_an_undelivered_tracking_is_no_sample() -> None:
    assert TransitSample.observe(shipment(), IN_TRANSIT) is None
