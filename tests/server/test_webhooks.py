"""POST /webhooks/ups: only UPS (holding the subscription credential) may push, and a push
goes through the worker's pipeline: events, status, estimate and situations, stored once."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.app import create_app
from suivi_server.config import Settings, load_settings
from suivi_server.storage.schema import shipment_situations, shipments, tracking_events
from tests.conftest import fixture_bytes
from tests.server.conftest import NOW, SECRET_KEYS
from tests.server.factories import add_event, create_merchant, create_shipment

pytestmark = pytest.mark.anyio

URL = "/webhooks/ups"
CREDENTIAL = "ups-push-5b1f0c9e"
NUMBER = "1Z999AA10123456784"
OTHER_UPS = "1Z12345E0205271688"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_keys=SECRET_KEYS,
        public_url="http://testserver",
        ups_webhook_credential=CREDENTIAL,
    )


def push(name: str, **changes: Any) -> bytes:
    data: dict[str, Any] = json.loads(fixture_bytes("ups", f"track_alert_{name}.json"))
    data.update(changes)
    return json.dumps(data).encode()


async def send(
    client: httpx.AsyncClient, body: bytes, credential: str | bytes | None = CREDENTIAL
) -> httpx.Response:
    headers = {b"Content-Type": b"application/json", b"User-Agent": b"UPSPubSubTrackingService"}
    if credential is not None:  # bytes: a header may carry what ASCII cannot
        headers[b"credential"] = credential.encode() if isinstance(credential, str) else credential
    return await client.post(URL, content=body, headers=headers)


async def shipment(engine: AsyncEngine, shipment_id: int) -> Any:
    async with engine.connect() as conn:
        query = sa.select(shipments).where(shipments.c.id == shipment_id)
        return (await conn.execute(query)).one()


async def events_of(engine: AsyncEngine, shipment_id: int) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        query = sa.select(tracking_events.c.code, tracking_events.c.status).where(
            tracking_events.c.shipment_id == shipment_id
        )
        return sorted((r.code, r.status) for r in await conn.execute(query))


async def situations_of(engine: AsyncEngine, shipment_id: int) -> list[str]:
    async with engine.connect() as conn:
        query = sa.select(shipment_situations.c.kind).where(
            shipment_situations.c.shipment_id == shipment_id
        )
        return sorted(r.kind for r in await conn.execute(query))


async def count(engine: AsyncEngine, table: sa.Table) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


@pytest.fixture
async def ups_shipment(engine: AsyncEngine) -> int:
    merchant_id, _ = await create_merchant(engine)
    return await create_shipment(engine, merchant_id, carrier="ups", tracking_number=NUMBER)


# -- who may push ------------------------------------------------------------------------------


@pytest.fixture
async def unconfigured(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    bare = dataclasses.replace(settings, ups_webhook_credential=None)
    app = create_app(bare, engine=engine, clock=lambda: NOW, migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_without_a_configured_credential_the_endpoint_does_not_exist(
    unconfigured: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    for credential in (None, "", CREDENTIAL):
        response = await send(unconfigured, push("delivered"), credential)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    assert await count(engine, tracking_events) == 0


@pytest.mark.parametrize(
    "credential", [None, "", "ups-push-5b1f0c9", CREDENTIAL + "x", "é".encode()]
)
async def test_a_missing_or_wrong_credential_is_refused(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    ups_shipment: int,
    credential: str | bytes | None,
) -> None:
    response = await send(client, push("delivered"), credential)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert await count(engine, tracking_events) == 0
    assert (await shipment(engine, ups_shipment)).status == "in_transit"


def test_the_credential_is_read_from_the_environment(tmp_path: Path) -> None:
    environ = {"SUIVI_DATA_DIR": str(tmp_path), "SUIVI_SECRET_KEYS": "k" * 32}
    assert load_settings(environ).ups_webhook_credential is None
    environ["SUIVI_UPS_WEBHOOK_CREDENTIAL"] = CREDENTIAL
    configured = load_settings(environ)
    assert configured.ups_webhook_credential == CREDENTIAL
    assert CREDENTIAL not in repr(configured)


# -- what a push does --------------------------------------------------------------------------


async def test_a_push_updates_the_matching_shipment_only(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    merchant_id, _ = await create_merchant(engine, slug="autre")
    other_ups = await create_shipment(
        engine, merchant_id, carrier="ups", tracking_number=OTHER_UPS, order_number="CMD-2"
    )
    # the same characters under another carrier are another parcel
    other_carrier = await create_shipment(
        engine, merchant_id, carrier="dpd", tracking_number=NUMBER, order_number="CMD-3"
    )

    response = await send(client, push("out_for_delivery"))

    assert response.status_code == 200
    assert response.json() == {"accepted": True, "shipments": 1, "new_events": 1}
    row = await shipment(engine, ups_shipment)
    assert row.status == "out_for_delivery"
    assert row.last_event_at == datetime(2026, 11, 25, 6, 11, 44, tzinfo=UTC)
    assert row.estimate["latest"] == "2026-11-25"
    assert row.next_poll_at is not None
    assert row.last_polled_at is None  # a push is not a poll
    assert await events_of(engine, ups_shipment) == [("021", "out_for_delivery")]
    assert "out_for_delivery" in await situations_of(engine, ups_shipment)
    for untouched in (other_ups, other_carrier):
        assert (await shipment(engine, untouched)).status == "in_transit"
        assert await events_of(engine, untouched) == []
        assert await situations_of(engine, untouched) == []


async def test_every_shipment_with_that_number_is_updated(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    merchant_id, _ = await create_merchant(engine, slug="revendeur")
    resold = await create_shipment(engine, merchant_id, carrier="ups", tracking_number=NUMBER)

    response = await send(client, push("exception"))

    assert response.json()["shipments"] == 2
    for shipment_id in (ups_shipment, resold):
        row = await shipment(engine, shipment_id)
        assert (row.status, row.substatus) == ("exception", "address_problem")
        assert "address_problem" in await situations_of(engine, shipment_id)


async def test_a_duplicate_push_stores_nothing_twice(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    first = await send(client, push("delivered"))
    events, situations = (
        await events_of(engine, ups_shipment),
        await situations_of(engine, ups_shipment),
    )
    second = await send(client, push("delivered"))

    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["new_events"], second.json()["new_events"]) == (1, 0)
    assert events == [("011", "delivered")]
    assert "delivered" in situations
    assert await events_of(engine, ups_shipment) == events
    assert await situations_of(engine, ups_shipment) == situations
    row = await shipment(engine, ups_shipment)
    assert row.status == "delivered"
    assert row.delivered_at == datetime(2026, 11, 25, 8, 22, 5, tzinfo=UTC)
    assert row.next_poll_at is None  # delivered: the worker stops polling


async def test_an_event_already_polled_is_not_stored_again(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    """The Track API and Track Alert name the same scan with the same instant and code."""
    polled_at = datetime(2026, 11, 25, 8, 22, 5, tzinfo=UTC)
    await add_event(engine, ups_shipment, polled_at, "delivered", "011", "Livré")

    response = await send(client, push("delivered"))

    assert response.json() == {"accepted": True, "shipments": 1, "new_events": 0}
    assert await events_of(engine, ups_shipment) == [("011", "delivered")]


async def test_pushes_arriving_out_of_order_keep_the_newest_status(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    await send(client, push("delivered"))
    await send(client, push("out_for_delivery"))

    assert (await shipment(engine, ups_shipment)).status == "delivered"
    assert len(await events_of(engine, ups_shipment)) == 2


async def test_an_unknown_number_is_accepted_and_nothing_is_stored(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    response = await send(client, push("delivered", trackingNumber=OTHER_UPS))

    assert response.status_code == 200
    assert response.json() == {"accepted": True, "shipments": 0, "new_events": 0}
    assert await count(engine, tracking_events) == 0
    assert await count(engine, shipment_situations) == 0
    assert (await shipment(engine, ups_shipment)).status == "in_transit"


# -- malformed pushes --------------------------------------------------------------------------

MALFORMED = {
    "not json": b"{not json",
    "not an object": b"[]",
    "not a 1Z number": push("delivered", trackingNumber="6A12345678901"),
    "no status": push("delivered", activityStatus=None),
    "unreadable date": push("delivered", gmtActivityDate="25/11/2026"),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_push_is_a_400_in_json(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int, body: bytes
) -> None:
    response = await send(client, body)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_payload"
    assert response.json()["message"]
    assert await count(engine, tracking_events) == 0


async def test_an_oversized_push_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, ups_shipment: int
) -> None:
    response = await send(client, push("delivered", deliveryPhoto="A" * 100_000))

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert await count(engine, tracking_events) == 0


async def test_only_post_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.get(URL, headers={"credential": CREDENTIAL})
    assert response.status_code == 405
