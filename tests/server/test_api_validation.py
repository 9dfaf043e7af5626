"""Bad input is a 4xx whose JSON body names the field; it never reaches the database."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.api.body import MAX_JSON_BYTES
from tests.server.factories import bearer, create_merchant, shipment_payload

pytestmark = pytest.mark.anyio


@pytest.fixture
async def key(engine: AsyncEngine) -> str:
    _, key = await create_merchant(engine)
    return key


def _with(path: str, value: Any) -> dict[str, Any]:
    """The valid payload with one (possibly nested) field replaced."""
    payload = shipment_payload()
    *parents, last = path.split(".")
    node: Any = payload
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return payload


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_number", ""),
        ("order_number", "X" * 65),
        ("carrier", "pigeon-post"),
        ("tracking_number", "NOT-A-NUMBER"),
        ("customer.email", "camille-at-example"),
        ("customer.phone", "12"),
        ("customer.locale", "french please"),
        ("customer.country", "France"),
        ("customer.postcode", "75011!!"),
        ("promise.ship_date", "23/11/2026"),
        ("promise.delivery_date", 1764115200),
        ("promise.delivery_date", "2026-02-30"),
        ("items.0.quantity", 0),
        ("items.0.price", "-1"),
        ("items.0.image_url", "not a url"),
        ("items.0.currency", "euros"),
        ("segment", "VIP customers!"),
        ("ordered_at", "2026-11-20T10:00:00"),
        ("ordered_at", "0001-01-01T00:00:00+01:00"),
        ("order_number", "CMD\u00001"),
        ("customer.name", "Camille\u0000"),
    ],
)
async def test_each_invalid_field_is_named(
    client: httpx.AsyncClient, key: str, field: str, value: Any
) -> None:
    response = await client.post("/api/shipments", json=_with(field, value), headers=bearer(key))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["field"] == field
    assert body["fields"][0]["field"] == field
    assert body["message"].startswith(field)


async def test_an_unknown_carrier_says_which_are_installed(
    client: httpx.AsyncClient, key: str
) -> None:
    payload = shipment_payload(carrier="pigeon-post")
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert "colissimo" in response.json()["message"]


@pytest.mark.parametrize("written", ["UPS", " ups ", "Ups"])
async def test_a_carrier_is_named_whatever_its_case_and_spaces(
    client: httpx.AsyncClient, key: str, written: str
) -> None:
    payload = shipment_payload(carrier=written, tracking_number="1Z999AA10123456784")
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.status_code == 201, response.json()
    assert response.json()["carrier"] == "ups"


async def test_the_tracking_number_is_checked_by_the_carrier_of_the_shipment(
    client: httpx.AsyncClient, key: str
) -> None:
    valid_for_colissimo = shipment_payload(carrier="dpd")  # 6A123… is not a DPD number
    response = await client.post("/api/shipments", json=valid_for_colissimo, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == "tracking_number"
    assert "DPD" in response.json()["message"]


async def test_missing_required_fields_are_all_listed(client: httpx.AsyncClient, key: str) -> None:
    response = await client.post("/api/shipments", json={}, headers=bearer(key))
    fields = {f["field"] for f in response.json()["fields"]}
    assert fields == {"order_number", "carrier", "tracking_number"}


async def test_unknown_fields_are_refused(client: httpx.AsyncClient, key: str) -> None:
    payload = shipment_payload(colour="blue")
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == "colour"


async def test_a_delivery_promise_before_the_ship_promise_is_refused(
    client: httpx.AsyncClient, key: str
) -> None:
    payload = shipment_payload(promise={"ship_date": "2026-11-26", "delivery_date": "2026-11-23"})
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == "promise"


@pytest.mark.parametrize(
    ("locale", "stored"),
    [("fr", "fr"), ("en-gb", "en-GB"), ("nl_BE", "nl-BE"), ("zh-hant-TW", "zh-Hant-TW")],
)
async def test_locales_are_normalized_bcp47_tags(
    client: httpx.AsyncClient, key: str, locale: str, stored: str
) -> None:
    payload = _with("customer.locale", locale)
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.json()["customer"]["locale"] == stored


async def test_a_national_phone_number_is_read_in_the_customer_country(
    client: httpx.AsyncClient, key: str
) -> None:
    payload = _with("customer.country", "BE")
    payload["customer"]["phone"] = "0470 12 34 56"
    response = await client.post("/api/shipments", json=payload, headers=bearer(key))
    assert response.json()["customer"]["phone"] == "+32470123456"


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'{"a": NaN}', b"\xff\xfe\x00"])
async def test_a_body_that_is_not_a_json_object_is_400(
    client: httpx.AsyncClient, key: str, body: bytes
) -> None:
    headers = {**bearer(key), "Content-Type": "application/json"}
    response = await client.post("/api/shipments", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"


async def test_deeply_nested_json_is_400_not_a_crash(client: httpx.AsyncClient, key: str) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = await client.post("/api/shipments", content=body, headers=bearer(key))
    assert response.status_code == 400


async def test_an_oversize_body_is_413(client: httpx.AsyncClient, key: str) -> None:
    body = b'{"order_number": "' + b"x" * MAX_JSON_BYTES + b'"}'
    response = await client.post("/api/shipments", content=body, headers=bearer(key))
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


async def test_an_oversize_body_without_content_length_is_413(
    client: httpx.AsyncClient, key: str
) -> None:
    async def chunks() -> Any:
        for _ in range(MAX_JSON_BYTES // 65536 + 2):
            yield b" " * 65536

    response = await client.post("/api/shipments", content=chunks(), headers=bearer(key))
    assert response.status_code == 413


async def test_an_invalid_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, key: str
) -> None:
    created = (
        await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    ).json()
    url = f"/api/shipments/{created['id']}"
    response = await client.patch(url, json={"customer": {"email": "nope"}}, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == "customer.email"
    assert (await client.get(url, headers=bearer(key))).json() == created


async def test_items_cannot_be_null(client: httpx.AsyncClient, key: str) -> None:
    created = (
        await client.post("/api/shipments", json=shipment_payload(), headers=bearer(key))
    ).json()
    response = await client.patch(
        f"/api/shipments/{created['id']}", json={"items": None}, headers=bearer(key)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "items"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/nowhere"), ("DELETE", "/api/shipments"), ("GET", "/api/shipments/abc")],
)
async def test_unknown_routes_and_methods_answer_json(
    client: httpx.AsyncClient, key: str, method: str, path: str
) -> None:
    response = await client.request(method, path, headers=bearer(key))
    assert response.status_code in {404, 405}
    assert response.json()["error"] in {"not_found", "http_error"}


@pytest.mark.parametrize(
    "query", ["carrier=%00", "carrier=DPD%20OR%201=1", "cursor=99999999999999999999"]
)
async def test_list_filters_are_validated_before_any_query(
    client: httpx.AsyncClient, key: str, query: str
) -> None:
    response = await client.get(f"/api/shipments?{query}", headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == query.split("=")[0]
