"""Milestones: first time each step of the journey was reached, and one observation per step."""

from __future__ import annotations

from datetime import UTC, date, datetime

from suivi import (
    Milestone,
    ShipmentFacts,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
    TransitObservation,
    current_milestone,
    milestones_reached,
    transit_observations,
    week_of,
)
from suivi.toolkit import PARIS

M = Milestone


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=PARIS)


def event(
    moment: datetime, status: Status, substatus: Substatus | None = None, *, notice: bool = False
) -> TrackingEvent:
    return TrackingEvent(
        timestamp=moment,
        status=status,
        substatus=substatus,
        code="C",
        label="l",
        affects_status=not notice,
    )


def tracking(*events: TrackingEvent) -> Tracking:
    return Tracking.from_events("colissimo", "6A1", events, status_without_events=Status.PENDING)


LABEL = event(at(5, 8), Status.INFO_RECEIVED, Substatus.LABEL_CREATED)
PICKED_UP = event(at(5, 18), Status.IN_TRANSIT, Substatus.PICKED_UP)
AT_HUB = event(at(5, 23), Status.IN_TRANSIT, Substatus.AT_HUB)
AT_HUB_AGAIN = event(at(6, 4), Status.IN_TRANSIT, Substatus.AT_HUB)
AT_SITE = event(at(9, 6), Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE)
ON_VAN = event(at(9, 8), Status.OUT_FOR_DELIVERY)
ABSENT = event(at(9, 14), Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT)
ON_VAN_AGAIN = event(at(10, 8), Status.OUT_FOR_DELIVERY)
DELIVERED = event(at(10, 11), Status.DELIVERED, Substatus.TO_RECIPIENT)
JOURNEY = (LABEL, PICKED_UP, AT_HUB, AT_HUB_AGAIN, AT_SITE, ON_VAN, ABSENT, ON_VAN_AGAIN)


def test_each_milestone_is_reached_the_first_time_it_is_scanned() -> None:
    assert milestones_reached(tracking(*JOURNEY)) == {
        M.HANDOVER: PICKED_UP.timestamp,
        M.HUB: AT_HUB.timestamp,
        M.DELIVERY_SITE: AT_SITE.timestamp,
        M.OUT_FOR_DELIVERY: ON_VAN.timestamp,
    }


def test_nothing_is_reached_before_the_carrier_holds_the_parcel() -> None:
    assert milestones_reached(tracking(LABEL)) == {}
    assert current_milestone(tracking(LABEL)) is None


def test_a_generic_in_transit_scan_is_not_a_hub() -> None:
    elsewhere = event(at(6, 9), Status.IN_TRANSIT)
    departed = event(at(6, 10), Status.IN_TRANSIT, Substatus.DEPARTED)
    assert set(milestones_reached(tracking(PICKED_UP, elsewhere, departed))) == {M.HANDOVER}


def test_a_first_scan_at_a_hub_reaches_hand_over_and_hub_at_once() -> None:
    assert milestones_reached(tracking(LABEL, AT_HUB)) == {
        M.HANDOVER: AT_HUB.timestamp,
        M.HUB: AT_HUB.timestamp,
    }


def test_the_way_to_a_pickup_point_is_the_delivery_site() -> None:
    to_point = event(at(9, 6), Status.IN_TRANSIT, Substatus.TO_PICKUP_POINT)
    assert milestones_reached(tracking(PICKED_UP, to_point))[M.DELIVERY_SITE] == to_point.timestamp


def test_a_notice_reaches_nothing() -> None:
    sms = event(at(9, 7), Status.OUT_FOR_DELIVERY, notice=True)
    assert M.OUT_FOR_DELIVERY not in milestones_reached(tracking(PICKED_UP, sms))


def test_the_current_milestone_is_the_furthest_reached() -> None:
    assert current_milestone(tracking(PICKED_UP, AT_HUB)) == (M.HUB, AT_HUB.timestamp)
    # Out for delivery, then a failed attempt: still counted from the first time on the van.
    assert current_milestone(tracking(*JOURNEY)) == (M.OUT_FOR_DELIVERY, ON_VAN.timestamp)
    # A parcel sent on without a hub scan still reached the delivery site.
    assert current_milestone(tracking(PICKED_UP, AT_SITE)) == (M.DELIVERY_SITE, AT_SITE.timestamp)


