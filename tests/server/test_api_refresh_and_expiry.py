"""Refresh-now through the API, and page links that expire when the merchant asks."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import shipments
from tests.server.conftest import NOW
from tests.server.factories import bearer, create_merchant, create_shipment

pytestmark = pytest.mark.anyio


async def test_a_new_shipment_is_due_for_a_poll_at_once(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    from tests.server.factories import shipment_payload

    _, key = await create_merchant(engine)
    response = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    assert response.status_code == 201
    async with engine.connect() as conn:
        due = (await conn.execute(sa.select(shipments.c.next_poll_at))).scalar_one()
    assert due == NOW


async def test_refresh_schedules_a_poll_then_refuses_until_the_interval_passed(
    client: httpx.AsyncClient, engine: AsyncEngine, clock: list[datetime]
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        last_polled_at=NOW - timedelta(hours=1),
        next_poll_at=NOW + timedelta(hours=1),
    )
    first = await client.post(f"/api/shipments/{shipment_id}/refresh", headers=bearer(key))
    assert first.status_code == 202
    assert first.json()["scheduled"] is True
    async with engine.connect() as conn:
        due = (await conn.execute(sa.select(shipments.c.next_poll_at))).scalar_one()
    assert due == NOW
    # Polled one minute later by the worker: asking again is too soon.
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(shipments).values(
                last_polled_at=NOW + timedelta(minutes=1), next_poll_at=NOW + timedelta(hours=2)
            )
        )
    clock[0] = NOW + timedelta(minutes=2)
    again = await client.post(f"/api/shipments/{shipment_id}/refresh", headers=bearer(key))
    assert again.status_code == 429
    assert again.json()["error"] == "too_soon"
    assert again.headers["Retry-After"] == "240"
    clock[0] = NOW + timedelta(minutes=7)
    later = await client.post(f"/api/shipments/{shipment_id}/refresh", headers=bearer(key))
    assert later.status_code == 202


async def test_refresh_of_another_merchants_shipment_is_not_found(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    owner_id, _ = await create_merchant(engine)
    _, stranger_key = await create_merchant(engine, slug="autre")
    shipment_id = await create_shipment(engine, owner_id)
    response = await client.post(
        f"/api/shipments/{shipment_id}/refresh", headers=bearer(stranger_key)
    )
    assert response.status_code == 404


async def test_a_link_with_an_expiry_stops_working_after_it(
    client: httpx.AsyncClient, engine: AsyncEngine, clock: list[datetime]
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    response = await client.get(
        f"/api/shipments/{shipment_id}/page-url", params={"expires_in_days": 7}, headers=bearer(key)
    )
    assert response.status_code == 200
    assert response.json()["expires_at"] == (NOW + timedelta(days=7)).isoformat()
    path = response.json()["url"].removeprefix("http://testserver")
    assert (await client.get(path)).status_code == 200
    clock[0] = NOW + timedelta(days=7, seconds=1)
    expired = await client.get(path)
    assert expired.status_code == 410


async def test_an_out_of_range_expiry_is_a_named_validation_error(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    response = await client.get(
        f"/api/shipments/{shipment_id}/page-url", params={"expires_in_days": 0}, headers=bearer(key)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "expires_in_days"
