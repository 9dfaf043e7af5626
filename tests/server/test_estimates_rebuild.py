"""`suivi estimates rebuild`: the transit counts counted again from the stored deliveries equal
what the live path wrote as each delivery landed, once or twice, batch after batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Status, Substatus, Tracking, TrackingEvent
from suivi.cli import main
from suivi_server.estimates.models import Learned
from suivi_server.estimates.rebuild import rebuild_transit_counts
from suivi_server.storage.engine import create_engine
from suivi_server.storage.schema import shipments, transit_counts
from suivi_server.worker.pipeline import ingest, shipment_rows
from tests.server.conftest import EMPTY_POSTGRES, NOW
from tests.server.factories import create_merchant, create_shipment

S = Substatus


def at(days: float) -> Any:
    return NOW - timedelta(days=9) + timedelta(days=days)


def scan(days: float, status: Status, code: str, sub: Substatus | None = None) -> TrackingEvent:
    return TrackingEvent(timestamp=at(days), status=status, substatus=sub, code=code, label=code)


HANDED_OVER = scan(0, Status.IN_TRANSIT, "PCH", S.PICKED_UP)
AT_HUB = scan(0.5, Status.IN_TRANSIT, "AAR", S.AT_HUB)
AT_SITE = scan(1.8, Status.IN_TRANSIT, "ARR", S.ARRIVED_AT_DELIVERY_SITE)
ON_VAN = scan(2.0, Status.OUT_FOR_DELIVERY, "MLV")
DELIVERED = scan(2.2, Status.DELIVERED, "LIV", S.TO_RECIPIENT)
TO_POINT = scan(1.5, Status.IN_TRANSIT, "PRP", S.TO_PICKUP_POINT)
AT_POINT = scan(2.1, Status.AVAILABLE_FOR_PICKUP, "DIS", S.PICKUP_POINT)
COLLECTED = scan(6.0, Status.DELIVERED, "RCL", S.COLLECTED_AT_PICKUP_POINT)
LATE = scan(8.0, Status.DELIVERED, "LIV", S.TO_RECIPIENT)  # a week after its hand-over

# Each parcel's answers, polled in turn as the worker would, the last one twice.
JOURNEYS: Sequence[tuple[str, str, Sequence[Sequence[TrackingEvent]]]] = (
    (
        "colissimo",
        "75011",
        [[HANDED_OVER], [AT_HUB, HANDED_OVER], [DELIVERED, AT_HUB, HANDED_OVER]],
    ),
    ("colissimo", "75011", [[HANDED_OVER], [DELIVERED, HANDED_OVER]]),  # same week, other batch
    ("mondial_relay", "13008", [[HANDED_OVER], [COLLECTED, AT_POINT, TO_POINT, HANDED_OVER]]),
    ("dpd", "69003", [[ON_VAN, AT_SITE, HANDED_OVER], [DELIVERED, ON_VAN, AT_SITE, HANDED_OVER]]),
    ("chronopost", "97400", [[HANDED_OVER], [LATE, HANDED_OVER]]),
    ("colissimo", "33000", [[HANDED_OVER], [AT_HUB, HANDED_OVER]]),  # not delivered yet
)


async def poll(engine: AsyncEngine, shipment_id: int, events: Sequence[TrackingEvent]) -> None:
    """One answer through the live pipeline, in the transaction the worker uses."""
    async with engine.begin() as conn:
        row = (await conn.execute(shipment_rows().where(shipments.c.id == shipment_id))).one()
        carrier, number = row.carrier, row.tracking_number
        before = Status(row.status)
        tracking = Tracking.from_events(carrier, number, events, status_without_events=before)
        ingested = await ingest(conn, row, tracking, NOW, Learned.empty().model)
        query = sa.update(shipments).where(shipments.c.id == shipment_id)
        await conn.execute(query.values(**ingested.values))


async def counts(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(transit_counts))
        return sorted(tuple(row) for row in rows)


async def deliver_through_the_pipeline(engine: AsyncEngine) -> None:
    lyon, _ = await create_merchant(engine, settings={"origin_postcode": "69007"})
    lille, _ = await create_merchant(
        engine, slug="nord", settings={"origin_postcode": "59000", "timezone": "Europe/Paris"}
    )
    for n, (carrier, postcode, answers) in enumerate(JOURNEYS):
        shipment_id = await create_shipment(
            engine,
            lille if carrier == "dpd" else lyon,
            carrier=carrier,
            tracking_number=f"6A{n:011d}",
            customer_postcode=postcode,
            status="pending",
            promised_delivery_date=None,
        )
        for events in [*answers, answers[-1]]:
            await poll(engine, shipment_id, events)


@pytest.mark.anyio
async def test_a_rebuild_counts_what_the_live_path_counted_once_or_twice(
    engine: AsyncEngine,
) -> None:
    await deliver_through_the_pipeline(engine)
    live = await counts(engine)
    assert {row[4] for row in live} == {"handover", "hub", "delivery_site", "out_for_delivery"}
    assert sum(row[-1] for row in live if row[4] == "handover") == 5  # five delivered parcels

    async with engine.begin() as conn:  # an installation upgrading: nothing learned yet
        await conn.execute(sa.delete(transit_counts))
        await conn.execute(sa.update(shipments).values(learned_at=None))
    batches: list[int] = []
    later = NOW + timedelta(days=1)
    assert await rebuild_transit_counts(engine, later, batch=2, advance=batches.append) == 5
    assert batches == [2, 2, 1]
    assert await counts(engine) == live
    assert await rebuild_transit_counts(engine, NOW, batch=3) == 5  # twice: the same counts
    assert await counts(engine) == live
    async with engine.connect() as conn:
        query = sa.select(shipments.c.learned_at).order_by(shipments.c.id)
        learned = (await conn.execute(query)).scalars().all()
    assert learned == [later] * 5 + [None]  # marked once, when first counted


@pytest.mark.anyio
async def test_a_delivery_counted_by_a_rebuild_is_not_learned_again_by_the_pipeline(
    engine: AsyncEngine,
) -> None:
    await deliver_through_the_pipeline(engine)
    live = await counts(engine)
    async with engine.begin() as conn:  # delivered before the counts were kept
        await conn.execute(sa.delete(transit_counts))
        await conn.execute(sa.update(shipments).values(learned_at=None))
    await rebuild_transit_counts(engine, NOW)
    await poll(
        engine, await _first_id(engine), [DELIVERED, AT_HUB, HANDED_OVER]
    )  # the carrier says it again
    assert await counts(engine) == live


async def _first_id(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.min(shipments.c.id)))).scalar_one())


def test_the_command_rebuilds_the_counts_with_a_progress_bar(
    database_url: str, tmp_path: Path
) -> None:
    async def prepare() -> list[tuple[Any, ...]]:
        engine = create_engine(database_url)
        try:
            if not database_url.startswith("sqlite"):  # as the `engine` fixture leaves it
                async with engine.begin() as conn:
                    await conn.execute(sa.text(EMPTY_POSTGRES))
            await deliver_through_the_pipeline(engine)
            live = await counts(engine)
            async with engine.begin() as conn:
                await conn.execute(sa.update(transit_counts).values(deliveries=99))  # stale
            return live
        finally:
            await engine.dispose()

    async def read() -> list[tuple[Any, ...]]:
        engine = create_engine(database_url)
        try:
            return await counts(engine)
        finally:
            await engine.dispose()

    live = asyncio.run(prepare())
    env = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_DATABASE_URL": database_url}
    for _ in range(2):
        result = CliRunner().invoke(main, ["estimates", "rebuild"], env=env)
        assert result.exit_code == 0, result.output
        assert "transit counts rebuilt from 5 delivered shipments" in result.stdout
        assert "counting deliveries" in result.stderr
        assert asyncio.run(read()) == live
