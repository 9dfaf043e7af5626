"""/api/openapi.json documents every route with schemas from the validating models."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

pytestmark = pytest.mark.anyio


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return own.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


async def test_it_is_an_openapi_31_document(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"]
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


async def test_every_api_route_is_documented(spec: dict[str, Any], app: Starlette) -> None:
    [api] = [r for r in app.routes if isinstance(r, Mount) and r.path == "/api"]
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for route in api.routes:
        assert isinstance(route, Route)
        if route.path == "/openapi.json":
            continue
        path = "/api" + route.path.replace(":int", "")
        assert {(path, m) for m in route.methods or ()} - {"HEAD"} <= documented | {(path, "HEAD")}


async def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    refs = _refs(spec)
    assert "#/components/schemas/ShipmentIn" in refs
    assert "#/components/schemas/ErrorOut" in refs
    for ref in refs:
        name = ref.removeprefix("#/components/schemas/")
        assert name in spec["components"]["schemas"], ref


async def test_the_create_operation_describes_body_and_responses(spec: dict[str, Any]) -> None:
    create = spec["paths"]["/api/shipments"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ShipmentIn"}
    assert {"201", "400", "401", "413", "422"} <= set(create["responses"])
    shipment_in = spec["components"]["schemas"]["ShipmentIn"]
    assert {"order_number", "carrier", "tracking_number"} <= set(shipment_in["required"])


async def test_path_and_query_parameters_are_listed(spec: dict[str, Any]) -> None:
    get = spec["paths"]["/api/shipments/{shipment_id}"]["get"]
    assert get["parameters"][0] == {
        "name": "shipment_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    listed = spec["paths"]["/api/shipments"]["get"]["parameters"]
    assert {p["name"] for p in listed} == {"status", "carrier", "problem", "limit", "cursor"}
    assert "404" in get["responses"]


async def test_operation_ids_are_unique(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    json.dumps(spec)  # serializable as served
