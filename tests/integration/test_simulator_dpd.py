"""DPD through the simulator over real HTTP: every story step by step, and every failure mode."""

from __future__ import annotations

from datetime import timedelta

import pytest

from suivi import Status, Substatus, errors
from suivi_server.simulator.scenario import STORIES, Failure, FailureKind, Milestone
from tests.carrier_helpers import (
    RETURN_IN_STORY,
    FakeTime,
    add_story_parcel,
    simulator_tracker,
    walk_story,
)
from tests.conftest import SIM_START, RunningSimulator

pytestmark = pytest.mark.anyio

M = Milestone
S = Status
X = Substatus
NUMBER = "25007500001234"

# What each milestone must read as once it went through DPD France's StatusNumbers and back.
EXPECTED: dict[Milestone, tuple[Status, Substatus | None]] = {
    M.LABEL_CREATED: (S.INFO_RECEIVED, X.LABEL_CREATED),
    M.PICKED_UP: (S.IN_TRANSIT, X.PICKED_UP),
    M.AT_HUB: (S.IN_TRANSIT, X.AT_HUB),
    M.DEPARTED: (S.IN_TRANSIT, X.DEPARTED),
    M.ARRIVED_AT_DELIVERY_SITE: (S.IN_TRANSIT, X.ARRIVED_AT_DELIVERY_SITE),
    M.CUSTOMS: (S.IN_TRANSIT, X.CUSTOMS),
    M.DELAYED: (S.IN_TRANSIT, X.DELAYED),
    M.OUT_FOR_DELIVERY: (S.OUT_FOR_DELIVERY, None),
    M.ATTEMPT_FAILED: (S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),
    M.TO_PICKUP_POINT: (S.IN_TRANSIT, X.TO_PICKUP_POINT),
    M.AVAILABLE_FOR_PICKUP: (S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    M.COLLECTED: (S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),
    M.DELIVERED: (S.DELIVERED, X.TO_RECIPIENT),
    M.DELIVERED_TO_NEIGHBOUR: (S.DELIVERED, X.TO_RECIPIENT),  # DPD France has no neighbour code
    M.ADDRESS_PROBLEM: (S.EXCEPTION, X.ADDRESS_PROBLEM),
    M.DAMAGED: (S.EXCEPTION, X.DAMAGED),
    M.REFUSED: (S.EXCEPTION, X.REFUSED),
    M.RETURNING: (S.RETURNING, None),
    M.RETURNED: (S.RETURNED, None),
}


def add_parcel(simulator: RunningSimulator, story: str = "delivered") -> None:
    add_story_parcel(simulator, "dpd", NUMBER, story)


@pytest.mark.parametrize("story", sorted(STORIES))
async def test_story_reads_as_its_milestones_step_by_step(
    simulator: RunningSimulator, story: str
) -> None:
    add_parcel(simulator, story)
    async with simulator_tracker(simulator, "dpd") as client:
        simulator.sim.clock.set(SIM_START - timedelta(minutes=1))
        with pytest.raises(errors.ShipmentNotFound):
            await client.track("dpd", NUMBER)
        async for _, hours, milestone, tracking in walk_story(
            simulator, client, "dpd", NUMBER, story
        ):
            expected = RETURN_IN_STORY.get((story, milestone), EXPECTED[milestone])
            assert (tracking.status, tracking.substatus) == expected, (hours, milestone)
            assert tracking.estimate is not None
            assert tracking.estimate.source == "carrier"


async def test_relay_story_names_the_pickup_point_and_the_signer(
    simulator: RunningSimulator,
) -> None:
    add_parcel(simulator, "pickup_point")
    simulator.sim.clock.set(SIM_START + timedelta(hours=90))
    async with simulator_tracker(simulator, "dpd") as client:
        tracking = await client.track("dpd", NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.name == "TABAC LE BALTO"
    assert tracking.signed_by == "DUPONT"
    assert tracking.events[0].timestamp == SIM_START + timedelta(hours=80)
    assert tracking.destination_postcode == "75011"


async def test_server_errors_then_success(simulator: RunningSimulator) -> None:
    add_parcel(simulator)
    simulator.sim.add_failure(Failure("dpd", FailureKind.SERVER_ERROR, count=2))
    time = FakeTime()
    async with simulator_tracker(simulator, "dpd", time) as client:
        tracking = await client.track("dpd", NUMBER)
    assert tracking.status is Status.INFO_RECEIVED
    assert simulator.sim.requests["dpd"] == 3
    assert len(time.waits) == 2


async def test_rate_limit_honours_retry_after(simulator: RunningSimulator) -> None:
    add_parcel(simulator)
    simulator.sim.add_failure(Failure("dpd", FailureKind.RATE_LIMIT, seconds=5))
    time = FakeTime()
    async with simulator_tracker(simulator, "dpd", time) as client:
        await client.track("dpd", NUMBER)
    assert time.waits == [5.0]


async def test_timeouts_end_as_unavailable_after_every_attempt(
    simulator: RunningSimulator,
) -> None:
    add_parcel(simulator)
    simulator.sim.add_failure(Failure("dpd", FailureKind.TIMEOUT, count=3, seconds=1.0))
    async with simulator_tracker(simulator, "dpd", timeout=0.3) as client:
        with pytest.raises(errors.CarrierUnavailable, match="timed out"):
            await client.track("dpd", NUMBER)
    assert simulator.sim.requests["dpd"] == 3


async def test_malformed_body_is_an_invalid_response(simulator: RunningSimulator) -> None:
    add_parcel(simulator)
    simulator.sim.add_failure(Failure("dpd", FailureKind.MALFORMED))
    async with simulator_tracker(simulator, "dpd") as client:
        with pytest.raises(errors.CarrierResponseInvalid):
            await client.track("dpd", NUMBER)


@pytest.mark.parametrize(("field", "value"), [("password", "wrong"), ("user_id", "SOMEONE")])
async def test_bad_credentials_are_an_auth_error_not_retried(
    simulator: RunningSimulator, field: str, value: str
) -> None:
    add_parcel(simulator)
    async with simulator_tracker(simulator, "dpd", None, **{field: value}) as client:
        with pytest.raises(errors.CarrierAuthError, match="ip-Address"):
            await client.track("dpd", NUMBER)
    assert simulator.sim.requests["dpd"] == 1


async def test_refused_access_mode_is_an_auth_error(simulator: RunningSimulator) -> None:
    add_parcel(simulator)
    simulator.sim.add_failure(Failure("dpd", FailureKind.EXPIRED_TOKEN))
    async with simulator_tracker(simulator, "dpd") as client:
        with pytest.raises(errors.CarrierAuthError):
            await client.track("dpd", NUMBER)


async def test_unknown_number_is_shipment_not_found(simulator: RunningSimulator) -> None:
    async with simulator_tracker(simulator, "dpd") as client:
        with pytest.raises(errors.ShipmentNotFound):
            await client.track("dpd", "25009900000000")
    assert simulator.sim.requests["dpd"] == 1
