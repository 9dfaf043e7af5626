"""What the API does is what /api/openapi.json says, case by case (schemathesis sweeps)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.server.factories import bearer, create_merchant, shipment_payload

pytestmark = pytest.mark.anyio


@pytest.fixture
async def key(engine: AsyncEngine) -> str:
    _, key = await create_merchant(engine)
    return key


async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/api/openapi.json")).json()
    return document


async def test_urls_come_back_as_sent_within_their_documented_length(
    client: httpx.AsyncClient, key: str
) -> None:
    schemas = (await spec(client))["components"]["schemas"]
    limit = schemas["Item-Output"]["properties"]["url"]["anyOf"][0]["maxLength"]
    longest = "https://shop.example" + "a" * (limit - len("https://shop.example"))
    item = {"name": "Lampe", "url": longest, "image_url": "https://cdn.example"}
    payload = shipment_payload(items=[item])
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.status_code == 201, response.text
    stored = response.json()["items"][0]
    assert (stored["url"], stored["image_url"]) == (longest, "https://cdn.example")
    too_long = shipment_payload(items=[{**item, "url": longest + "a"}])
    refused = await client.post("/api/shipments", json=too_long, headers=bearer(key))
    assert refused.status_code == 422


@pytest.mark.parametrize("value", [0, 1_764_000_000, True])
async def test_ordered_at_is_a_date_time_not_a_number(
    client: httpx.AsyncClient, key: str, value: object
) -> None:
    payload = shipment_payload(ordered_at=value)
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == "ordered_at"


async def test_text_fields_do_not_take_numbers(client: httpx.AsyncClient, key: str) -> None:
    payload = shipment_payload(order_number=1001)
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == "order_number"


@pytest.mark.parametrize("query", ["carrier=ups&carrier=dpd", "limit=5&limit=6"])
async def test_a_repeated_query_parameter_is_refused(
    client: httpx.AsyncClient, key: str, query: str
) -> None:
    response = await client.get(f"/api/shipments?{query}", headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == query.split("=")[0]


async def test_an_import_without_a_body_is_refused(client: httpx.AsyncClient, key: str) -> None:
    headers = {**bearer(key), "Content-Type": "text/csv"}
    response = await client.post("/api/shipments/import", content=b"", headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "empty_body"


async def test_the_schema_lists_the_installed_carriers_and_the_locale_pattern(
    client: httpx.AsyncClient, key: str
) -> None:
    schemas = (await spec(client))["components"]["schemas"]
    assert set(schemas["ShipmentIn"]["properties"]["carrier"]["enum"]) >= {"colissimo", "ups"}
    locale = schemas["Customer"]["properties"]["locale"]["anyOf"][0]
    assert locale["pattern"].startswith("^")
    for value in ("", "french please"):
        payload = shipment_payload(customer={"locale": value})
        response = await client.post("/api/shipments", json=payload, headers=bearer(key))
        assert response.status_code == 422
        assert response.json()["field"] == "customer.locale"


async def test_an_update_and_a_too_early_refresh_are_documented(
    client: httpx.AsyncClient, key: str
) -> None:
    paths = (await spec(client))["paths"]
    assert {"200", "201"} <= set(paths["/api/shipments"]["post"]["responses"])
    refresh = paths["/api/shipments/{shipment_id}/refresh"]["post"]
    assert "Retry-After" in refresh["responses"]["429"]["headers"]
    assert "requestBody" not in refresh
    first = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    again = await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    assert (first.status_code, again.status_code) == (201, 200)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/shipments", {"GET", "POST"}), ("/api/shipments/1", {"GET", "HEAD", "PATCH"})],
)
async def test_a_wrong_method_lists_every_method_of_the_path(
    client: httpx.AsyncClient, key: str, path: str, allowed: set[str]
) -> None:
    response = await client.request("DELETE", path, headers=bearer(key))
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) >= allowed
