"""A batch of answers is written in a fixed number of statements, and writes exactly what the
same answers written one at a time write: shipment rows, situations opened and closed, problems,
handled marks dropped, shown windows, deliveries learned and outbox rows, on both databases."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Status, Substatus, Tracking, TrackingEvent, TransitModel
from suivi_server.storage.ingest import stored_events
from suivi_server.storage.schema import (
    notification_optins,
    notifications,
    shipment_handling,
    shipment_situations,
    shipments,
    shopper_choices,
    shown_estimates,
    tracking_events,
)
from suivi_server.worker.pipeline import Answer, ingest, ingest_many, shipment_rows
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

_s = shipments.c
MODEL = TransitModel.learn([])
LATER = NOW + timedelta(hours=6)


def event(hours_ago: float, status: Status, code: str, sub: Substatus | None = None) -> Any:
    at = NOW - timedelta(hours=hours_ago)
    return TrackingEvent(timestamp=at, status=status, substatus=sub, code=code, label=code)


HANDED = event(30, Status.IN_TRANSIT, "PCH", Substatus.PICKED_UP)
HUB = event(20, Status.IN_TRANSIT, "AAR", Substatus.AT_HUB)
FAILED = event(2, Status.ATTEMPT_FAILED, "AVS", Substatus.RECIPIENT_ABSENT)
LOST = event(3, Status.EXCEPTION, "PER", Substatus.LOST)
DELIVERED = event(-2, Status.DELIVERED, "LIV", Substatus.TO_RECIPIENT)

# Per parcel: what the carrier says at NOW, then at LATER; and what is stored beside it.
STORIES: dict[str, dict[str, Any]] = {
    "moving": {"answers": ([HANDED], [HANDED, HUB])},
    "missed-then-delivered": {"answers": ([HANDED, FAILED], [HANDED, FAILED, DELIVERED])},
    "lost": {"answers": ([HANDED, LOST], [HANDED, LOST])},
    "handled-then-missed": {
        "answers": ([HANDED], [HANDED, FAILED]),
        "handled_at": NOW - timedelta(days=1),
    },
    "choice-open": {"answers": ([HANDED, FAILED], [HANDED, FAILED]), "choice": "reship"},
    "opted-in": {"answers": ([HANDED], [HANDED, FAILED]), "optin": "sms"},
    "nothing-yet": {"answers": ([], [])},
}


async def _world(engine: AsyncEngine, slug: str) -> dict[str, int]:
    """One merchant with a parcel per story: the same parcels in every world."""
    merchant_id, _ = await create_merchant(engine, slug)
    ids: dict[str, int] = {}
    for index, (name, story) in enumerate(STORIES.items()):
        ids[name] = shipment_id = await create_shipment(
            engine,
            merchant_id,
            order_number=f"CMD-{index}",
            tracking_number=f"6A1234567890{index}",
            status="pending",
            customer_phone="+33612345678",
        )
        async with engine.begin() as conn:
            if "handled_at" in story:
                await conn.execute(
                    sa.insert(shipment_handling).values(
                        shipment_id=shipment_id,
                        merchant_id=merchant_id,
                        handled_at=story["handled_at"],
                    )
                )
            if "choice" in story:
                await conn.execute(
                    sa.insert(shopper_choices).values(
                        merchant_id=merchant_id,
                        shipment_id=shipment_id,
                        status="attempt_failed",
                        kind=story["choice"],
                        details={},
                        created_at=NOW - timedelta(hours=1),
                        updated_at=NOW - timedelta(hours=1),
                    )
                )
            if "optin" in story:
                await conn.execute(
                    sa.insert(notification_optins).values(
                        merchant_id=merchant_id,
                        shipment_id=shipment_id,
                        channel=story["optin"],
                        address="+33612345678",
                        requested_at=NOW - timedelta(hours=1),
                        confirmed_at=NOW - timedelta(hours=1),
                    )
                )
    return ids


def _tracking(index: int, events: Sequence[Any]) -> Tracking:
    return Tracking.from_events("colissimo", f"6A1234567890{index}", list(events))


async def _one_by_one(engine: AsyncEngine, ids: dict[str, int], step: int, now: datetime) -> None:
    for index, (name, story) in enumerate(STORIES.items()):
        async with engine.begin() as conn:
            row = (await conn.execute(shipment_rows().where(_s.id == ids[name]))).one()
            await ingest(conn, row, _tracking(index, story["answers"][step]), now, MODEL)


async def _as_a_batch(engine: AsyncEngine, ids: dict[str, int], step: int, now: datetime) -> None:
    async with engine.begin() as conn:
        answers = []
        for index, (name, story) in enumerate(STORIES.items()):
            row = (await conn.execute(shipment_rows().where(_s.id == ids[name]))).one()
            stored = stored_events().where(tracking_events.c.shipment_id == row.id)
            events = (await conn.execute(stored)).all()
            answers.append(Answer(row, _tracking(index, story["answers"][step]), events))
        await ingest_many(conn, answers, now, MODEL)


async def _written(engine: AsyncEngine, ids: dict[str, int]) -> dict[str, Any]:
    """Everything the answers wrote, per story, without the ids that differ between worlds."""
    skip = {"id", "merchant_id", "shipment_id", "idempotency_key"}

    def plain(row: Any) -> dict[str, Any]:
        return {k: v for k, v in row._mapping.items() if k not in skip}

    tables = (shipment_situations, notifications, shown_estimates, shipment_handling)
    found: dict[str, Any] = {}
    async with engine.connect() as conn:
        for name, shipment_id in ids.items():
            row = (await conn.execute(sa.select(shipments).where(_s.id == shipment_id))).one()
            found[name] = {"shipment": plain(row)}
            for table in tables:
                query = sa.select(table).where(table.c.shipment_id == shipment_id)
                rows = [plain(r) for r in await conn.execute(query)]
                found[name][table.name] = sorted(rows, key=repr)
    return found


async def test_a_batch_writes_what_the_same_answers_one_at_a_time_write(
    engine: AsyncEngine,
) -> None:
    alone = await _world(engine, "alone")
    batched = await _world(engine, "batched")
    for step, now in enumerate((NOW, LATER)):
        await _one_by_one(engine, alone, step, now)
        await _as_a_batch(engine, batched, step, now)
    expected, got = await _written(engine, alone), await _written(engine, batched)
    assert got == expected
    # The stories did happen, so the comparison is not between two empty worlds.
    story = got["missed-then-delivered"]
    assert story["shipment"]["status"] == "delivered"
    assert story["shipment"]["learned_at"] == LATER
    situations = {s["kind"]: s["resolved_at"] for s in story["shipment_situations"]}
    assert situations["attempt_failed"] == LATER  # closed by the delivery
    assert situations["delivered"] is None
    assert got["lost"]["shipment"]["problem"] == "lost"
    assert got["choice-open"]["shipment"]["problem"] == "choice_pending"
    assert got["handled-then-missed"]["shipment"]["problem"] == "attempt_failed"
    assert got["handled-then-missed"]["shipment_handling"] == []  # the old mark is dropped
    channels = {n["channel"] for n in got["opted-in"]["notifications"]}
    assert "sms" in channels
    assert got["moving"]["shown_estimates"]
    assert got["nothing-yet"]["shipment"]["status"] == "pending"
    # A column an answer did not set is not written back: SQL NULL stays NULL, not JSON null.
    assert await _without_shipped_estimate(engine, batched) == {"nothing-yet"}
    assert await _without_shipped_estimate(engine, alone) == {"nothing-yet"}


async def _without_shipped_estimate(engine: AsyncEngine, ids: dict[str, int]) -> set[str]:
    names = {shipment_id: name for name, shipment_id in ids.items()}
    query = sa.select(_s.id).where(_s.id.in_(names), _s.shipped_estimate.is_(None))
    async with engine.connect() as conn:
        return {names[shipment_id] for shipment_id in (await conn.execute(query)).scalars()}


@contextmanager
def _counting(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _statements_for(engine: AsyncEngine, size: int) -> tuple[list[str], int]:
    """Statements run to apply `size` missed-delivery answers (events, situation, problem,
    outbox, shown window), and the outbox rows they wrote."""
    merchant_id, _ = await create_merchant(engine, f"batch-{size}")
    ids = [
        await create_shipment(
            engine,
            merchant_id,
            order_number=f"CMD-{n}",
            tracking_number=f"6A{size:02d}{n:09d}",
            status="pending",
        )
        for n in range(size)
    ]
    async with engine.begin() as conn:
        rows = (await conn.execute(shipment_rows().where(_s.id.in_(ids)))).all()
        answers = [
            Answer(
                row, Tracking.from_events("colissimo", row.tracking_number, [HANDED, FAILED]), []
            )
            for row in rows
        ]
        with _counting(engine) as statements:
            await ingest_many(conn, answers, NOW, MODEL)
    query = sa.select(sa.func.count()).where(notifications.c.shipment_id.in_(ids))
    async with engine.connect() as conn:
        written = int((await conn.execute(query)).scalar_one())
    return statements, written


async def test_a_batch_takes_the_same_statements_whatever_its_size(engine: AsyncEngine) -> None:
    few, few_written = await _statements_for(engine, 3)
    many, many_written = await _statements_for(engine, 24)
    assert many == few
    assert len(few) <= 12
    assert many_written == 8 * few_written > 0  # every answer did write its outbox rows
