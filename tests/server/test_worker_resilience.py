"""Nothing a carrier sends stops the worker: poison answers are backed off, healthy parcels go on.

Carriers are mocked with respx: Colissimo and UPS answer 1,000 nested `[`, a third-party plugin
crashes in its parser, and the test carrier answers normally, all in the same database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import httpx
import pytest
import respx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import ENTRY_POINT_GROUP, Registry, RetryPolicy, Tracker, Tracking
from suivi._client import TrackResult
from suivi.testing import FakeCarrier, FakeCarrierSettings
from suivi.toolkit import RawResponse
from suivi_adapters.colissimo.adapter import ColissimoSettings
from suivi_adapters.ups.adapter import UpsSettings
from suivi_server.storage.refresh import request_refresh
from suivi_server.storage.schema import shipments, tracking_events
from suivi_server.worker.cadence import ERROR_BACKOFF
from suivi_server.worker.runner import Worker
from tests.conftest import fixture_bytes
from tests.sdk.helpers import VALID, parcel
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

POISON = b"[" * 1000
COLISSIMO = ("colissimo", "6A12345678901")
UPS = ("ups", "1Z999AA10123456784")
HEALTHY = ("fake", VALID[0])
PLUGIN = ("parse_explodes", VALID[1])
UPS_BASE = "https://onlinetools.ups.com"


class ParseExplodes(FakeCarrier):
    name: ClassVar[str] = "parse_explodes"
    default_base_url: ClassVar[str] = "https://plugin.example"

    def parse(self, raw: RawResponse) -> list[Tracking]:
        raise ValueError("unexpected shape")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _tracker() -> Tracker:
    points = {
        "colissimo": "suivi_adapters.colissimo:ColissimoAdapter",
        "ups": "suivi_adapters.ups:UpsAdapter",
        "fake": "suivi.testing:FakeCarrier",
        "parse_explodes": f"{__name__}:ParseExplodes",
    }
    return Tracker(
        registry=Registry([EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in points.items()]),
        settings={
            "colissimo": ColissimoSettings(api_key="okapi"),
            "ups": UpsSettings(client_id="id", client_secret="secret"),
            "fake": FakeCarrierSettings(api_key="k"),
            "parse_explodes": FakeCarrierSettings(api_key="k"),
        },
        retry=RetryPolicy(max_attempts=1),
    )


class HealthyCarrier:
    """The test carrier, with one more event for every parcel at each call: news keeps coming."""

    EVENTS = (
        ("LBL", "2026-11-24T09:00:00+01:00"),
        ("HUB", "2026-11-24T18:00:00+01:00"),
        ("OFD", "2026-11-25T08:00:00+01:00"),
    )

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        events = self.EVENTS[: self.calls]
        numbers = request.url.params["numbers"].split(",")
        return httpx.Response(200, json={"parcels": [parcel(n, *events) for n in numbers]})


@pytest.fixture
def carriers() -> Iterable[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.get(f"https://api.laposte.fr/suivi/v2/idships/{COLISSIMO[1]}").respond(
            200, content=POISON
        )
        router.post(f"{UPS_BASE}/security/v1/oauth/token").respond(
            200, content=fixture_bytes("ups", "oauth_token.json")
        )
        router.get(f"{UPS_BASE}/api/track/v1/details/{UPS[1]}").respond(200, content=POISON)
        router.get("https://fake.example/v1/parcels").mock(side_effect=HealthyCarrier())
        router.get("https://plugin.example/v1/parcels").respond(json={"parcels": []})
        yield router


async def _shipments(engine: AsyncEngine, *items: tuple[str, str]) -> dict[str, int]:
    merchant_id, _ = await create_merchant(engine)
    return {
        carrier: await create_shipment(
            engine,
            merchant_id,
            order_number=f"CMD-{carrier}",
            carrier=carrier,
            tracking_number=number,
            status="pending",
            next_poll_at=NOW - timedelta(minutes=1),
        )
        for carrier, number in items
    }


async def _rows(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as conn:
        return {r.carrier: r for r in (await conn.execute(sa.select(shipments))).all()}


async def _events(engine: AsyncEngine, shipment_id: int) -> int:
    query = sa.select(sa.func.count()).where(tracking_events.c.shipment_id == shipment_id)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


@pytest.fixture
async def worker(engine: AsyncEngine) -> AsyncIterator[Worker]:
    tracker = _tracker()
    async with tracker:
        yield Worker(engine, tracker, clock=Clock(), worker_id="w-test")


async def _run_until(worker: Worker, done: Any, *, timeout: float = 20.0) -> None:
    """run_forever in the background until `done()` holds; it must still be running then."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(idle_seconds=0.01, stop=stop))
    try:
        async with asyncio.timeout(timeout):
            while not await done():
                assert not task.done(), task.exception()
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task


