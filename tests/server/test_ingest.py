"""Storing carrier answers: idempotent events, current view recomputed from all of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import PickupPoint, Status, Substatus, Tracking, TrackingEvent
from suivi_server.storage.ingest import IngestResult, apply_tracking
from suivi_server.storage.schema import shipments, tracking_events
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
NUMBER = "6A12345678901"


def event(hours: float, status: Status, code: str, **fields: Any) -> TrackingEvent:
    return TrackingEvent(
        timestamp=T0 + timedelta(hours=hours), status=status, code=code, label=code, **fields
    )


ACCEPTED = event(0, Status.IN_TRANSIT, "PCH", substatus=Substatus.PICKED_UP)
AT_HUB = event(5, Status.IN_TRANSIT, "AAR", substatus=Substatus.AT_HUB)
OUT = event(24, Status.OUT_FOR_DELIVERY, "MLV")
DELIVERED = event(24, Status.DELIVERED, "LIV", substatus=Substatus.TO_RECIPIENT)
SMS = event(30, Status.IN_TRANSIT, "SMS", affects_status=False)


def tracking(*events: TrackingEvent, **fields: Any) -> Tracking:
    return Tracking.from_events("colissimo", NUMBER, events, **fields)


@pytest.fixture
async def shipment_id(engine: AsyncEngine) -> int:
    merchant_id, _ = await create_merchant(engine)
    return await create_shipment(engine, merchant_id, status="pending")


async def apply(engine: AsyncEngine, shipment_id: int, answer: Tracking) -> IngestResult:
    async with engine.begin() as conn:
        return await apply_tracking(conn, shipment_id, answer, NOW)


async def stored(engine: AsyncEngine, shipment_id: int) -> tuple[Any, list[str]]:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id))).one()
        codes = await conn.execute(
            sa.select(tracking_events.c.code)
            .where(tracking_events.c.shipment_id == shipment_id)
            .order_by(tracking_events.c.occurred_at, tracking_events.c.code)
        )
        return row, list(codes.scalars())


async def test_new_events_are_stored_and_reported(engine: AsyncEngine, shipment_id: int) -> None:
    result = await apply(engine, shipment_id, tracking(AT_HUB, ACCEPTED))
    row, codes = await stored(engine, shipment_id)
    assert codes == ["PCH", "AAR"]
    assert [e.code for e in result.new_events] == ["AAR", "PCH"]
    assert result.status_changed
    assert (row.status, row.substatus) == ("in_transit", "at_hub")
    assert row.last_event_at == AT_HUB.timestamp


async def test_the_same_answer_twice_stores_each_event_once(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await apply(engine, shipment_id, tracking(AT_HUB, ACCEPTED))
    again = await apply(engine, shipment_id, tracking(AT_HUB, ACCEPTED))
    _, codes = await stored(engine, shipment_id)
    assert codes == ["PCH", "AAR"]
    assert again.new_events == ()
    assert not again.status_changed


async def test_the_same_instant_in_another_offset_is_the_same_event(
    engine: AsyncEngine, shipment_id: int
) -> None:
    paris = timezone(timedelta(hours=1))
    await apply(engine, shipment_id, tracking(ACCEPTED))
    shifted = ACCEPTED.model_copy(update={"timestamp": ACCEPTED.timestamp.astimezone(paris)})
    result = await apply(engine, shipment_id, tracking(shifted))
    assert result.new_events == ()
    assert (await stored(engine, shipment_id))[1] == ["PCH"]


async def test_status_comes_from_all_stored_events_not_the_latest_answer(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await apply(engine, shipment_id, tracking(OUT))
    late = await apply(engine, shipment_id, tracking(AT_HUB, ACCEPTED))
    row, codes = await stored(engine, shipment_id)
    assert codes == ["PCH", "AAR", "MLV"]
    assert row.status == "out_for_delivery"
    assert late.tracking.status is Status.OUT_FOR_DELIVERY
    assert not late.status_changed


async def test_delivered_beats_out_for_delivery_in_the_same_minute(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await apply(engine, shipment_id, tracking(DELIVERED))
    await apply(engine, shipment_id, tracking(OUT))
    row, _ = await stored(engine, shipment_id)
    assert (row.status, row.substatus) == ("delivered", "to_recipient")
    assert row.delivered_at == DELIVERED.timestamp


async def test_a_notice_never_changes_the_status(engine: AsyncEngine, shipment_id: int) -> None:
    await apply(engine, shipment_id, tracking(AT_HUB))
    result = await apply(engine, shipment_id, tracking(SMS, AT_HUB))
    row, _ = await stored(engine, shipment_id)
    assert [e.code for e in result.new_events] == ["SMS"]
    assert (row.status, row.substatus) == ("in_transit", "at_hub")
    assert row.last_event_at == SMS.timestamp


async def test_pickup_point_and_signature_are_kept_when_a_later_answer_omits_them(
    engine: AsyncEngine, shipment_id: int
) -> None:
    point = PickupPoint(name="Tabac de la Mairie", city="Paris")
    await apply(engine, shipment_id, tracking(AT_HUB, pickup_point=point, signed_by="C. MARTIN"))
    await apply(engine, shipment_id, tracking(OUT))
    row, _ = await stored(engine, shipment_id)
    assert PickupPoint.model_validate(row.pickup_point) == point
    assert row.signed_by == "C. MARTIN"


async def test_not_found_keeps_a_pending_shipment_pending(
    engine: AsyncEngine, shipment_id: int
) -> None:
    empty = Tracking(carrier="colissimo", tracking_number=NUMBER, status=Status.NOT_FOUND)
    result = await apply(engine, shipment_id, empty)
    row, _ = await stored(engine, shipment_id)
    assert row.status == "pending"
    assert not result.status_changed


async def test_an_unknown_shipment_is_an_error(engine: AsyncEngine) -> None:
    with pytest.raises(LookupError):
        await apply(engine, 404, tracking(ACCEPTED))
