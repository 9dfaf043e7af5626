"""Storing a carrier answer keeps the carrier's estimate apart from the window shown to shoppers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import DeliveryEstimate, Status, Substatus, Tracking, TrackingEvent
from suivi_server.storage.ingest import IngestResult, apply_tracking
from suivi_server.storage.schema import shipments
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

NUMBER = "6A12345678901"
T0 = NOW - timedelta(days=1)
AT_HUB = TrackingEvent(
    timestamp=T0, status=Status.IN_TRANSIT, code="AAR", label="hub", substatus=Substatus.AT_HUB
)
DELIVERED = TrackingEvent(
    timestamp=T0 + timedelta(hours=20), status=Status.DELIVERED, code="LIV", label="livré"
)
CARRIER = DeliveryEstimate(
    earliest=NOW.date() + timedelta(days=1), latest=NOW.date() + timedelta(days=2), source="carrier"
)
SHOWN = DeliveryEstimate(
    earliest=NOW.date() + timedelta(days=3), latest=NOW.date() + timedelta(days=3), source="model"
)


def answer(*events: TrackingEvent, **fields: Any) -> Tracking:
    return Tracking.from_events("colissimo", NUMBER, events, **fields)


@pytest.fixture
async def shipment_id(engine: AsyncEngine) -> int:
    merchant_id, _ = await create_merchant(engine)
    return await create_shipment(
        engine, merchant_id, status="pending", estimate=SHOWN.model_dump(mode="json")
    )


async def apply(engine: AsyncEngine, shipment_id: int, tracking: Tracking) -> IngestResult:
    async with engine.begin() as conn:
        return await apply_tracking(conn, shipment_id, tracking, NOW)


async def columns(engine: AsyncEngine, shipment_id: int) -> tuple[Any, Any]:
    query = sa.select(shipments.c.estimate, shipments.c.carrier_estimate).where(
        shipments.c.id == shipment_id
    )
    async with engine.connect() as conn:
        shown, carrier = (await conn.execute(query)).one()
    return shown, carrier


async def test_the_carriers_estimate_is_stored_apart_and_the_shown_one_left_alone(
    engine: AsyncEngine, shipment_id: int
) -> None:
    result = await apply(engine, shipment_id, answer(AT_HUB, estimate=CARRIER))
    shown, carrier = await columns(engine, shipment_id)
    assert DeliveryEstimate.model_validate(carrier) == CARRIER
    assert DeliveryEstimate.model_validate(shown) == SHOWN
    assert result.tracking.estimate == CARRIER


async def test_the_shown_estimate_never_comes_back_as_the_carriers(
    engine: AsyncEngine, shipment_id: int
) -> None:
    result = await apply(engine, shipment_id, answer(AT_HUB))
    assert result.tracking.estimate is None
    assert (await columns(engine, shipment_id))[1] is None


async def test_a_date_the_carrier_stops_giving_no_longer_holds(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await apply(engine, shipment_id, answer(AT_HUB, estimate=CARRIER))
    result = await apply(engine, shipment_id, answer(AT_HUB))
    assert result.tracking.estimate is None
    assert (await columns(engine, shipment_id))[1] is None


async def test_an_answer_that_did_not_find_the_parcel_keeps_the_carriers_date(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await apply(engine, shipment_id, answer(AT_HUB, estimate=CARRIER))
    silent = Tracking(carrier="colissimo", tracking_number=NUMBER, status=Status.NOT_FOUND)
    result = await apply(engine, shipment_id, silent)
    assert result.tracking.estimate == CARRIER
    assert DeliveryEstimate.model_validate((await columns(engine, shipment_id))[1]) == CARRIER


async def test_the_delivery_is_new_only_in_the_answer_that_first_tells_it(
    engine: AsyncEngine, shipment_id: int
) -> None:
    flags = [
        (await apply(engine, shipment_id, answer(*events))).newly_delivered
        for events in ((AT_HUB,), (DELIVERED, AT_HUB), (DELIVERED, AT_HUB))
    ]
    assert flags == [False, True, False]