async def test_poison_answers_are_backed_off_and_healthy_parcels_keep_being_polled(
    engine: AsyncEngine, worker: Worker, carriers: respx.MockRouter
) -> None:
    ids = await _shipments(engine, COLISSIMO, UPS, HEALTHY, PLUGIN)
    clock = worker.clock
    assert isinstance(clock, Clock)
    for cycle, status in enumerate(("info_received", "in_transit", "out_for_delivery"), 1):
        assert await worker.run_once() == 4
        rows = await _rows(engine)
        assert await _events(engine, ids["fake"]) == cycle
        assert rows["fake"].status == status
        assert rows["fake"].poll_errors == 0
        for carrier in ("colissimo", "ups", "parse_explodes"):
            row = rows[carrier]
            assert row.poll_errors == cycle, (carrier, cycle)
            assert row.lease_owner is None
            assert row.lease_expires_at is None
            assert row.next_poll_at == clock.now + ERROR_BACKOFF[cycle - 1]
        assert "nests deeper" in rows["colissimo"].last_error
        assert "nests deeper" in rows["ups"].last_error
        assert "ValueError" in rows["parse_explodes"].last_error
        clock.now += ERROR_BACKOFF[cycle - 1]  # the failed parcels are due again, and so is
        # the healthy one (its own schedule is hours away): every cycle polls all four
        await request_refresh(engine, ids["fake"], now=clock.now, min_interval=timedelta(0))
    assert worker.metrics.errors["carrier_response_invalid"] == 9


async def test_the_loop_polls_on_after_poison_and_releases_every_lease(
    engine: AsyncEngine, worker: Worker, carriers: respx.MockRouter
) -> None:
    ids = await _shipments(engine, COLISSIMO, UPS, HEALTHY, PLUGIN)

    async def settled() -> bool:
        rows = await _rows(engine)
        return all(r.last_polled_at is not None for r in rows.values())

    await _run_until(worker, settled)
    rows = await _rows(engine)
    assert await _events(engine, ids["fake"]) == 1
    assert {c for c, r in rows.items() if r.poll_errors} == {"colissimo", "ups", "parse_explodes"}
    assert all(r.lease_owner is None for r in rows.values())
    assert worker.metrics.last_success == NOW
    assert worker.metrics.failed_cycles == 0


class FailingOnce(Tracker):
    """A Tracker whose first batch blows up as a whole (a bug below the per-item guard)."""

    calls = 0

    async def track_many(self, items: Iterable[tuple[str, str]]) -> list[TrackResult]:
        FailingOnce.calls += 1
        if FailingOnce.calls == 1:
            raise RuntimeError("connection pool corrupted")
        return await super().track_many(items)


async def test_a_failed_cycle_gives_its_leases_back_and_the_loop_goes_on(
    engine: AsyncEngine, carriers: respx.MockRouter
) -> None:
    ids = await _shipments(engine, HEALTHY)
    FailingOnce.calls = 0
    tracker = FailingOnce(
        registry=Registry([EntryPoint("fake", "suivi.testing:FakeCarrier", ENTRY_POINT_GROUP)]),
        settings={"fake": FakeCarrierSettings(api_key="k")},
    )
    async with tracker:
        worker = Worker(engine, tracker, clock=Clock(), worker_id="w-test")

        async def polled() -> bool:
            return await _events(engine, ids["fake"]) == 1

        await _run_until(worker, polled)
    assert worker.metrics.failed_cycles == 1
    assert FailingOnce.calls >= 2  # the same parcel was claimed again at once: lease released
    assert (await _rows(engine))["fake"].lease_owner is None


async def test_a_shipment_whose_update_fails_is_backed_off_alone(
    engine: AsyncEngine, worker: Worker, carriers: respx.MockRouter
) -> None:
    good = (await _shipments(engine, HEALTHY))["fake"]
    # A merchant whose stored thresholds no longer validate: its parcel's answer cannot be
    # applied, in the same batch as a healthy parcel.
    merchant_id, _ = await create_merchant(
        engine, "broken", settings={"thresholds": {"silence_hourz": {}}}
    )
    broken = await create_shipment(
        engine,
        merchant_id,
        order_number="CMD-broken",
        carrier="fake",
        tracking_number=VALID[2],
        status="pending",
        next_poll_at=NOW - timedelta(minutes=1),
    )
    assert await worker.run_once() == 2
    async with engine.connect() as conn:
        rows = {r.id: r for r in (await conn.execute(sa.select(shipments))).all()}
    assert rows[good].status == "info_received"
    assert rows[good].poll_errors == 0
    bad = rows[broken]
    assert bad.poll_errors == 1
    assert "ValidationError" in bad.last_error
    assert bad.lease_owner is None
    assert bad.next_poll_at == NOW + ERROR_BACKOFF[0]
    assert await _events(engine, broken) == 0  # its transaction was rolled back whole
    assert await _events(engine, good) == 1
    assert worker.metrics.errors["worker_error"] == 1
