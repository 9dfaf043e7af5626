"""/metrics tells how the polling fleet is doing, and only to whoever holds the token."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.storage.schema import notifications
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio


@pytest.fixture
def metrics_client(settings: Settings, engine: AsyncEngine) -> httpx.AsyncClient:
    app: Starlette = create_app(
        dataclasses.replace(settings, metrics_token="m-token"),
        engine=engine,
        clock=lambda: NOW,
        migrate=False,
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_metrics_are_disabled_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_metrics_need_the_token(metrics_client: httpx.AsyncClient) -> None:
    async with metrics_client:
        response = await metrics_client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


async def test_metrics_report_statuses_due_polls_and_lag(
    metrics_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    await create_shipment(
        engine, merchant_id, order_number="A", next_poll_at=NOW - timedelta(minutes=90)
    )
    await create_shipment(
        engine, merchant_id, order_number="B", next_poll_at=NOW + timedelta(hours=1)
    )
    await create_shipment(
        engine, merchant_id, order_number="C", status="delivered", poll_errors=2, carrier="ups"
    )
    async with metrics_client:
        response = await metrics_client.get("/metrics", headers={"Authorization": "Bearer m-token"})
    assert response.status_code == 200
    body = response.text.splitlines()
    assert 'suivi_shipments{carrier="colissimo",status="in_transit"} 2' in body
    assert "suivi_polls_due 1" in body
    assert "suivi_poll_lag_seconds 5400" in body
    assert 'suivi_shipments_failing{carrier="ups"} 1' in body


async def test_metrics_report_notifications_waiting_for_the_sender_per_channel(
    metrics_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    rows = [
        ("email", "pending", NOW - timedelta(minutes=10)),
        ("email", "pending", NOW - timedelta(minutes=2)),
        ("email", "pending", NOW + timedelta(hours=6)),  # delayed on purpose: not due yet
        ("email", "sent", NOW - timedelta(hours=1)),
        ("webhook", "pending", NOW - timedelta(seconds=30)),
    ]
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(notifications),
            [
                {
                    "merchant_id": merchant_id,
                    "shipment_id": shipment_id,
                    "event": "shipped",
                    "occurrence": str(n),
                    "channel": channel,
                    "idempotency_key": f"key-{n}",
                    "state": state,
                    "facts": {},
                    "due_at": due,
                    "created_at": due,
                    "updated_at": due,
                }
                for n, (channel, state, due) in enumerate(rows)
            ],
        )
    async with metrics_client:
        text = (
            await metrics_client.get("/metrics", headers={"Authorization": "Bearer m-token"})
        ).text
    assert 'suivi_notifications_due{channel="email"} 2' in text
    assert 'suivi_notifications_due{channel="webhook"} 1' in text
    assert 'suivi_notification_lag_seconds{channel="email"} 600' in text
    assert 'suivi_notification_lag_seconds{channel="webhook"} 30' in text
