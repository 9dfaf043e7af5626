"""A push holds its parcel's write lock from its first statement, on both databases: a shopper's
choice made while the push is being applied waits for it, and is not overwritten by it (SQLite
ignores FOR UPDATE and begins a transaction only at its first write)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi import Registry
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.engagement.choice_store import record_choice
from suivi_server.storage.schema import shipments, shopper_choices
from suivi_server.worker import pipeline
from tests.conftest import fixture_bytes
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

CREDENTIAL = "ups-push-5b1f0c9e"
NUMBER = "1Z999AA10123456784"
_s = shipments.c


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    ups = Registry().get("ups").settings_model.model_validate({"webhook_credential": CREDENTIAL})
    return create_app(
        settings, engine=engine, clock=lambda: NOW, migrate=False, adapters={"ups": ups}
    )


async def test_a_choice_made_during_a_push_keeps_its_problem(
    app: Starlette, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id, carrier="ups", tracking_number=NUMBER)

    async def shopper_asks_for_a_reship() -> None:
        async with engine.begin() as conn:
            query = sa.select(shipments).where(_s.id == shipment_id)
            shipment = (await conn.execute(query)).mappings().one()
            await record_choice(
                conn,
                merchant_id=merchant_id,
                merchant_settings={},
                shipment=shipment,
                kind="reship",
                situation="lost",
                details={},
                now=NOW,
            )

    choosing: list[asyncio.Task[None]] = []
    read_opt_ins = pipeline.opted_in_many

    async def while_the_push_is_planned(conn: Any, ids: Any) -> Any:
        # The push has read the parcel and planned its answer: the shopper chooses now.
        choosing.append(asyncio.create_task(shopper_asks_for_a_reship()))
        await asyncio.sleep(0.3)
        return await read_opt_ins(conn, ids)

    monkeypatch.setattr(pipeline, "opted_in_many", while_the_push_is_planned)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/webhooks/ups",
            content=fixture_bytes("ups", "track_alert_out_for_delivery.json"),
            headers={"Content-Type": "application/json", "credential": CREDENTIAL},
        )
    assert response.status_code == 200, response.text
    assert response.json()["shipments"] == 1
    await asyncio.wait_for(choosing[0], timeout=10)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(shipments).where(_s.id == shipment_id))).one()
        choices = (await conn.execute(sa.select(shopper_choices.c.state))).scalars().all()
    assert choices == ["open"]
    assert row.status == "out_for_delivery"  # the push was applied
    assert row.problem == "choice_pending"  # and the choice made meanwhile still shows
