"""Every merchant endpoint demands a live bearer API key, and says so in JSON."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.services import Services
from suivi_server.storage.merchants import revoke_api_key
from tests.server.conftest import NOW
from tests.server.factories import bearer, create_merchant

pytestmark = pytest.mark.anyio

ENDPOINTS = [
    ("GET", "/api/shipments"),
    ("POST", "/api/shipments"),
    ("POST", "/api/shipments/import"),
    ("GET", "/api/shipments/1"),
    ("PATCH", "/api/shipments/1"),
    ("GET", "/api/shipments/1/tracking"),
    ("GET", "/api/shipments/1/page-url"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_every_endpoint_refuses_a_request_without_a_key(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sk_000000000000_not-a-real-key",
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "Bearer sk_\u00e9\u00e9_secret".encode("latin-1"),
    ],
)
async def test_an_unknown_or_malformed_key_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, header: str | bytes
) -> None:
    await create_merchant(engine)
    response = await client.get("/api/shipments", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["message"]


async def test_a_key_with_the_right_prefix_but_wrong_secret_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    _, key = await create_merchant(engine)
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    response = await client.get("/api/shipments", headers=bearer(forged))
    assert response.status_code == 401


async def test_a_valid_key_is_accepted(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    _, key = await create_merchant(engine)
    response = await client.get("/api/shipments", headers=bearer(key))
    assert response.status_code == 200


async def test_a_revoked_key_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    _, key = await create_merchant(engine)
    async with engine.begin() as conn:
        assert await revoke_api_key(conn, key, NOW)
    response = await client.get("/api/shipments", headers=bearer(key))
    assert response.status_code == 401
    assert response.json()["message"] == "invalid or revoked API key"


async def test_the_openapi_document_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