FACTS = ShipmentFacts(
    carrier="colissimo",
    service="expert",
    ordered_at=at(4, 10),
    origin_postcode="69007",
    destination_postcode="75011",
)


def observed(milestone: Milestone, days: int) -> TransitObservation:
    return TransitObservation("colissimo", "expert", "69", "75", milestone, days)


def test_a_delivered_parcel_gives_one_observation_per_milestone_reached() -> None:
    # Thursday 5 → Tuesday 10: Friday 6, Saturday 7, Monday 9, Tuesday 10 (Colissimo works on
    # Saturdays); the van first left on Monday 9, the parcel came on Tuesday.
    assert transit_observations(FACTS, tracking(*JOURNEY, DELIVERED)) == [
        observed(M.HANDOVER, 4),
        observed(M.HUB, 4),
        observed(M.DELIVERY_SITE, 1),
        observed(M.OUT_FOR_DELIVERY, 1),
    ]


def test_days_are_counted_on_the_shoppers_local_days() -> None:
    late = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)  # Tuesday 10 in Paris
    delivered = event(late, Status.DELIVERED, Substatus.TO_RECIPIENT)
    on_van = event(datetime(2026, 11, 9, 22, 0, tzinfo=UTC), Status.OUT_FOR_DELIVERY)
    observations = transit_observations(FACTS, tracking(PICKED_UP, on_van, delivered))
    assert observations == [observed(M.HANDOVER, 4), observed(M.OUT_FOR_DELIVERY, 1)]


def test_a_pickup_point_parcel_is_observed_until_it_is_available() -> None:
    to_point = event(at(9, 6), Status.IN_TRANSIT, Substatus.TO_PICKUP_POINT)
    available = event(at(9, 10), Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT)
    collected = event(at(13, 17), Status.DELIVERED, Substatus.COLLECTED_AT_PICKUP_POINT)
    observations = transit_observations(FACTS, tracking(PICKED_UP, to_point, available, collected))
    assert observations == [observed(M.HANDOVER, 3), observed(M.DELIVERY_SITE, 0)]


def test_a_parcel_not_delivered_yet_gives_no_observation() -> None:
    assert transit_observations(FACTS, tracking(*JOURNEY)) == []


def test_weeks_count_from_a_monday() -> None:
    assert week_of(date(1970, 1, 5)) == 0
    assert week_of(date(1970, 1, 11)) == 0
    assert week_of(date(1970, 1, 12)) == 1
    assert week_of(date(1970, 1, 4)) == -1
    monday = date(2026, 11, 9)
    assert week_of(monday) == week_of(date(2026, 11, 15)) == week_of(date(2026, 11, 8)) + 1


def test_a_parcel_reaching_the_site_after_the_rounds_left_counts_from_the_next_day() -> None:
    # Monday 9 at 20:00: the vans left that morning, so its remaining time starts on Tuesday.
    evening = event(at(9, 20), Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE)
    delivered = event(at(10, 11), Status.DELIVERED, Substatus.TO_RECIPIENT)
    dawn = event(at(10, 5), Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE)
    assert transit_observations(FACTS, tracking(PICKED_UP, evening, delivered))[-1] == observed(
        M.DELIVERY_SITE, 0
    )
    assert transit_observations(FACTS, tracking(PICKED_UP, dawn, delivered))[-1] == observed(
        M.DELIVERY_SITE, 0
    )


def test_a_site_scan_after_the_cutoff_delivered_the_same_day_counts_no_day() -> None:
    afternoon = event(at(9, 13), Status.IN_TRANSIT, Substatus.ARRIVED_AT_DELIVERY_SITE)
    delivered = event(at(9, 17), Status.DELIVERED, Substatus.TO_RECIPIENT)
    assert transit_observations(FACTS, tracking(PICKED_UP, afternoon, delivered))[-1] == observed(
        M.DELIVERY_SITE, 0
    )
