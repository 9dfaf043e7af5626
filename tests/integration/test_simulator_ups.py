"""UPS through the simulator over real HTTP: every story, OAuth renewal and failure modes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from suivi import Status, Substatus, errors
from suivi._checkdigits import is_valid_ups
from suivi_server.simulator.scenario import STORIES, Failure, FailureKind, Milestone
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

# What each milestone means once rendered in UPS codes and read back by the adapter.
EXPECTED: dict[Milestone, tuple[Status, Substatus | None]] = {
    M.LABEL_CREATED: (S.INFO_RECEIVED, Sub.LABEL_CREATED),
    M.PICKED_UP: (S.IN_TRANSIT, Sub.PICKED_UP),
    M.AT_HUB: (S.IN_TRANSIT, None),
    M.DEPARTED: (S.IN_TRANSIT, None),
    M.ARRIVED_AT_DELIVERY_SITE: (S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),
    M.CUSTOMS: (S.IN_TRANSIT, Sub.CUSTOMS),
    M.DELAYED: (S.IN_TRANSIT, Sub.DELAYED),
    M.OUT_FOR_DELIVERY: (S.OUT_FOR_DELIVERY, None),
    M.ATTEMPT_FAILED: (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    M.TO_PICKUP_POINT: (S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    M.AVAILABLE_FOR_PICKUP: (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    M.COLLECTED: (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    M.DELIVERED: (S.DELIVERED, Sub.TO_RECIPIENT),
    M.DELIVERED_TO_NEIGHBOUR: (S.DELIVERED, Sub.TO_NEIGHBOUR),
    M.ADDRESS_PROBLEM: (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    M.DAMAGED: (S.EXCEPTION, Sub.DAMAGED),
    M.REFUSED: (S.EXCEPTION, Sub.REFUSED),
    M.RETURNING: (S.RETURNING, None),
    M.RETURNED: (S.RETURNED, None),
}


def ups_number(serial: int) -> str:
    """A 1Z number with a correct check digit."""
    body = f"1Z999AA1{serial:09d}"
    return next(body + d for d in "0123456789" if is_valid_ups(body + d))


def add_parcel(simulator: RunningSimulator, story: str = "delivered", serial: int = 1) -> str:
    return add_story_parcel(simulator, "ups", ups_number(serial), story).number


@pytest.mark.parametrize("story", sorted(STORIES))
async def test_every_story_step_reads_back_as_its_milestone(
    simulator: RunningSimulator, story: str
) -> None:
    number = add_parcel(simulator, story)
    async with simulator_tracker(simulator, "ups") as tracker:
        async for _, hours, milestone, tracking in walk_story(
            simulator, tracker, "ups", number, story
        ):
            expected = RETURN_IN_STORY.get((story, milestone), EXPECTED[milestone])
            assert (tracking.status, tracking.substatus) == expected, (story, hours)
            assert tracking.events[0].timestamp.utcoffset() in (
                timedelta(hours=1),
                timedelta(hours=2),
            )
    assert tracking.events[-1].status is Status.INFO_RECEIVED


async def test_delivered_parcel_carries_signature_estimate_and_metadata(
    simulator: RunningSimulator,
) -> None:
    number = add_parcel(simulator, "delivered")
    async with simulator_tracker(simulator, "ups") as tracker:
        simulator.sim.clock.set(SIM_START + timedelta(hours=30))
        moving = await tracker.track("ups", number)
        simulator.sim.clock.set(SIM_START + timedelta(hours=40))
        delivered = await tracker.track("ups", number)
    assert moving.estimate is not None
    assert moving.estimate.earliest == (SIM_START + timedelta(hours=40)).date()
    assert moving.signed_by is None
    assert delivered.signed_by == "DUPONT"
    assert delivered.delivered_at == SIM_START + timedelta(hours=37)
    assert (delivered.destination_postcode, delivered.weight_kg) == ("75011", 1.2)
    assert delivered.service == "UPS Standard"


async def test_pickup_point_parcel_names_the_access_point_and_deadline(
    simulator: RunningSimulator,
) -> None:
    number = add_parcel(simulator, "pickup_point")
    simulator.sim.clock.set(SIM_START + timedelta(hours=39))
    async with simulator_tracker(simulator, "ups") as tracker:
        tracking = await tracker.track("ups", number)
    point = tracking.pickup_point
    assert point is not None
    assert (point.name, point.address, point.postcode) == (
        "TABAC LE BALTO",
        "12 RUE OBERKAMPF",
        "75011",
    )
    assert point.deadline == (SIM_START + timedelta(hours=38, days=7)).date()


async def test_expired_simulated_token_is_renewed_transparently(
    simulator: RunningSimulator,
) -> None:
    number = add_parcel(simulator, "in_transit")
    async with simulator_tracker(simulator, "ups") as tracker:
        await tracker.track("ups", number)
        simulator.sim.clock.advance(20 * 3600)  # far past the 14399 s token lifetime
        tracking = await tracker.track("ups", number)
        simulator.sim.add_failure(Failure("ups", FailureKind.EXPIRED_TOKEN))
        again = await tracker.track("ups", number)
    assert tracking.status is again.status is Status.IN_TRANSIT
    assert simulator.sim.requests["ups.oauth"] == 3
    assert simulator.sim.requests["ups"] == 5


async def test_server_errors_then_success(simulator: RunningSimulator) -> None:
    number = add_parcel(simulator)
    simulator.sim.add_failure(Failure("ups", FailureKind.SERVER_ERROR, count=2))
    time = FakeTime()
    async with simulator_tracker(simulator, "ups", time) as tracker:
        tracking = await tracker.track("ups", number)
    assert tracking.status is Status.INFO_RECEIVED
    assert simulator.sim.requests["ups"] == 3
    assert len(time.waits) == 2


async def test_rate_limit_honours_retry_after(simulator: RunningSimulator) -> None:
    number = add_parcel(simulator)
    simulator.sim.add_failure(Failure("ups", FailureKind.RATE_LIMIT, seconds=4))
    time = FakeTime()
    async with simulator_tracker(simulator, "ups", time) as tracker:
        await tracker.track("ups", number)
    assert time.waits == [4.0]


async def test_timeouts_give_carrier_unavailable_after_the_policy_attempts(
    simulator: RunningSimulator,
) -> None:
    number = add_parcel(simulator)
    simulator.sim.add_failure(Failure("ups", FailureKind.TIMEOUT, count=3, seconds=1.0))
    async with simulator_tracker(simulator, "ups", timeout=0.3) as tracker:
        with pytest.raises(errors.CarrierUnavailable, match="timed out"):
            await tracker.track("ups", number)
    assert simulator.sim.requests["ups"] == 3


async def test_malformed_body_is_an_invalid_response(simulator: RunningSimulator) -> None:
    number = add_parcel(simulator)
    simulator.sim.add_failure(Failure("ups", FailureKind.MALFORMED))
    async with simulator_tracker(simulator, "ups") as tracker:
        with pytest.raises(errors.CarrierResponseInvalid):
            await tracker.track("ups", number)


async def test_bad_credentials_are_an_auth_error(simulator: RunningSimulator) -> None:
    number = add_parcel(simulator)
    async with simulator_tracker(simulator, "ups", client_secret="wrong") as tracker:
        with pytest.raises(errors.CarrierAuthError, match="10401"):
            await tracker.track("ups", number)
    assert simulator.sim.requests["ups"] == 0


async def test_unknown_or_not_yet_labelled_numbers_are_not_found(
    simulator: RunningSimulator,
) -> None:
    number = add_parcel(simulator)
    simulator.sim.clock.set(SIM_START - timedelta(hours=1))
    async with simulator_tracker(simulator, "ups") as tracker:
        with pytest.raises(errors.ShipmentNotFound):
            await tracker.track("ups", ups_number(999))
        with pytest.raises(errors.ShipmentNotFound):
            await tracker.track("ups", number)


async def test_token_endpoint_outage_is_retried_separately_from_tracking(
    simulator: RunningSimulator,
) -> None:
    number = add_parcel(simulator)
    simulator.sim.add_failure(Failure("ups.oauth", FailureKind.SERVER_ERROR))
    time = FakeTime()
    async with simulator_tracker(simulator, "ups", time) as tracker:
        tracking = await tracker.track("ups", number)
    assert tracking.status is Status.INFO_RECEIVED
    assert (simulator.sim.requests["ups.oauth"], simulator.sim.requests["ups"]) == (2, 1)
    assert len(time.waits) == 1
