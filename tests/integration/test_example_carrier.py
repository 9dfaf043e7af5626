"""A carrier Suivi does not ship, installed as its own package (`pip install -e
examples/suivi-carrier-example`, as scripts/test.sh does). With no line of Suivi naming it,
the Registry and the CLI find it, the Tracker and the worker poll it on the carrier simulator,
its pushes are mounted at `/webhooks/example`, and the tracking page names it in French."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from importlib.metadata import entry_points

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from suivi_carrier_example import ExampleAdapter, ExampleSettings
from suivi_carrier_example.webhook import signature

from suivi import ENTRY_POINT_GROUP, Registry, RetryPolicy, Status, Substatus, Tracker, errors
from suivi.cli import main as suivi_cli
from suivi.testing import sample_bytes
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.simulator import STORIES, Parcel, SimClock, Simulator, simulator_settings
from suivi_server.simulator import create_app as simulator_app
from suivi_server.worker.runner import Worker
from tests.server import conftest as server_fixtures
from tests.server.conftest import NOW
from tests.server.factories import bearer, create_merchant, shipment_payload

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

# Both databases, as the server tests have them.
sqlite_template = server_fixtures.sqlite_template
postgres_migrated = server_fixtures.postgres_migrated
database_url = server_fixtures.database_url
engine = server_fixtures.engine
settings = server_fixtures.settings
clock = server_fixtures.clock
client = server_fixtures.client

SIM_URL = "http://simulator.test"
DELIVERED = "EX2611230018"  # Luhn check digit 8
IN_TRANSIT = "EX2611230075"
UNKNOWN = "EX2611239993"
PUSHED = "EX2611230067"
SECRET = "push-secret-0123"


@pytest.fixture
def sim() -> Simulator:
    """The bundled simulator, which plays every installed carrier declaring `simulator`."""
    sim = Simulator(clock=SimClock(NOW))
    start = NOW - timedelta(days=3)
    sim.add_parcel(Parcel("example", DELIVERED, start, STORIES["delivered"]))
    sim.add_parcel(Parcel("example", IN_TRANSIT, NOW - timedelta(hours=20), STORIES["in_transit"]))
    return sim


@pytest.fixture
async def tracker(sim: Simulator) -> AsyncIterator[Tracker]:
    """A Tracker whose every carrier call reaches the simulator's app."""
    transport = httpx.ASGITransport(app=simulator_app(sim))
    async with (
        httpx.AsyncClient(transport=transport) as http,
        Tracker(
            settings=simulator_settings(SIM_URL),
            http_client=http,
            retry=RetryPolicy(max_attempts=1),
        ) as tracker,
    ):
        yield tracker


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine, clock: list[datetime]) -> Starlette:
    adapters = {"example": ExampleSettings(webhook_secret=SECRET)}
    return create_app(
        settings, engine=engine, clock=lambda: clock[0], migrate=False, adapters=adapters
    )


# -- found ------------------------------------------------------------------------------------


def test_the_registry_loads_it_from_its_own_distribution() -> None:
    [point] = [p for p in entry_points(group=ENTRY_POINT_GROUP) if p.name == "example"]
    assert point.dist is not None
    assert point.dist.name == "suivi-carrier-example"
    assert Registry().get("example") is ExampleAdapter


def test_suivi_adapters_lists_it() -> None:
    result = CliRunner().invoke(suivi_cli, ["adapters"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if " example " in line)
    assert "Example Express" in line
    assert "PT,ES,FR" in line


@pytest.mark.parametrize(("number", "first"), [(DELIVERED, True), ("EX2611230017", False)])
def test_suivi_detect_ranks_it_first_when_the_check_digit_holds(number: str, first: bool) -> None:
    result = CliRunner().invoke(suivi_cli, ["detect", number])
    assert (result.output.splitlines()[:1] == ["example"]) is first
    assert ("example" in result.output.split()) is first


# -- tracked ----------------------------------------------------------------------------------


async def test_the_tracker_tracks_a_batch_in_one_request(tracker: Tracker, sim: Simulator) -> None:
    results = await tracker.track_many([("example", n) for n in (DELIVERED, UNKNOWN, IN_TRANSIT)])

    delivered, unknown, moving = results
    assert delivered.tracking is not None
    assert (delivered.tracking.status, delivered.tracking.substatus) == (
        Status.DELIVERED,
        Substatus.TO_RECIPIENT,
    )
    assert isinstance(unknown.error, errors.ShipmentNotFound)
    assert moving.tracking is not None
    assert moving.tracking.status is Status.IN_TRANSIT
    assert sim.requests["example"] == 1
    # Read on Lisbon's wall clock, which is UTC in November.
    assert delivered.tracking.events[0].timestamp.utcoffset() == timedelta(0)
    assert delivered.tracking.delivered_at == NOW - timedelta(days=3) + timedelta(hours=37)


# -- polled, pushed, rendered -----------------------------------------------------------------


async def create(client: httpx.AsyncClient, key: str, number: str) -> int:
    # The merchant may write the carrier as the page names it.
    payload = shipment_payload(
        carrier="Example Express", tracking_number=number, order_number=number
    )
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.status_code == 201, response.text
    assert response.json()["carrier"] == "example"
    return int(response.json()["id"])


async def page(client: httpx.AsyncClient, key: str, shipment_id: int) -> str:
    link = await client.get(f"/api/shipments/{shipment_id}/page-url", headers=bearer(key))
    response = await client.get(link.json()["url"], params={"lang": "fr"})
    assert response.status_code == 200
    return response.text


async def test_the_worker_polls_it_and_the_page_names_it_in_french(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tracker: Tracker,
    sim: Simulator,
    clock: list[datetime],
) -> None:
    _, key = await create_merchant(engine)
    shipment_id = await create(client, key, DELIVERED)
    before = await page(client, key, shipment_id)

    polled = await Worker(engine, tracker, clock=lambda: clock[0], worker_id="w-ex").run_once()

    tracking = await client.get(f"/api/shipments/{shipment_id}/tracking", headers=bearer(key))
    assert polled == 1
    assert sim.requests["example"] == 1
    assert (tracking.json()["status"], tracking.json()["substatus"]) == (
        "delivered",
        "to_recipient",
    )
    assert [e["code"] for e in tracking.json()["events"]][:2] == ["DLV", "OFD"]
    after = await page(client, key, shipment_id)
    assert "<dd>Example Express</dd>" in after
    assert "Votre colis a été livré" in after
    assert "Votre colis a été livré" not in before


async def test_its_signed_push_is_applied_to_its_shipment(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    shipment_id = await create(client, key, PUSHED)
    push = sample_bytes(ExampleAdapter, "push_delivered.json")

    forged = await client.post(
        "/webhooks/example", content=push, headers={"X-Example-Signature": "sha256=00"}
    )
    accepted = await client.post(
        "/webhooks/example",
        content=push,
        headers={"X-Example-Signature": signature(SECRET, push)},
    )

    tracking = await client.get(f"/api/shipments/{shipment_id}/tracking", headers=bearer(key))
    assert forged.status_code == 401
    assert accepted.status_code == 200
    assert accepted.json()["shipments"] == 1
    assert (tracking.json()["status"], tracking.json()["substatus"]) == (
        "delivered",
        "to_neighbour",
    )
