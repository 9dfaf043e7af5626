"""Creating, reading, listing and editing shipments through the merchant API."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.api.responses import ShipmentOut, ShipmentPage, TrackingOut
from suivi_server.storage.schema import shipments
from tests.server.conftest import NOW
from tests.server.factories import (
    add_event,
    bearer,
    create_merchant,
    create_shipment,
    shipment_payload,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def key(engine: AsyncEngine) -> str:
    _, key = await create_merchant(engine)
    return key


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(shipments)
        return int((await conn.execute(query)).scalar_one())


async def test_creating_a_shipment_answers_201_with_the_stored_shipment(
    client: httpx.AsyncClient, key: str
) -> None:
    response = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    assert response.status_code == 201
    body = ShipmentOut.model_validate(response.json())
    assert response.headers["location"] == f"/api/shipments/{body.id}"
    assert body.status == "pending"
    assert body.customer.phone == "+33612345678"
    assert body.items[0].name == "Lampe Opaline"
    assert str(body.items[0].price) == "89.00"
    assert body.promise.delivery_date is not None
    assert body.promise.delivery_date.isoformat() == "2026-11-26"
    assert body.segment == "first_order"
    assert body.created_at == NOW


async def test_the_tracking_number_is_stored_normalized(
    client: httpx.AsyncClient, key: str
) -> None:
    payload = shipment_payload(tracking_number="6a 1234-5678 901")
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.json()["tracking_number"] == "6A12345678901"


async def test_posting_the_same_shipment_twice_keeps_one_row(
    client: httpx.AsyncClient, engine: AsyncEngine, key: str
) -> None:
    first = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    second = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert await _count(engine) == 1


async def test_posting_again_updates_the_fields_sent_and_keeps_the_others(
    client: httpx.AsyncClient, key: str, clock: list[datetime]
) -> None:
    await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    clock[0] = NOW + timedelta(hours=1)
    update = {
        "order_number": "CMD-1001",
        "carrier": "colissimo",
        "tracking_number": "6A12345678901",
        "segment": "vip",
    }
    response = await client.post("/api/shipments", json=update, headers=bearer(key))
    body = response.json()
    assert response.status_code == 200
    assert body["segment"] == "vip"
    assert body["customer"]["email"] == "camille@example.com"
    assert body["updated_at"] != body["created_at"]


async def test_a_different_tracking_number_for_the_same_order_is_another_shipment(
    client: httpx.AsyncClient, engine: AsyncEngine, key: str
) -> None:
    await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    second = shipment_payload(tracking_number="6A12345678902")
    response = await client.post("/api/shipments", json=second, headers=bearer(key))
    assert response.status_code == 201
    assert await _count(engine) == 2


async def test_get_returns_the_shipment(client: httpx.AsyncClient, key: str) -> None:
    created = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    shipment_id = created.json()["id"]
    response = await client.get(f"/api/shipments/{shipment_id}", headers=bearer(key))
    assert response.status_code == 200
    assert response.json() == created.json()


@pytest.mark.parametrize("path", ["/api/shipments/999", "/api/shipments/99999999999999"])
async def test_an_unknown_id_is_404(client: httpx.AsyncClient, key: str, path: str) -> None:
    response = await client.get(path, headers=bearer(key))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_patch_changes_only_the_fields_sent(client: httpx.AsyncClient, key: str) -> None:
    created = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    shipment_id = created.json()["id"]
    patch = {
        "customer": {"email": "c.martin@example.org"},
        "promise": {"delivery_date": "2026-11-28"},
    }
    response = await client.patch(f"/api/shipments/{shipment_id}", json=patch, headers=bearer(key))
    body = response.json()
    assert response.status_code == 200
    assert body["customer"]["email"] == "c.martin@example.org"
    assert body["customer"]["name"] == "Camille Martin"
    assert body["promise"] == {"ship_date": "2026-11-23", "delivery_date": "2026-11-28"}


async def test_patch_cannot_change_the_identity_of_a_shipment(
    client: httpx.AsyncClient, key: str
) -> None:
    created = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    response = await client.patch(
        f"/api/shipments/{created.json()['id']}",
        json={"tracking_number": "6A99999999999"},
        headers=bearer(key),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "tracking_number"


async def test_list_is_newest_first_and_paged_by_cursor(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, key = await create_merchant(engine)
    ids = [await create_shipment(engine, merchant_id, order_number=f"CMD-{n}") for n in range(5)]
    first = ShipmentPage.model_validate(
        (await client.get("/api/shipments?limit=2", headers=bearer(key))).json()
    )
    assert [s.id for s in first.data] == ids[::-1][:2]
    assert first.next_cursor is not None
    pages = [first]
    while pages[-1].next_cursor:
        url = f"/api/shipments?limit=2&cursor={pages[-1].next_cursor}"
        pages.append(
            ShipmentPage.model_validate((await client.get(url, headers=bearer(key))).json())
        )
    assert [s.id for page in pages for s in page.data] == ids[::-1]
    assert len(pages) == 3


async def test_list_filters_by_status_carrier_and_problem(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, key = await create_merchant(engine)
    transit = await create_shipment(engine, merchant_id, order_number="A")
    exception = await create_shipment(
        engine, merchant_id, order_number="B", status="exception", substatus="damaged"
    )
    delayed = await create_shipment(
        engine,
        merchant_id,
        order_number="C",
        substatus="delayed",
        carrier="dpd",
        tracking_number="25012345678901",
    )

    async def ids(query: str) -> list[int]:
        response = await client.get(f"/api/shipments?{query}", headers=bearer(key))
        assert response.status_code == 200
        return [s["id"] for s in response.json()["data"]]

    assert await ids("status=exception") == [exception]
    assert await ids("status=in_transit,exception") == [delayed, exception, transit]
    assert await ids("carrier=dpd") == [delayed]
    assert await ids("problem=true") == [delayed, exception]
    assert await ids("problem=false") == [transit]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("status=lost", "status.0"),
        ("problem=maybe", "problem"),
        ("cursor=-1", "cursor"),
    ],
)
async def test_bad_list_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, key: str, query: str, field: str
) -> None:
    response = await client.get(f"/api/shipments?{query}", headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == field


async def test_tracking_lists_events_newest_first_with_status(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        estimate={"earliest": "2026-11-26", "latest": "2026-11-27", "source": "carrier"},
    )
    await add_event(
        engine, shipment_id, NOW - timedelta(days=1), "info_received", "PCH", "Prise en charge"
    )
    await add_event(engine, shipment_id, NOW, "in_transit", "ET1", "En cours d'acheminement")
    response = await client.get(f"/api/shipments/{shipment_id}/tracking", headers=bearer(key))
    body = TrackingOut.model_validate(response.json())
    assert [e.code for e in body.events] == ["ET1", "PCH"]
    assert body.events[0].timestamp == NOW
    assert body.status == "in_transit"
    assert body.estimate is not None
    assert body.estimate.source == "carrier"


async def test_tracking_of_a_shipment_without_events_is_empty(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id, status="pending")
    response = await client.get(f"/api/shipments/{shipment_id}/tracking", headers=bearer(key))
    assert response.json()["events"] == []
    assert response.json()["status"] == "pending"
