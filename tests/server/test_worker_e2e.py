"""The worker against the carrier simulator, end to end: events stored once, statuses follow
each parcel's story, polling stops at terminal statuses, failures lose nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import RetryPolicy, Tracker
from suivi_server.ratelimit import shared_limits
from suivi_server.simulator import STORIES, Failure, FailureKind, Parcel, simulator_settings
from suivi_server.storage.refresh import request_refresh
from suivi_server.storage.schema import shipments, tracking_events
from suivi_server.worker.runner import Worker
from tests.conftest import SIM_START, RunningSimulator
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

PARCELS = {
    # carrier: (number, story)
    "colissimo": ("6A12345678901", "delivered"),
    "ups": ("1Z999AA10123456784", "attempt_failed"),
    "mondial_relay": ("12345678", "pickup_point"),
    "dpd": ("25077012345678", "refused"),
    "chronopost": ("89108749065090", "damaged"),
}

# hours after the start -> carrier -> expected (status, substatuses allowed)
TIMELINE: list[tuple[float, dict[str, tuple[str, ...]]]] = [
    (1, dict.fromkeys(PARCELS, ("info_received",))),
    (15, dict.fromkeys(PARCELS, ("in_transit",))),
    (31, {"chronopost": ("exception",), "colissimo": ("in_transit",)}),
    (
        34,
        {
            "colissimo": ("out_for_delivery",),
            "ups": ("out_for_delivery",),
            "mondial_relay": ("in_transit",),
        },
    ),
    (36.5, {"ups": ("attempt_failed",), "dpd": ("exception", "returning")}),
    (38.6, {"colissimo": ("delivered",), "mondial_relay": ("available_for_pickup",)}),
    (61, {"ups": ("delivered",), "dpd": ("returning",), "chronopost": ("returning",)}),
    (81, {"mondial_relay": ("delivered",)}),
    (99, {"dpd": ("returned",)}),
]


class Clock:
    def __init__(self, running: RunningSimulator) -> None:
        self.running = running

    def set_hours(self, hours: float) -> None:
        self.running.sim.clock.set(SIM_START + timedelta(hours=hours))

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.running.sim.clock.now()


async def _no_sleep(_: float) -> None:
    return None


async def _setup(
    engine: AsyncEngine, simulator: RunningSimulator
) -> tuple[Worker, Clock, dict[str, int]]:
    merchant_id, _ = await create_merchant(engine)
    ids = {}
    for carrier, (number, story) in PARCELS.items():
        simulator.sim.add_parcel(Parcel(carrier, number, SIM_START, STORIES[story], story=story))
        ids[carrier] = await create_shipment(
            engine,
            merchant_id,
            order_number=f"CMD-{carrier}",
            carrier=carrier,
            tracking_number=number,
            status="pending",
            next_poll_at=SIM_START,
        )
    clock = Clock(simulator)
    tracker = Tracker(
        settings=simulator_settings(simulator.base_url),
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01),
        sleep=_no_sleep,
        limiter=shared_limits(engine),  # quotas counted in the database, as on PostgreSQL
    )
    return Worker(engine, tracker, clock=clock, worker_id="w-test"), clock, ids


async def _statuses(engine: AsyncEngine) -> dict[str, tuple[str, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(shipments.c.carrier, shipments.c.status, shipments.c.substatus)
        )
        return {r.carrier: (r.status, r.substatus) for r in rows}


async def _drain(worker: Worker) -> int:
    total = 0
    while polled := await worker.run_once():
        total += polled
    return total


async def test_worker_follows_every_parcel_through_its_story(
    engine: AsyncEngine, simulator: RunningSimulator
) -> None:
    worker, clock, _ = await _setup(engine, simulator)
    async with worker.tracker:
        for hours, expected in TIMELINE:
            clock.set_hours(hours)
            await _drain(worker)
            statuses = await _statuses(engine)
            for carrier, allowed in expected.items():
                assert statuses[carrier][0] in allowed, (hours, carrier, statuses[carrier])
        assert statuses["ups"][1] in (None, "to_recipient")
        assert statuses["mondial_relay"][1] == "collected_at_pickup_point"
        assert statuses["chronopost"] == ("returning", statuses["chronopost"][1])

    async with engine.connect() as conn:
        done = (await conn.execute(sa.select(shipments.c.carrier, shipments.c.next_poll_at))).all()
        events = (
            await conn.execute(sa.select(sa.func.count()).select_from(tracking_events))
        ).scalar_one()
    polls_stopped = {c for c, nxt in done if nxt is None}
    assert {
        "colissimo",
        "ups",
        "mondial_relay",
        "dpd",
    } <= polls_stopped  # terminal: no more polling
    # Every story step was stored exactly once, however many times it was seen.
    assert events == sum(len(STORIES[story]) for _, story in PARCELS.values()) - _steps_after(99)
    assert worker.metrics.errors == {}


def _steps_after(hours: float) -> int:
    return sum(1 for _, story in PARCELS.values() for at, *_ in STORIES[story] if at > hours)


async def test_polling_again_stores_nothing_twice(
    engine: AsyncEngine, simulator: RunningSimulator
) -> None:
    worker, clock, ids = await _setup(engine, simulator)
    async with worker.tracker:
        clock.set_hours(20)
        await _drain(worker)
        async with engine.connect() as conn:
            before = (
                await conn.execute(sa.select(sa.func.count()).select_from(tracking_events))
            ).scalar_one()
        for shipment_id in ids.values():
            assert await request_refresh(
                engine, shipment_id, now=clock(), min_interval=timedelta(0)
            )
        assert await _drain(worker) == len(PARCELS)
        async with engine.connect() as conn:
            after = (
                await conn.execute(sa.select(sa.func.count()).select_from(tracking_events))
            ).scalar_one()
    assert after == before > 0


async def test_carrier_failures_are_recorded_and_retried_later(
    engine: AsyncEngine, simulator: RunningSimulator
) -> None:
    worker, clock, ids = await _setup(engine, simulator)
    simulator.sim.add_failure(Failure("colissimo", FailureKind.SERVER_ERROR, count=10))
    async with worker.tracker:
        clock.set_hours(2)
        await _drain(worker)
        async with engine.connect() as conn:
            row = (
                await conn.execute(sa.select(shipments).where(shipments.c.id == ids["colissimo"]))
            ).one()
        assert row.status == "pending"
        assert row.poll_errors == 1
        assert "colissimo" in (row.last_error or "")
        assert row.next_poll_at > clock()  # backed off, not dropped
        assert worker.metrics.errors["carrier_unavailable"] == 1
        simulator.sim.clear_failures()
        clock.set_hours(3)
        await _drain(worker)
        statuses = await _statuses(engine)
    assert statuses["colissimo"][0] == "info_received"


async def test_refresh_now_is_rate_limited(
    engine: AsyncEngine, simulator: RunningSimulator
) -> None:
    worker, clock, ids = await _setup(engine, simulator)
    async with worker.tracker:
        clock.set_hours(5)
        await _drain(worker)
    shipment_id = ids["ups"]
    assert not await request_refresh(
        engine, shipment_id, now=clock(), min_interval=timedelta(minutes=5)
    )
    later = clock() + timedelta(minutes=6)
    assert await request_refresh(engine, shipment_id, now=later, min_interval=timedelta(minutes=5))


async def test_situations_are_recorded_once_as_each_story_unfolds(
    engine: AsyncEngine, simulator: RunningSimulator
) -> None:
    from suivi_server.storage.schema import shipment_situations

    worker, clock, ids = await _setup(engine, simulator)
    async with worker.tracker:
        for hours, _ in TIMELINE:
            clock.set_hours(hours)
            await _drain(worker)
            for shipment_id in ids.values():  # polling more often must not repeat a situation
                await request_refresh(engine, shipment_id, now=clock(), min_interval=timedelta(0))
            await _drain(worker)
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(shipment_situations))).all()
    by_carrier: dict[str, list[str]] = {}
    carrier_of = {v: k for k, v in ids.items()}
    for row in sorted(rows, key=lambda r: (r.detected_at, r.id)):
        by_carrier.setdefault(carrier_of[row.shipment_id], []).append(row.kind)
    assert by_carrier["colissimo"][:1] == ["shipped"]
    assert {"out_for_delivery", "delivered"} <= set(by_carrier["colissimo"])
    assert "attempt_failed" in by_carrier["ups"]
    assert "available_for_pickup" in by_carrier["mondial_relay"]
    assert "refused" in by_carrier["dpd"]
    assert "damaged" in by_carrier["chronopost"]
    for kinds in by_carrier.values():
        assert len(kinds) == len(set(kinds)), kinds  # each situation once (facts did not change)
    assert sum(worker.metrics.situations.values()) == len(rows)


# What each milestone of a story means once it went through a carrier and the worker.
MILESTONE_STATUS: dict[str, tuple[str, ...]] = {
    "label_created": ("info_received",),
    "picked_up": ("in_transit",),
    "at_hub": ("in_transit",),
    "departed": ("in_transit",),
    "arrived_at_delivery_site": ("in_transit",),
    "customs": ("in_transit",),
    "delayed": ("in_transit", "exception"),
    "out_for_delivery": ("out_for_delivery",),
    "attempt_failed": ("attempt_failed",),
    "to_pickup_point": ("in_transit",),
    "available_for_pickup": ("available_for_pickup",),
    "collected": ("delivered",),
    "delivered": ("delivered",),
    "delivered_to_neighbour": ("delivered",),
    "address_problem": ("exception",),
    "damaged": ("exception",),
    "refused": ("exception", "returning"),
    "returning": ("returning",),
    "returned": ("returned",),
}


@pytest.mark.parametrize("story", sorted(STORIES))
async def test_every_story_step_is_stored_with_status_estimate_and_situations(
    engine: AsyncEngine, simulator: RunningSimulator, story: str
) -> None:
    from suivi_server.storage.schema import shipment_situations

    merchant_id, _ = await create_merchant(engine)
    number = "6A12345678901"
    simulator.sim.add_parcel(Parcel("colissimo", number, SIM_START, STORIES[story], story=story))
    shipment_id = await create_shipment(
        engine, merchant_id, tracking_number=number, status="pending", next_poll_at=SIM_START
    )
    clock = Clock(simulator)
    tracker = Tracker(
        settings=simulator_settings(simulator.base_url),
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01),
        sleep=_no_sleep,
    )
    worker = Worker(engine, tracker, clock=clock, worker_id="w-story")
    async with tracker:
        for seen, (hours, milestone, *_) in enumerate(STORIES[story], start=1):
            clock.set_hours(hours + 0.1)
            await request_refresh(engine, shipment_id, now=clock(), min_interval=timedelta(0))
            await _drain(worker)
            async with engine.connect() as conn:
                row = (await conn.execute(sa.select(shipments))).one()
                events = (
                    await conn.execute(sa.select(sa.func.count()).select_from(tracking_events))
                ).scalar_one()
                kinds = set((await conn.execute(sa.select(shipment_situations.c.kind))).scalars())
            step = (story, hours, milestone)
            assert row.status in MILESTONE_STATUS[milestone], (step, row.status)
            assert events == seen, step  # every step stored once, none twice
            if row.status not in ("info_received", "pending"):
                assert row.estimate is not None, step  # an estimate is always shown once shipped
                assert "shipped" in kinds or "delivered" in kinds, (step, kinds)
    expected_last = {
        "attempt_failed": "attempt_failed",
        "pickup_point": "available_for_pickup",
        "neighbour": "delivered_to_third_party",
        "address_problem": "address_problem",
        "damaged": "damaged",
        "refused": "refused",
        "not_collected": "returned_to_sender",
        "delayed": "delivery_delayed",
        "delivered": "delivered",
    }
    if story in expected_last:
        assert expected_last[story] in kinds, (story, kinds)
