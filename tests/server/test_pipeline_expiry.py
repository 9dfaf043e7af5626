"""A shipment that expires on a poll keeps the problem its final status gives, whichever way the
news came (the worker's poll or a carrier's push)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Status, Substatus, Tracking, TrackingEvent
from suivi_server.estimates.models import Learned
from suivi_server.storage.problems import refresh_problem
from suivi_server.storage.schema import shipments
from suivi_server.worker.pipeline import ingest, shipment_rows
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

NUMBER = "6A12345678901"
HELD = TrackingEvent(
    timestamp=NOW - timedelta(days=60),
    status=Status.EXCEPTION,
    substatus=Substatus.HELD_BY_CARRIER,
    code="RST",
    label="Colis retenu",
)


async def poll(engine: AsyncEngine, shipment_id: int, tracking: Tracking) -> Any:
    """One answer through the pipeline, as the worker and webhooks apply it."""
    async with engine.begin() as conn:
        row = (await conn.execute(shipment_rows().where(shipments.c.id == shipment_id))).one()
        await ingest(conn, row, tracking, NOW, Learned.empty().model)
    return await stored(engine, shipment_id)


async def stored(engine: AsyncEngine, shipment_id: int) -> Any:
    query = sa.select(shipments).where(shipments.c.id == shipment_id)
    async with engine.connect() as conn:
        return (await conn.execute(query)).one()


async def test_a_parcel_held_without_news_expires_with_the_problem_of_its_expired_status(
    engine: AsyncEngine,
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        status="in_transit",
        created_at=NOW - timedelta(days=62),
        promised_ship_date=(NOW - timedelta(days=61)).date(),
        promised_delivery_date=(NOW - timedelta(days=58)).date(),
    )
    row = await poll(engine, shipment_id, Tracking.from_events("colissimo", NUMBER, [HELD]))
    assert (row.status, row.substatus) == ("expired", None)
    assert row.problem == "delivery_delayed"  # an exception the expiry replaced is no problem
    async with engine.begin() as conn:
        await refresh_problem(conn, shipment_id, NOW)
    again = await stored(engine, shipment_id)
    assert (again.problem, again.problem_since) == (row.problem, row.problem_since)
