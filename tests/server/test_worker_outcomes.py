"""What one poll of the worker records: the answer through the pipeline, a carrier error kept
without touching what is known, and "not found" losing nothing already stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Status, Substatus, Tracker, Tracking, TrackingEvent, TrackResult
from suivi.errors import CarrierUnavailable, ShipmentNotFound, SuiviError
from suivi_server.storage.schema import shipments, tracking_events
from suivi_server.worker.runner import Worker
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

NUMBER = "6A12345678901"
AT_HUB = TrackingEvent(
    timestamp=NOW - timedelta(hours=5),
    status=Status.IN_TRANSIT,
    substatus=Substatus.AT_HUB,
    code="AAR",
    label="hub",
)
HANDED_OVER = TrackingEvent(
    timestamp=NOW - timedelta(hours=10),
    status=Status.IN_TRANSIT,
    substatus=Substatus.PICKED_UP,
    code="PCH",
    label="pris en charge",
)


class StubTracker:
    """Answers every parcel of a batch with the next scripted answer: a Tracking or an error."""

    def __init__(self, *answers: Tracking | SuiviError) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str]] = []

    async def track_many(self, items: Iterable[tuple[str, str]]) -> list[TrackResult]:
        answer = self.answers.pop(0)
        results = []
        for carrier, number in items:
            self.calls.append((carrier, number))
            if isinstance(answer, SuiviError):
                results.append(TrackResult(carrier, number, error=answer))
            else:
                results.append(TrackResult(carrier, number, tracking=answer))
        return results


async def polled(engine: AsyncEngine, *answers: Tracking | SuiviError) -> tuple[Any, list[str]]:
    """Poll one due shipment once per answer, an hour apart; its row and event codes after."""
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id, status="pending", next_poll_at=NOW)
    tracker = StubTracker(*answers)
    clock = [NOW]
    worker = Worker(engine, cast(Tracker, tracker), clock=lambda: clock[0], worker_id="w-test")
    for n in range(len(answers)):
        clock[0] = NOW + timedelta(hours=n)
        async with engine.begin() as conn:  # due again, whatever the cadence said
            await conn.execute(sa.update(shipments).values(next_poll_at=clock[0]))
        assert await worker.run_once() == 1
    assert tracker.calls == [("colissimo", NUMBER)] * len(answers)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id))).one()
        codes = await conn.execute(
            sa.select(tracking_events.c.code).order_by(tracking_events.c.occurred_at)
        )
        return row, list(codes.scalars())


def answer(*events: TrackingEvent) -> Tracking:
    return Tracking.from_events("colissimo", NUMBER, events)


def last_poll(count: int) -> datetime:
    return NOW + timedelta(hours=count - 1)


async def test_an_answer_is_stored_and_the_poll_recorded(engine: AsyncEngine) -> None:
    row, codes = await polled(engine, answer(AT_HUB, HANDED_OVER))
    assert codes == ["PCH", "AAR"]
    assert (row.status, row.substatus) == ("in_transit", "at_hub")
    assert (row.last_polled_at, row.last_error, row.poll_errors) == (NOW, None, 0)
    assert row.lease_owner is None


async def test_a_carrier_error_is_recorded_and_changes_nothing_else(engine: AsyncEngine) -> None:
    outage = CarrierUnavailable("503 from carrier", carrier="colissimo", number=NUMBER)
    row, codes = await polled(engine, answer(AT_HUB), outage)
    assert codes == ["AAR"]
    assert row.status == "in_transit"
    assert row.poll_errors == 1
    assert "503 from carrier" in (row.last_error or "")
    assert row.last_polled_at == last_poll(2)


async def test_not_found_loses_nothing_already_known(engine: AsyncEngine) -> None:
    unknown = ShipmentNotFound("unknown", carrier="colissimo", number=NUMBER)
    row, codes = await polled(engine, answer(AT_HUB), unknown)
    assert codes == ["AAR"]
    assert (row.status, row.substatus, row.last_error) == ("in_transit", "at_hub", None)
    assert row.last_polled_at == last_poll(2)
