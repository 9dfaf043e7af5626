"""Mondial Relay through the simulator over real HTTP: every story, step by step, and failures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from suivi import Status, Substatus, errors
from suivi_adapters.mondial_relay.codes import PICKUP_DAYS
from suivi_server.simulator.scenario import STORIES, Failure, FailureKind, Milestone, Parcel
from tests.carrier_helpers import (
    RETURN_IN_STORY,
    FakeTime,
    add_story_parcel,
    simulator_tracker,
    walk_story,
)
from tests.conftest import SIM_START, RunningSimulator

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

CARRIER = "mondial_relay"
M, S, Sub = Milestone, Status, Substatus

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
    # Mondial Relay has no neighbour delivery label: the simulator sends a home delivery.
    M.DELIVERED_TO_NEIGHBOUR: (S.DELIVERED, Sub.TO_RECIPIENT),
    M.ADDRESS_PROBLEM: (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    M.DAMAGED: (S.EXCEPTION, Sub.DAMAGED),
    M.REFUSED: (S.EXCEPTION, Sub.REFUSED),
    M.RETURNING: (S.RETURNING, None),
    M.RETURNED: (S.RETURNED, None),
}


def add(running: RunningSimulator, number: str, story: str = "in_transit") -> Parcel:
    return add_story_parcel(running, CARRIER, number, story)


def test_every_milestone_has_an_expectation() -> None:
    assert set(EXPECTED) == set(Milestone)


@pytest.mark.parametrize("story", sorted(STORIES))
async def test_story_step_by_step(simulator: RunningSimulator, story: str) -> None:
    number = f"{40000000 + sorted(STORIES).index(story)}"
    add(simulator, number, story)
    async with simulator_tracker(simulator, CARRIER) as client:
        simulator.sim.clock.set(SIM_START - timedelta(hours=1))
        with pytest.raises(errors.ShipmentNotFound):
            await client.track(CARRIER, number)
        async for _, hours, milestone, tracking in walk_story(
            simulator, client, CARRIER, number, story, after=timedelta()
        ):
            expected = RETURN_IN_STORY.get((story, milestone), EXPECTED[milestone])
            assert (tracking.status, tracking.substatus) == expected, milestone
            assert tracking.events[0].timestamp == SIM_START + timedelta(hours=hours)


async def test_pickup_point_and_its_deadline(simulator: RunningSimulator) -> None:
    add(simulator, "40000100", "pickup_point")
    simulator.sim.clock.set(SIM_START + timedelta(hours=40))
    async with simulator_tracker(simulator, CARRIER) as client:
        tracking = await client.track(CARRIER, "40000100")
    assert tracking.status is Status.AVAILABLE_FOR_PICKUP
    point = tracking.pickup_point
    assert point is not None
    assert (point.identifier, point.name, point.country) == ("075123", "TABAC LE BALTO", "FR")
    available = SIM_START + timedelta(hours=38)
    assert point.deadline == available.date() + timedelta(days=PICKUP_DAYS)
    assert point.deadline == date(2026, 12, 8)


async def test_server_errors_then_success(simulator: RunningSimulator) -> None:
    add(simulator, "40000200")
    simulator.sim.add_failure(Failure(CARRIER, FailureKind.SERVER_ERROR, count=2))
    sleep = FakeTime()
    async with simulator_tracker(simulator, CARRIER, sleep) as client:
        tracking = await client.track(CARRIER, "40000200")
    assert tracking.status is Status.INFO_RECEIVED
    assert len(sleep.waits) == 2
    assert simulator.sim.requests[CARRIER] == 3


async def test_rate_limit_honours_retry_after(simulator: RunningSimulator) -> None:
    add(simulator, "40000300")
    simulator.sim.add_failure(Failure(CARRIER, FailureKind.RATE_LIMIT, seconds=4))
    sleep = FakeTime()
    async with simulator_tracker(simulator, CARRIER, sleep) as client:
        await client.track(CARRIER, "40000300")
    assert sleep.waits == [4.0]


async def test_timeouts_become_carrier_unavailable(simulator: RunningSimulator) -> None:
    add(simulator, "40000400")
    simulator.sim.add_failure(Failure(CARRIER, FailureKind.TIMEOUT, count=2, seconds=1.0))
    async with simulator_tracker(simulator, CARRIER, attempts=2, timeout=0.3) as client:
        with pytest.raises(errors.CarrierUnavailable, match="timed out"):
            await client.track(CARRIER, "40000400")
    assert simulator.sim.requests[CARRIER] == 2


async def test_malformed_body_is_invalid(simulator: RunningSimulator) -> None:
    add(simulator, "40000500")
    simulator.sim.add_failure(Failure(CARRIER, FailureKind.MALFORMED))
    async with simulator_tracker(simulator, CARRIER) as client:
        with pytest.raises(errors.CarrierResponseInvalid):
            await client.track(CARRIER, "40000500")


async def test_wrong_private_key_is_an_auth_error(simulator: RunningSimulator) -> None:
    add(simulator, "40000600")
    async with simulator_tracker(simulator, CARRIER, private_key="not-the-key") as client:
        with pytest.raises(errors.CarrierAuthError, match="STAT 97"):
            await client.track(CARRIER, "40000600")
    assert simulator.sim.requests[CARRIER] == 1


async def test_expired_credentials_answer_stat_97(simulator: RunningSimulator) -> None:
    add(simulator, "40000700")
    simulator.sim.add_failure(Failure(CARRIER, FailureKind.EXPIRED_TOKEN))
    async with simulator_tracker(simulator, CARRIER) as client:
        with pytest.raises(errors.CarrierAuthError):
            await client.track(CARRIER, "40000700")


async def test_unknown_number_is_not_found(simulator: RunningSimulator) -> None:
    async with simulator_tracker(simulator, CARRIER) as client:
        with pytest.raises(errors.ShipmentNotFound):
            await client.track(CARRIER, "49999999")
