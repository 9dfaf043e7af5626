"""Chronopost against the simulator over real HTTP: every story, step by step, and failures."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from suivi import Status, Substatus
from suivi._checkdigits import s10_check_digit
from suivi.errors import (
    CarrierAuthError,
    CarrierResponseInvalid,
    CarrierUnavailable,
    ShipmentNotFound,
)
from suivi_server.simulator.scenario import STORIES, Failure, FailureKind, Milestone, Parcel
from tests.carrier_helpers import (
    RETURN_IN_STORY,
    FakeTime,
    add_story_parcel,
    simulator_tracker,
    walk_story,
)
from tests.conftest import SIM_START, RunningSimulator

pytestmark = pytest.mark.anyio

S, Sub, M = Status, Substatus, Milestone
EXPECTED: dict[Milestone, tuple[Status, Substatus | None]] = {
    M.LABEL_CREATED: (S.INFO_RECEIVED, Sub.LABEL_CREATED),
    M.PICKED_UP: (S.IN_TRANSIT, Sub.PICKED_UP),
    M.AT_HUB: (S.IN_TRANSIT, None),
    M.DEPARTED: (S.IN_TRANSIT, None),
    M.ARRIVED_AT_DELIVERY_SITE: (S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),
    M.CUSTOMS: (S.IN_TRANSIT, None),
    M.DELAYED: (S.IN_TRANSIT, Sub.DELAYED),
    M.OUT_FOR_DELIVERY: (S.OUT_FOR_DELIVERY, None),
    M.ATTEMPT_FAILED: (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    M.TO_PICKUP_POINT: (S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    M.AVAILABLE_FOR_PICKUP: (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    M.COLLECTED: (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    M.DELIVERED: (S.DELIVERED, None),
    M.DELIVERED_TO_NEIGHBOUR: (S.DELIVERED, Sub.TO_NEIGHBOUR),
    M.ADDRESS_PROBLEM: (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    M.DAMAGED: (S.EXCEPTION, Sub.DAMAGED),
    M.REFUSED: (S.EXCEPTION, Sub.REFUSED),
    M.RETURNING: (S.RETURNING, None),
    M.RETURNED: (S.RETURNED, None),
}


def skybill(serial: int) -> str:
    digits = f"{serial:08d}"
    return f"XP{digits}{s10_check_digit(digits)}FR"


def add(simulator: RunningSimulator, story: str, serial: int) -> Parcel:
    return add_story_parcel(simulator, "chronopost", skybill(serial), story)


@pytest.mark.parametrize("story", sorted(STORIES))
async def test_every_story_step_has_the_status_it_means(
    simulator: RunningSimulator, story: str
) -> None:
    parcel = add(simulator, story, 10_000_000 + sorted(STORIES).index(story))
    async with simulator_tracker(simulator, "chronopost", FakeTime()) as client:
        async for index, _, milestone, tracking in walk_story(
            simulator, client, "chronopost", parcel.number, story, after=timedelta()
        ):
            expected = RETURN_IN_STORY.get((story, milestone), EXPECTED[milestone])
            assert (tracking.status, tracking.substatus) == expected, (story, milestone)
            assert len(tracking.events) == index + 1


async def test_estimate_pickup_point_and_signer_come_through(simulator: RunningSimulator) -> None:
    parcel = add(simulator, "pickup_point", 20_000_000)
    async with simulator_tracker(simulator, "chronopost", FakeTime()) as client:
        simulator.sim.clock.set(SIM_START + timedelta(hours=40))
        waiting = await client.track("chronopost", parcel.number)
        simulator.sim.clock.set(SIM_START + timedelta(hours=90))
        collected = await client.track("chronopost", parcel.number)
    assert waiting.estimate is not None
    assert waiting.estimate.source == "carrier"
    assert waiting.estimate.earliest == parcel.estimated_delivery()
    assert waiting.pickup_point is not None
    assert (waiting.pickup_point.name, waiting.pickup_point.postcode) == ("TABAC LE BALTO", "75011")
    assert (waiting.destination_postcode, waiting.destination_country) == ("75011", "FR")
    assert waiting.events[0].timestamp.utcoffset() == timedelta(hours=1)
    assert collected.signed_by == parcel.signed_by
    assert collected.estimate is None


async def test_server_errors_then_success(simulator: RunningSimulator) -> None:
    parcel = add(simulator, "delivered", 30_000_000)
    simulator.sim.clock.set(SIM_START + timedelta(days=3))
    simulator.sim.add_failure(Failure("chronopost", FailureKind.SERVER_ERROR, count=2))
    time = FakeTime()
    async with simulator_tracker(simulator, "chronopost", time) as client:
        tracking = await client.track("chronopost", parcel.number)
    assert tracking.status is S.DELIVERED
    assert simulator.sim.requests["chronopost"] == 3
    assert len(time.waits) == 2


async def test_rate_limit_honours_retry_after(simulator: RunningSimulator) -> None:
    parcel = add(simulator, "in_transit", 30_000_001)
    simulator.sim.add_failure(Failure("chronopost", FailureKind.RATE_LIMIT, seconds=3))
    time = FakeTime()
    async with simulator_tracker(simulator, "chronopost", time) as client:
        tracking = await client.track("chronopost", parcel.number)
    assert tracking.status is S.INFO_RECEIVED
    assert time.waits == [3.0]


async def test_timeouts_end_as_unavailable_after_the_policy_attempts(
    simulator: RunningSimulator,
) -> None:
    parcel = add(simulator, "in_transit", 30_000_002)
    simulator.sim.add_failure(Failure("chronopost", FailureKind.TIMEOUT, count=2, seconds=1.0))
    async with simulator_tracker(
        simulator, "chronopost", FakeTime(), timeout=0.3, attempts=2
    ) as client:
        with pytest.raises(CarrierUnavailable, match="timed out"):
            await client.track("chronopost", parcel.number)
    assert simulator.sim.requests["chronopost"] == 2


async def test_malformed_answer_is_an_invalid_response(simulator: RunningSimulator) -> None:
    parcel = add(simulator, "delivered", 30_000_003)
    simulator.sim.clock.set(SIM_START + timedelta(days=3))
    simulator.sim.add_failure(Failure("chronopost", FailureKind.MALFORMED))
    async with simulator_tracker(simulator, "chronopost", FakeTime()) as client:
        with pytest.raises(CarrierResponseInvalid):
            await client.track("chronopost", parcel.number)


async def test_refused_access_is_an_auth_error(simulator: RunningSimulator) -> None:
    # trackSkybillV2 takes no credentials: a refusal can only come from the gateway (401).
    parcel = add(simulator, "delivered", 30_000_004)
    simulator.sim.add_failure(Failure("chronopost", FailureKind.EXPIRED_TOKEN))
    async with simulator_tracker(simulator, "chronopost", FakeTime()) as client:
        with pytest.raises(CarrierAuthError):
            await client.track("chronopost", parcel.number)


async def test_unknown_number_is_not_found(simulator: RunningSimulator) -> None:
    async with simulator_tracker(simulator, "chronopost", FakeTime()) as client:
        with pytest.raises(ShipmentNotFound):
            await client.track("chronopost", skybill(99_999_999))


async def test_malformed_request_gets_a_soap_client_fault(simulator: RunningSimulator) -> None:
    async with httpx.AsyncClient(base_url=simulator.base_url) as http:
        broken = await http.post("/tracking-cxf/TrackingServiceWS", content=b"<oops")
        wrong = await http.post("/tracking-cxf/TrackingServiceWS", content=b"<a><b/></a>")
    for response in (broken, wrong):
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("text/xml")
        assert b"<faultcode>soap:Client</faultcode>" in response.content
