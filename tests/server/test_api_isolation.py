"""One merchant can never read or change another's shipments, nor learn that they exist."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.server.factories import bearer, create_merchant, create_shipment, shipment_payload

pytestmark = pytest.mark.anyio


@pytest.fixture
async def two_merchants(engine: AsyncEngine) -> tuple[int, str, int, str]:
    """Merchant A owns a shipment; merchant B holds its own key."""
    a_id, a_key = await create_merchant(engine, slug="maison-a")
    _, b_key = await create_merchant(engine, slug="boutique-b")
    shipment_id = await create_shipment(engine, a_id)
    return a_id, a_key, shipment_id, b_key


@pytest.mark.parametrize("suffix", ["", "/tracking", "/page-url"])
async def test_another_merchants_shipment_reads_as_missing(
    client: httpx.AsyncClient, two_merchants: tuple[int, str, int, str], suffix: str
) -> None:
    _, a_key, shipment_id, b_key = two_merchants
    url = f"/api/shipments/{shipment_id}{suffix}"
    theirs = await client.get(url, headers=bearer(b_key))
    missing = await client.get(
        f"/api/shipments/{shipment_id + 1000}{suffix}", headers=bearer(b_key)
    )
    assert theirs.status_code == 404
    assert theirs.json() == missing.json()
    assert (await client.get(url, headers=bearer(a_key))).status_code == 200


async def test_another_merchants_shipment_cannot_be_patched(
    client: httpx.AsyncClient, two_merchants: tuple[int, str, int, str]
) -> None:
    _, a_key, shipment_id, b_key = two_merchants
    url = f"/api/shipments/{shipment_id}"
    response = await client.patch(url, json={"segment": "vip"}, headers=bearer(b_key))
    assert response.status_code == 404
    assert (await client.get(url, headers=bearer(a_key))).json()["segment"] is None


async def test_lists_never_show_another_merchants_shipments(
    client: httpx.AsyncClient, two_merchants: tuple[int, str, int, str]
) -> None:
    _, a_key, shipment_id, b_key = two_merchants
    for query in ("", "?status=in_transit", "?carrier=colissimo", "?problem=false", "?cursor=999"):
        response = await client.get(f"/api/shipments{query}", headers=bearer(b_key))
        assert response.json() == {"data": [], "next_cursor": None}
    mine = await client.get("/api/shipments", headers=bearer(a_key))
    assert [s["id"] for s in mine.json()["data"]] == [shipment_id]


async def test_the_same_order_posted_by_another_merchant_is_their_own_shipment(
    client: httpx.AsyncClient, two_merchants: tuple[int, str, int, str]
) -> None:
    _, a_key, shipment_id, b_key = two_merchants
    response = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(b_key))
    assert response.status_code == 201
    assert response.json()["id"] != shipment_id
    original = await client.get(f"/api/shipments/{shipment_id}", headers=bearer(a_key))
    assert "phone" not in original.json()["customer"]


async def test_an_import_cannot_touch_another_merchants_shipment(
    client: httpx.AsyncClient, two_merchants: tuple[int, str, int, str]
) -> None:
    _, a_key, shipment_id, b_key = two_merchants
    line = json.dumps(shipment_payload(segment="vip"))
    response = await client.post("/api/shipments/import", content=line, headers=bearer(b_key))
    assert response.json()["created"] == 1
    original = await client.get(f"/api/shipments/{shipment_id}", headers=bearer(a_key))
    assert original.json()["segment"] is None
