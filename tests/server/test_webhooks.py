"""POST /webhooks/{carrier}: mounted from the adapter's `webhook`, for UPS as for any carrier.
Only UPS (holding the subscription credential) may push to /webhooks/ups, and a push goes
through the worker's pipeline: events, status, estimate and situations, stored once."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi import Registry
from suivi.errors import CarrierResponseInvalid
from suivi.toolkit import (
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    InboundWebhook,
    NumberPattern,
    RawResponse,
    Status,
    StatusMap,
    Substatus,
    Tracking,
)
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.storage.schema import shipment_situations, shipments, tracking_events
from tests.conftest import fixture_bytes
from tests.server.conftest import NOW
from tests.server.factories import add_event, create_merchant, create_shipment

pytestmark = pytest.mark.anyio

URL = "/webhooks/ups"
CREDENTIAL = "ups-push-5b1f0c9e"
NUMBER = "1Z999AA10123456784"
OTHER_UPS = "1Z12345E0205271688"


def ups_settings(**values: str) -> AdapterSettings:
    return Registry().get("ups").settings_model.model_validate(values)


@pytest.fixture(autouse=True)
def no_credential_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUIVI_UPS_WEBHOOK_CREDENTIAL", raising=False)


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    adapters = {"ups": ups_settings(webhook_credential=CREDENTIAL)}
    return create_app(settings, engine=engine, clock=lambda: NOW, migrate=False, adapters=adapters)


async def client_of(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


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
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False)
    async for client in client_of(app):
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


async def test_the_credential_is_read_from_the_adapters_environment(
    settings: Settings, engine: AsyncEngine, ups_shipment: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUIVI_UPS_WEBHOOK_CREDENTIAL", CREDENTIAL)
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False)
    async for client in client_of(app):
        accepted = await send(client, push("delivered"))
        refused = await send(client, push("delivered"), "not-" + CREDENTIAL)

    assert (accepted.status_code, refused.status_code) == (200, 401)
    assert (await shipment(engine, ups_shipment)).status == "delivered"


async def test_an_empty_credential_leaves_the_endpoint_closed(
    settings: Settings, engine: AsyncEngine, ups_shipment: int
) -> None:
    adapters = {"ups": ups_settings(webhook_credential="")}
    app = create_app(settings, engine=engine, clock=lambda: NOW, migrate=False, adapters=adapters)
    async for client in client_of(app):
        for credential in (None, ""):
            assert (await send(client, push("delivered"), credential)).status_code == 404
    assert await count(engine, tracking_events) == 0


@pytest.mark.parametrize("carrier", ["colissimo", "nobody", "UPS"])
async def test_carriers_without_a_webhook_have_no_endpoint(
    client: httpx.AsyncClient, carrier: str
) -> None:
    """Colissimo has no push; "nobody" is no installed adapter; names are exact."""
    response = await client.post(
        f"/webhooks/{carrier}", content=push("delivered"), headers={"credential": CREDENTIAL}
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


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


# -- a carrier the server has never heard of ---------------------------------------------------

PUSH_SECRET = "coursier-push-secret"
SIGNATURE_HEADER = "x-coursier-signature"


def signed(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get(SIGNATURE_HEADER, "").encode(), expected.encode())


def read_push(body: bytes) -> list[Tracking]:
    adapter = CoursierAdapter(CoursierSettings())
    try:
        return [
            Tracking.from_events(
                adapter.name,
                parcel["number"],
                [
                    adapter.event(
                        timestamp=datetime.fromisoformat(parcel["at"]),
                        code=parcel["code"],
                        label=parcel["code"],
                    )
                ],
            )
            for parcel in json.loads(body)["parcels"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise CarrierResponseInvalid(f"unreadable push ({exc})", carrier=adapter.name) from None


class CoursierSettings(AdapterSettings):
    push_secret: str | None = None


class CoursierAdapter(Adapter):
    """Pushes several parcels at once, signed with HMAC-SHA256, and wants a 202."""

    name: ClassVar[str] = "coursier"
    display_name: ClassVar[str] = "Coursier Test"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"CX\d{8}", "CX + 8 digits"),
    )
    default_base_url: ClassVar[str] = "https://coursier.invalid"
    settings_model: ClassVar[type[AdapterSettings]] = CoursierSettings
    status_map: ClassVar[StatusMap] = StatusMap(
        "coursier",
        [
            ("OFD", Status.OUT_FOR_DELIVERY, None),
            ("DLV", Status.DELIVERED, Substatus.TO_RECIPIENT),
        ],
    )
    webhook: ClassVar[InboundWebhook | None] = InboundWebhook(
        secret_setting="push_secret",
        authenticate=signed,
        parse=read_push,
        max_bytes=2048,
        accepted_status=202,
    )

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        raise NotImplementedError("this carrier only pushes")

    def parse(self, raw: RawResponse) -> list[Tracking]:
        return read_push(raw.body)


COURSIER = Registry(
    points=[EntryPoint("coursier", f"{__name__}:CoursierAdapter", "suivi.adapters")]
)


async def coursier_client(
    settings: Settings, engine: AsyncEngine, secret: str | None = PUSH_SECRET
) -> AsyncIterator[httpx.AsyncClient]:
    adapters = {"coursier": CoursierSettings(push_secret=secret)}
    app = create_app(
        settings,
        engine=engine,
        clock=lambda: NOW,
        migrate=False,
        registry=COURSIER,
        adapters=adapters,
    )
    async for client in client_of(app):
        yield client


def coursier_push(*parcels: tuple[str, str]) -> bytes:
    at = (NOW - timedelta(hours=1)).isoformat()
    return json.dumps(
        {"parcels": [{"number": n, "code": code, "at": at} for n, code in parcels]}
    ).encode()


async def send_signed(
    client: httpx.AsyncClient, body: bytes, secret: str = PUSH_SECRET
) -> httpx.Response:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return await client.post(
        "/webhooks/coursier", content=body, headers={SIGNATURE_HEADER: signature}
    )


async def test_a_carrier_unknown_to_the_server_is_served_from_its_adapter(
    settings: Settings, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    first = await create_shipment(
        engine, merchant_id, carrier="coursier", tracking_number="CX00000001"
    )
    second = await create_shipment(
        engine, merchant_id, carrier="coursier", tracking_number="CX00000002", order_number="B"
    )
    same_number = await create_shipment(
        engine, merchant_id, carrier="ups", tracking_number="CX00000001", order_number="C"
    )

    async for client in coursier_client(settings, engine):
        response = await send_signed(
            client, coursier_push(("CX00000001", "DLV"), ("CX00000002", "OFD"))
        )

    assert response.status_code == 202
    assert response.json() == {"accepted": True, "shipments": 2, "new_events": 2}
    assert (await shipment(engine, first)).status == "delivered"
    assert (await shipment(engine, second)).status == "out_for_delivery"
    assert (await shipment(engine, same_number)).status == "in_transit"  # another carrier's


async def test_its_refusals_follow_its_webhook(settings: Settings, engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    await create_shipment(engine, merchant_id, carrier="coursier", tracking_number="CX00000001")
    body = coursier_push(("CX00000001", "DLV"))

    async for client in coursier_client(settings, engine):
        wrong = await send_signed(client, body, secret="guess")
        unreadable = await send_signed(client, b'{"parcels": [{"number": "CX00000001"}]}')
        oversized = await send_signed(client, coursier_push(*[("CX00000001", "DLV")] * 40))
    async for client in coursier_client(settings, engine, secret=None):
        unconfigured = await send_signed(client, body)

    assert (wrong.status_code, wrong.json()["error"]) == (401, "unauthorized")
    assert (unreadable.status_code, unreadable.json()["error"]) == (400, "invalid_payload")
    assert "unreadable push" in unreadable.json()["message"]
    assert (oversized.status_code, oversized.json()["error"]) == (413, "body_too_large")
    assert (unconfigured.status_code, unconfigured.json()["error"]) == (404, "not_found")
    assert await count(engine, tracking_events) == 0
