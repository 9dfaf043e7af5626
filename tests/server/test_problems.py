"""The shipment's leading problem column, kept in step with its situations and shopper choices."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import DetectedSituation, Situation
from suivi_server.engagement.choice_store import mark_handled, record_choice
from suivi_server.engagement.choices import CHOICES
from suivi_server.storage.engine import create_engine, upgrade
from suivi_server.storage.problems import CHOICE_PROBLEMS, PRIORITY, SITUATION_PROBLEMS
from suivi_server.storage.schema import shipments, shopper_choices
from suivi_server.storage.situations import record_situations
from tests.server.conftest import NOW
from tests.server.engagement_support import add_situation
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio
PARIS = ZoneInfo("Europe/Paris")


def detected(kind: Situation, **facts: Any) -> DetectedSituation:
    return DetectedSituation(kind, NOW, facts, f"{kind.value}-{sorted(facts.items())}")


async def new_shipment(engine: AsyncEngine, **fields: Any) -> tuple[int, int]:
    merchant_id, _ = await create_merchant(engine)
    return merchant_id, await create_shipment(engine, merchant_id, **fields)


async def record(
    engine: AsyncEngine, shipment_id: int, *situations: DetectedSituation, at: datetime = NOW
) -> None:
    async with engine.begin() as conn:
        await record_situations(conn, shipment_id, situations, at)


async def problem_of(engine: AsyncEngine, shipment_id: int) -> tuple[str | None, datetime | None]:
    async with engine.connect() as conn:
        query = sa.select(shipments.c.problem, shipments.c.problem_since)
        row = (await conn.execute(query.where(shipments.c.id == shipment_id))).one()
    return row.problem, row.problem_since


async def choose(engine: AsyncEngine, merchant_id: int, shipment_id: int, kind: str) -> int:
    async with engine.begin() as conn:
        return await record_choice(
            conn,
            merchant_id=merchant_id,
            merchant_settings={},
            shipment={"id": shipment_id, "status": "delivered"},
            kind=kind,
            situation="delivered",
            details={},
            now=NOW,
        )


def test_every_problem_kind_has_a_priority_and_every_choice_a_rule() -> None:
    kinds = set(SITUATION_PROBLEMS.values()) | {k for k in CHOICE_PROBLEMS.values() if k}
    assert kinds <= set(PRIORITY)
    assert set(CHOICE_PROBLEMS) == set(CHOICES)


@pytest.mark.parametrize(
    "kind",
    [Situation(k) for k in SITUATION_PROBLEMS if k != "available_for_pickup"],
)
async def test_a_problem_situation_sets_the_problem_since_it_was_detected(
    engine: AsyncEngine, kind: Situation
) -> None:
    _, shipment_id = await new_shipment(engine)
    await record(engine, shipment_id, detected(kind))
    assert await problem_of(engine, shipment_id) == (kind.value, NOW)


@pytest.mark.parametrize(
    "kind", [Situation.SHIPPED, Situation.OUT_FOR_DELIVERY, Situation.DELIVERED]
)
async def test_an_informational_situation_is_no_problem(
    engine: AsyncEngine, kind: Situation
) -> None:
    _, shipment_id = await new_shipment(engine)
    await record(engine, shipment_id, detected(kind))
    assert await problem_of(engine, shipment_id) == (None, None)


async def test_the_highest_priority_problem_leads(engine: AsyncEngine) -> None:
    _, shipment_id = await new_shipment(engine, status="exception", substatus="damaged")
    await record(
        engine,
        shipment_id,
        detected(Situation.SHIPPED_LATE),
        detected(Situation.DELIVERY_DELAYED, reason="no_scan"),
        detected(Situation.DAMAGED),
    )
    assert await problem_of(engine, shipment_id) == ("damaged", NOW)


async def test_a_resolved_problem_gives_way_to_the_next_then_to_none(engine: AsyncEngine) -> None:
    _, shipment_id = await new_shipment(engine)
    late = detected(Situation.SHIPPED_LATE)
    await record(engine, shipment_id, late)
    later = NOW + timedelta(hours=5)
    await record(engine, shipment_id, late, detected(Situation.ATTEMPT_FAILED), at=later)
    assert await problem_of(engine, shipment_id) == ("attempt_failed", later)
    await record(engine, shipment_id, late, at=later + timedelta(hours=1))
    assert await problem_of(engine, shipment_id) == ("shipped_late", NOW)
    await record(engine, shipment_id, at=later + timedelta(hours=2))
    assert await problem_of(engine, shipment_id) == (None, None)


async def test_an_unexplained_exception_is_a_problem_from_when_it_was_first_seen(
    engine: AsyncEngine,
) -> None:
    _, shipment_id = await new_shipment(engine, status="exception", substatus="customs_hold")
    await record(engine, shipment_id)
    await record(engine, shipment_id, at=NOW + timedelta(hours=3))
    assert await problem_of(engine, shipment_id) == ("exception", NOW)


async def test_a_lost_parcel_is_its_own_problem(engine: AsyncEngine) -> None:
    _, shipment_id = await new_shipment(engine, status="exception", substatus="lost")
    await record(engine, shipment_id, detected(Situation.DELIVERY_DELAYED, reason="no_scan"))
    assert await problem_of(engine, shipment_id) == ("lost", NOW)


async def test_an_exception_a_situation_explains_is_that_situation(engine: AsyncEngine) -> None:
    _, shipment_id = await new_shipment(engine, status="exception", substatus="address_problem")
    await record(engine, shipment_id, detected(Situation.ADDRESS_PROBLEM))
    assert await problem_of(engine, shipment_id) == ("address_problem", NOW)


async def test_a_pickup_starts_being_a_problem_two_days_before_its_deadline(
    engine: AsyncEngine,
) -> None:
    _, shipment_id = await new_shipment(engine, status="available_for_pickup")
    deadline = (NOW + timedelta(days=9)).date()
    await record(
        engine, shipment_id, detected(Situation.AVAILABLE_FOR_PICKUP, deadline=deadline.isoformat())
    )
    midnight = datetime(deadline.year, deadline.month, deadline.day, tzinfo=PARIS)
    assert await problem_of(engine, shipment_id) == ("pickup_deadline", midnight - timedelta(2))


async def test_a_pickup_without_deadline_is_assumed_held_ten_days(engine: AsyncEngine) -> None:
    _, shipment_id = await new_shipment(engine, status="available_for_pickup")
    await record(engine, shipment_id, detected(Situation.AVAILABLE_FOR_PICKUP))
    assert await problem_of(engine, shipment_id) == ("pickup_deadline", NOW + timedelta(days=8))


async def test_a_problem_started_beats_a_pickup_deadline_still_far(engine: AsyncEngine) -> None:
    _, shipment_id = await new_shipment(engine, status="available_for_pickup")
    far = (NOW + timedelta(days=9)).date().isoformat()
    await record(
        engine,
        shipment_id,
        detected(Situation.SHIPPED_LATE),
        detected(Situation.AVAILABLE_FOR_PICKUP, deadline=far),
    )
    assert await problem_of(engine, shipment_id) == ("shipped_late", NOW)


async def test_a_pickup_deadline_near_beats_a_late_shipping(engine: AsyncEngine) -> None:
    _, shipment_id = await new_shipment(engine, status="available_for_pickup")
    near = (NOW + timedelta(days=1)).date()
    await record(
        engine,
        shipment_id,
        detected(Situation.SHIPPED_LATE),
        detected(Situation.AVAILABLE_FOR_PICKUP, deadline=near.isoformat()),
    )
    midnight = datetime(near.year, near.month, near.day, tzinfo=PARIS)
    assert await problem_of(engine, shipment_id) == ("pickup_deadline", midnight - timedelta(2))


async def test_not_received_disputes_the_delivery_and_found_it_ends_the_dispute(
    engine: AsyncEngine,
) -> None:
    merchant_id, shipment_id = await new_shipment(engine, status="delivered")
    await record(engine, shipment_id, detected(Situation.DELIVERED))
    await choose(engine, merchant_id, shipment_id, "not_received")
    assert await problem_of(engine, shipment_id) == ("disputed", NOW)
    await choose(engine, merchant_id, shipment_id, "found_it")
    assert await problem_of(engine, shipment_id) == (None, None)


async def test_a_pending_choice_leads_until_the_merchant_handles_it(engine: AsyncEngine) -> None:
    merchant_id, shipment_id = await new_shipment(
        engine, status="exception", substatus="address_problem"
    )
    await record(engine, shipment_id, detected(Situation.ADDRESS_PROBLEM), at=NOW - timedelta(1))
    choice_id = await choose(engine, merchant_id, shipment_id, "confirm_address")
    assert await problem_of(engine, shipment_id) == ("choice_pending", NOW)
    async with engine.begin() as conn:
        await mark_handled(conn, merchant_id, choice_id, NOW + timedelta(hours=1))
    assert await problem_of(engine, shipment_id) == ("address_problem", NOW - timedelta(1))


async def test_a_new_poll_keeps_the_pending_choice_in_the_lead(engine: AsyncEngine) -> None:
    merchant_id, shipment_id = await new_shipment(engine, status="delivered")
    await choose(engine, merchant_id, shipment_id, "not_received")
    await record(engine, shipment_id, detected(Situation.DELIVERED), at=NOW + timedelta(hours=2))
    assert await problem_of(engine, shipment_id) == ("disputed", NOW)


async def test_the_migration_fills_the_problem_of_shipments_already_stored(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}"
    await upgrade(url, "0010")
    engine = create_engine(url)
    merchant_id, _ = await create_merchant(engine)
    damaged = await create_shipment(engine, merchant_id, tracking_number="A1")
    await add_situation(engine, damaged, "damaged", NOW - timedelta(days=3))
    disputed = await create_shipment(engine, merchant_id, tracking_number="A2", status="delivered")
    await add_situation(engine, disputed, "delivered", NOW - timedelta(days=2))
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shopper_choices).values(
                merchant_id=merchant_id,
                shipment_id=disputed,
                status="delivered",
                kind="not_received",
                details={},
                created_at=NOW - timedelta(days=1),
                updated_at=NOW - timedelta(days=1),
            )
        )
    calm = await create_shipment(engine, merchant_id, tracking_number="A3")
    await add_situation(engine, calm, "shipped", NOW - timedelta(days=3))
    await upgrade(url, "0011")
    try:
        assert await problem_of(engine, damaged) == ("damaged", NOW - timedelta(days=3))
        assert await problem_of(engine, disputed) == ("disputed", NOW - timedelta(days=1))
        assert await problem_of(engine, calm) == (None, None)
    finally:
        await engine.dispose()
