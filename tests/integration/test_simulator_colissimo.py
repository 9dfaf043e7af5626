"""Colissimo adapter against the simulator's Suivi v2 endpoint, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from suivi import Status, Substatus, errors
from suivi_server.simulator import STORIES, Failure, FailureKind, Milestone, Parcel
from tests.carrier_helpers import (
    RETURN_IN_STORY,
    FakeTime,
    add_story_parcel,
    simulator_tracker,
    walk_story,
)
from tests.conftest import SIM_START, RunningSimulator

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

M = Milestone
S = Status
Sub = Substatus

# What each milestone must read as through the adapter (ET1 is all Suivi v2 says on the way
# to a pickup point; a refusal is followed by the return, so it reads as returning/refused).
EXPECTED: dict[Milestone, tuple[Status, Substatus | None]] = {
    M.LABEL_CREATED: (S.INFO_RECEIVED, Sub.LABEL_CREATED),
    M.PICKED_UP: (S.IN_TRANSIT, Sub.PICKED_UP),
    M.AT_HUB: (S.IN_TRANSIT, Sub.AT_HUB),
    M.DEPARTED: (S.IN_TRANSIT, Sub.AT_HUB),
    M.ARRIVED_AT_DELIVERY_SITE: (S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),
    M.CUSTOMS: (S.IN_TRANSIT, Sub.CUSTOMS),
    M.DELAYED: (S.IN_TRANSIT, Sub.DELAYED),
    M.OUT_FOR_DELIVERY: (S.OUT_FOR_DELIVERY, None),
    M.ATTEMPT_FAILED: (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    M.TO_PICKUP_POINT: (S.IN_TRANSIT, Sub.AT_HUB),
    M.AVAILABLE_FOR_PICKUP: (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    M.COLLECTED: (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    M.DELIVERED: (S.DELIVERED, Sub.TO_RECIPIENT),
    M.DELIVERED_TO_NEIGHBOUR: (S.DELIVERED, Sub.TO_NEIGHBOUR),
    M.ADDRESS_PROBLEM: (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    M.DAMAGED: (S.EXCEPTION, Sub.DAMAGED),
    M.REFUSED: (S.RETURNING, Sub.REFUSED),
    M.RETURNING: (S.RETURNING, None),
    M.RETURNED: (S.RETURNED, None),
}
NUMBER = "6A26011122233"
KEY = "sim-okapi-key"


def add_parcel(simulator: RunningSimulator, story: str, number: str = NUMBER) -> Parcel:
    return add_story_parcel(simulator, "colissimo", number, story)


@pytest.mark.parametrize("story", sorted(STORIES))
async def test_story_reads_as_each_milestone_means(simulator: RunningSimulator, story: str) -> None:
    add_parcel(simulator, story)
    async with simulator_tracker(simulator, "colissimo", FakeTime()) as client:
        async for _, _, milestone, tracking in walk_story(
            simulator, client, "colissimo", NUMBER, story
        ):
            expected = RETURN_IN_STORY.get((story, milestone), EXPECTED[milestone])
            assert (tracking.status, tracking.substatus) == expected, milestone
            assert tracking.events[0].timestamp.utcoffset() == timedelta(hours=1)


async def test_details_of_a_pickup_point_parcel(simulator: RunningSimulator) -> None:
    parcel = add_parcel(simulator, "pickup_point")
    simulator.sim.clock.set(SIM_START + timedelta(hours=39))
    async with simulator_tracker(simulator, "colissimo", FakeTime()) as client:
        tracking = await client.track("colissimo", NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.name == parcel.pickup_point["name"]
    assert tracking.estimate is not None
    assert tracking.estimate.earliest == parcel.estimated_delivery()
    assert [e.code for e in tracking.events] == ["AG1", "ET1", "EP1", "ET1", "PC1", "DR1"]


async def test_before_the_first_scan_the_number_is_not_found(
    simulator: RunningSimulator,
) -> None:
    add_parcel(simulator, "delivered")
    simulator.sim.clock.set(SIM_START - timedelta(hours=1))
    async with simulator_tracker(simulator, "colissimo", FakeTime()) as client:
        with pytest.raises(errors.ShipmentNotFound):
            await client.track("colissimo", NUMBER)


async def test_batch_is_one_request_and_unknown_numbers_fail_alone(
    simulator: RunningSimulator,
) -> None:
    add_parcel(simulator, "delivered")
    add_parcel(simulator, "in_transit", "8R26004412337")
    simulator.sim.clock.set(SIM_START + timedelta(hours=40))
    numbers = [NUMBER, "6A26000000000", "8R26004412337"]
    async with simulator_tracker(simulator, "colissimo", FakeTime()) as client:
        results = await client.track_many([("colissimo", n) for n in numbers])
    assert simulator.sim.requests["colissimo"] == 1
    assert [r.tracking.status if r.tracking else None for r in results] == [
        Status.DELIVERED,
        None,
        Status.IN_TRANSIT,
    ]
    assert isinstance(results[1].error, errors.ShipmentNotFound)


async def test_server_errors_then_success(simulator: RunningSimulator) -> None:
    add_parcel(simulator, "delivered")
    simulator.sim.add_failure(Failure("colissimo", FailureKind.SERVER_ERROR, count=2))
    sleep = FakeTime()
    async with simulator_tracker(simulator, "colissimo", sleep) as client:
        tracking = await client.track("colissimo", NUMBER)
    assert tracking.status is Status.INFO_RECEIVED
    assert simulator.sim.requests["colissimo"] == 3
    assert len(sleep.waits) == 2


async def test_rate_limit_honours_retry_after(simulator: RunningSimulator) -> None:
    add_parcel(simulator, "delivered")
    simulator.sim.add_failure(Failure("colissimo", FailureKind.RATE_LIMIT, seconds=4))
    sleep = FakeTime()
    async with simulator_tracker(simulator, "colissimo", sleep) as client:
        await client.track("colissimo", NUMBER)
    assert sleep.waits == [4.0]


async def test_timeouts_give_carrier_unavailable(simulator: RunningSimulator) -> None:
    add_parcel(simulator, "delivered")
    simulator.sim.add_failure(Failure("colissimo", FailureKind.TIMEOUT, count=3, seconds=1.0))
    async with simulator_tracker(simulator, "colissimo", FakeTime(), timeout=0.3) as client:
        with pytest.raises(errors.CarrierUnavailable):
            await client.track("colissimo", NUMBER)
    assert simulator.sim.requests["colissimo"] == 3


async def test_malformed_body_is_an_invalid_response(simulator: RunningSimulator) -> None:
    add_parcel(simulator, "delivered")
    simulator.sim.add_failure(Failure("colissimo", FailureKind.MALFORMED))
    async with simulator_tracker(simulator, "colissimo", FakeTime()) as client:
        with pytest.raises(errors.CarrierResponseInvalid):
            await client.track("colissimo", NUMBER)


@pytest.mark.parametrize("failure", [None, FailureKind.EXPIRED_TOKEN])
async def test_refused_credentials_are_auth_errors(
    simulator: RunningSimulator, failure: FailureKind | None
) -> None:
    add_parcel(simulator, "delivered")
    key = KEY
    if failure is None:
        key = "wrong-key"
    else:
        simulator.sim.add_failure(Failure("colissimo", failure))
    async with simulator_tracker(simulator, "colissimo", FakeTime(), api_key=key) as client:
        with pytest.raises(errors.CarrierAuthError):
            await client.track("colissimo", NUMBER)


async def test_unknown_number_is_shipment_not_found(simulator: RunningSimulator) -> None:
    async with simulator_tracker(simulator, "colissimo", FakeTime()) as client:
        with pytest.raises(errors.ShipmentNotFound):
            await client.track("colissimo", "6A26000000000")
