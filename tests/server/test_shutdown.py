"""Shutting the server down: the embedded worker is asked to stop, claims nothing more, ends
its cycle and leaves nothing running; only what outlives the grace is cancelled, and the
refresh worker gives its leases back (the sender's side: test_notification_sender.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import timedelta
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi import ENTRY_POINT_GROUP, Registry, RetryPolicy, Tracker
from suivi.testing import FakeCarrier, FakeCarrierSettings
from suivi.toolkit import CarrierHTTP, RawResponse
from suivi_server import serving
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.services import Services
from suivi_server.serving import EmbeddedWorker
from suivi_server.storage.schema import shipments, tracking_events
from suivi_server.worker.runner import Worker
from tests.sdk.helpers import VALID
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

NUMBER = VALID[0]


class HeldCarrier(FakeCarrier):
    """Answers only once the test releases it, so shutdown starts while a poll is in flight."""

    name: ClassVar[str] = "held"
    asked: ClassVar[asyncio.Event]
    release: ClassVar[asyncio.Event]

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        HeldCarrier.asked.set()
        await HeldCarrier.release.wait()
        scan = {"code": "HUB", "label": "Arrivé au centre de tri", "at": NOW.isoformat()}
        body = {"parcels": [{"number": n, "events": [scan]} for n in numbers]}
        return RawResponse(json.dumps(body).encode(), requested=tuple(numbers))


def _held_tracker(*args: object, **kwargs: object) -> Tracker:
    point = EntryPoint("held", f"{__name__}:HeldCarrier", ENTRY_POINT_GROUP)
    return Tracker(
        registry=Registry([point]),
        settings={"held": FakeCarrierSettings(api_key="k")},
        retry=RetryPolicy(max_attempts=1),
    )


async def _due(engine: AsyncEngine, merchant_id: int, number: str, order: str) -> int:
    return await create_shipment(
        engine,
        merchant_id,
        order_number=order,
        carrier="held",
        tracking_number=number,
        status="info_received",
        next_poll_at=NOW - timedelta(minutes=1),
    )


@pytest.fixture
async def merchant_id(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> int:
    HeldCarrier.asked, HeldCarrier.release = asyncio.Event(), asyncio.Event()
    monkeypatch.setattr(serving, "make_tracker", _held_tracker)
    return (await create_merchant(engine))[0]


@pytest.fixture
async def shipment_id(engine: AsyncEngine, merchant_id: int) -> int:
    return await _due(engine, merchant_id, NUMBER, "CMD-1001")


def _app(settings: Settings, engine: AsyncEngine, **options: Any) -> Starlette:
    worker = EmbeddedWorker(settings, idle=0.01, restart_backoff=(0.0,))
    return create_app(
        settings,
        engine=engine,
        clock=lambda: NOW,
        migrate=False,
        background=worker,
        worker_metrics=worker.metrics,
        **options,
    )


async def _shut_down_while_asked(app: Starlette, *, release: bool) -> set[asyncio.Task[Any]]:
    """Start the app, shut it down while the carrier is asked; the tasks it left running."""
    before = asyncio.all_tasks()
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    await asyncio.wait_for(HeldCarrier.asked.wait(), timeout=10)
    closing = asyncio.create_task(lifespan.__aexit__(None, None, None))
    await asyncio.sleep(0.05)  # shutdown has begun; the carrier has not answered yet
    assert not closing.done()
    if release:
        HeldCarrier.release.set()
    await asyncio.wait_for(closing, timeout=10)
    return {t for t in asyncio.all_tasks() - before if not t.done()}


async def test_shutdown_lets_the_poll_in_flight_finish_and_record_its_answer(
    settings: Settings, engine: AsyncEngine, shipment_id: int
) -> None:
    assert await _shut_down_while_asked(_app(settings, engine), release=True) == set()
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id))).one()
        codes = (await conn.execute(sa.select(tracking_events.c.code))).scalars().all()
    assert codes == ["HUB"]
    assert row.status == "in_transit"
    assert row.lease_owner is None
    assert row.next_poll_at > NOW


async def test_a_poll_that_outlives_the_grace_is_cancelled_and_gives_its_lease_back(
    settings: Settings, engine: AsyncEngine, shipment_id: int
) -> None:
    app = _app(settings, engine, shutdown_grace=2.0)
    assert await _shut_down_while_asked(app, release=False) == set()
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id))).one()
        events = (await conn.execute(sa.select(sa.func.count()).select_from(tracking_events))).one()
    assert events == (0,)
    assert row.status == "info_received"
    assert row.lease_owner is None  # polled again at once by the next worker, not after expiry


async def test_once_stopped_the_worker_claims_nothing_more_and_writes_what_it_asked(
    engine: AsyncEngine, merchant_id: int
) -> None:
    ids = [await _due(engine, merchant_id, n, f"CMD-{i}") for i, n in enumerate(VALID[:3])]
    stop = asyncio.Event()
    async with _held_tracker() as tracker:
        worker = Worker(engine, tracker, clock=lambda: NOW, batch_size=1)
        running = asyncio.create_task(worker.run_forever(idle_seconds=0.01, stop=stop))
        await asyncio.wait_for(HeldCarrier.asked.wait(), timeout=10)
        stop.set()
        HeldCarrier.release.set()
        await asyncio.wait_for(running, timeout=10)
    async with engine.connect() as conn:
        query = sa.select(shipments).where(shipments.c.id.in_(ids)).order_by(shipments.c.id)
        rows = (await conn.execute(query)).all()
    assert [r.status for r in rows] == ["in_transit", "info_received", "info_received"]
    assert [r.lease_owner for r in rows] == [None, None, None]
    assert [r.next_poll_at for r in rows[1:]] == [NOW - timedelta(minutes=1)] * 2


async def test_a_shutdown_cancelled_midway_still_cancels_the_background(
    settings: Settings, engine: AsyncEngine
) -> None:
    running: list[asyncio.Task[Any]] = []

    async def deaf(services: Services, stop: asyncio.Event) -> None:
        """Ignores `stop`: only a cancel ends it."""
        running.append(asyncio.current_task())  # type: ignore[arg-type]
        await asyncio.Event().wait()

    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False, background=deaf)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    await asyncio.sleep(0)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(lifespan.__aexit__(None, None, None), timeout=0.2)
    assert running[0].cancelled()
