"""The notification API: rules and their history, the webhook endpoint, the delivery log with
replay, and previews; every answer a JSON body, every lookup scoped to the calling merchant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Status, Substatus, Tracking, TrackingEvent, TransitModel
from suivi_server.storage.schema import notifications, shipments
from suivi_server.worker.pipeline import ingest, shipment_rows
from tests.server.conftest import NOW
from tests.server.factories import bearer, create_merchant, create_shipment

pytestmark = pytest.mark.anyio
PUBLIC_HOOK = "https://93.184.215.14/hooks/suivi"


def _event(hours_ago: float, status: Status, code: str, sub: Substatus | None = None) -> Any:
    at = NOW - timedelta(hours=hours_ago)
    return TrackingEvent(timestamp=at, status=status, substatus=sub, code=code, label=code)


async def _delivered(engine: AsyncEngine, shipment_id: int) -> None:
    events = [
        _event(1, Status.DELIVERED, "LIV"),
        _event(20, Status.IN_TRANSIT, "PCH", Substatus.PICKED_UP),
    ]
    tracking = Tracking.from_events("colissimo", "6A12345678901", events)
    async with engine.begin() as conn:
        row = (await conn.execute(shipment_rows().where(shipments.c.id == shipment_id))).one()
        await ingest(conn, row, tracking, NOW, TransitModel.learn([]))


@pytest.fixture
async def merchant(engine: AsyncEngine) -> tuple[int, str, int]:
    merchant_id, key = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine, merchant_id, status="pending", customer_phone="06 12 34 56 78"
    )
    return merchant_id, key, shipment_id


async def test_rules_start_from_the_defaults_and_a_put_changes_only_what_it_names(
    client: httpx.AsyncClient, merchant: tuple[int, str, int]
) -> None:
    _, key, _ = merchant
    default = (await client.get("/api/notification-rules", headers=bearer(key))).json()
    assert default["events"]["delivery_delayed"]["delay_minutes"] == 360
    assert default["quiet_hours"] == {"start": "21:00:00", "end": "08:00:00"}

    body = {
        "events": {"shipped": {"enabled": False}, "delivered": {"channels": ["email", "sms"]}},
        "quiet_hours": {"start": "20:30", "end": "09:00"},
        "daily_cap": 2,
    }
    response = await client.put("/api/notification-rules", json=body, headers=bearer(key))
    assert response.status_code == 200
    stored = response.json()
    assert stored["changed"] == ["shipped", "delivered"]
    assert stored["events"]["shipped"]["enabled"] is False
    assert stored["events"]["delivered"]["channels"] == ["email", "sms"]
    assert stored["events"]["delivery_delayed"] == default["events"]["delivery_delayed"]
    assert stored["quiet_hours"] == {"start": "20:30:00", "end": "09:00:00"}
    again = await client.get("/api/notification-rules", headers=bearer(key))
    assert again.json()["daily_cap"] == 2

    history = (await client.get("/api/notification-rules/history", headers=bearer(key))).json()
    assert [(c["event"], c["enabled"], c["changed_by"]) for c in history["changes"]] == [
        ("shipped", False, "api"),
        ("delivered", True, "api"),
    ]
    assert history["changes"][0]["changed_at"] == NOW.isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": {"teleported": {}}}, "events.teleported"),
        ({"events": {"shipped": {"delay_minutes": False}}}, "events.shipped.delay_minutes"),
        ({"events": {"shipped": {"delay_minutes": 999999}}}, "events.shipped.delay_minutes"),
        ({"events": {"shipped": {"channels": ["E-Mail!"]}}}, "events.shipped.channels.0"),
        ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, "quiet_hours"),
        ({"daily_cap": 0}, "daily_cap"),
    ],
)
async def test_invalid_rules_are_refused_with_the_field_named_and_nothing_stored(
    client: httpx.AsyncClient, merchant: tuple[int, str, int], body: Any, field: str
) -> None:
    _, key, _ = merchant
    response = await client.put("/api/notification-rules", json=body, headers=bearer(key))
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "validation_error"
    assert error["field"] == field
    history = await client.get("/api/notification-rules/history", headers=bearer(key))
    assert history.json() == {"changes": []}


async def test_the_webhook_secret_is_shown_once_and_private_urls_are_refused(
    client: httpx.AsyncClient, merchant: tuple[int, str, int]
) -> None:
    _, key, _ = merchant
    created = await client.put("/api/webhook", json={"url": PUBLIC_HOOK}, headers=bearer(key))
    assert created.status_code == 200
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    shown = (await client.get("/api/webhook", headers=bearer(key))).json()
    assert shown == {"url": PUBLIC_HOOK, "secret": None, "secret_hint": f"whsec_…{secret[-4:]}"}

    for url in ("http://127.0.0.1:8080/x", "https://169.254.169.254/latest", "https://localhost/"):
        refused = await client.put("/api/webhook", json={"url": url}, headers=bearer(key))
        assert refused.status_code == 422, url
        assert refused.json()["error"] == "unsafe_url"
    assert (await client.get("/api/webhook", headers=bearer(key))).json()["url"] == PUBLIC_HOOK

    assert (await client.delete("/api/webhook", headers=bearer(key))).status_code == 204
    assert (await client.get("/api/webhook", headers=bearer(key))).json()["url"] is None


async def test_the_delivery_log_lists_a_merchants_notifications_newest_first_in_pages(
    client: httpx.AsyncClient, engine: AsyncEngine, merchant: tuple[int, str, int]
) -> None:
    _, key, shipment_id = merchant
    await _delivered(engine, shipment_id)
    everything = (await client.get("/api/notifications", headers=bearer(key))).json()
    pairs = [(n["event"], n["channel"]) for n in everything["data"]]
    assert ("delivered", "email") in pairs
    assert ("status_changed", "webhook") in pairs
    ids = [n["id"] for n in everything["data"]]
    assert ids == sorted(ids, reverse=True)
    assert all(n["state"] == "pending" for n in everything["data"])

    first = (await client.get("/api/notifications?limit=1", headers=bearer(key))).json()
    rest = await client.get(
        f"/api/notifications?limit=50&cursor={first['next_cursor']}", headers=bearer(key)
    )
    assert [n["id"] for n in first["data"] + rest.json()["data"]] == ids
    emails = await client.get("/api/notifications?channel=email", headers=bearer(key))
    assert {n["channel"] for n in emails.json()["data"]} == {"email"}
    bad = await client.get("/api/notifications?state=lost", headers=bearer(key))
    assert bad.status_code == 422
    assert bad.json()["field"] == "state"


async def test_a_webhook_delivery_is_replayed_with_the_same_key_and_others_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, merchant: tuple[int, str, int]
) -> None:
    _, key, shipment_id = merchant
    await _delivered(engine, shipment_id)
    async with engine.begin() as conn:
        await conn.execute(sa.update(notifications).values(state="sent", sent_at=NOW, attempts=1))
    log = (await client.get("/api/notifications", headers=bearer(key))).json()["data"]
    hook = next(n for n in log if n["channel"] == "webhook")
    email = next(n for n in log if n["channel"] == "email")

    replayed = await client.post(f"/api/notifications/{hook['id']}/replay", headers=bearer(key))
    assert replayed.status_code == 202
    assert replayed.json()["state"] == "pending"
    assert replayed.json()["idempotency_key"] == hook["idempotency_key"]
    assert replayed.json()["sent_at"] is None

    twice = await client.post(f"/api/notifications/{hook['id']}/replay", headers=bearer(key))
    assert (twice.status_code, twice.json()["error"]) == (409, "already_pending")
    mail = await client.post(f"/api/notifications/{email['id']}/replay", headers=bearer(key))
    assert (mail.status_code, mail.json()["error"]) == (409, "not_replayable")
    missing = await client.post("/api/notifications/99999/replay", headers=bearer(key))
    assert missing.status_code == 404


async def test_a_preview_renders_the_message_in_the_asked_language_without_sending(
    client: httpx.AsyncClient, engine: AsyncEngine, merchant: tuple[int, str, int]
) -> None:
    _, key, shipment_id = merchant
    await _delivered(engine, shipment_id)
    url = f"/api/shipments/{shipment_id}/notifications/preview"

    french = (await client.get(f"{url}?event=delivered", headers=bearer(key))).json()
    assert (french["locale"], french["recipient"], french["example_facts"]) == (
        "fr",
        "camille@example.com",
        False,
    )
    assert "http://testserver/t/" in french["rendered"]["html"]
    english = await client.get(f"{url}?event=delivered&lang=en", headers=bearer(key))
    assert english.json()["rendered"]["subject"] != french["rendered"]["subject"]

    sms = (await client.get(f"{url}?channel=sms", headers=bearer(key))).json()
    assert sms["event"] == "delivered"  # the shipment's latest situation
    assert sms["recipient"] == "+33612345678"
    assert sms["rendered"]["segments"] >= 1
    assert "http://testserver/t/" in sms["rendered"]["text"]

    example = await client.get(f"{url}?event=refused", headers=bearer(key))
    assert example.status_code == 200
    assert example.json()["example_facts"] is True
    async with engine.connect() as conn:
        count = sa.select(sa.func.count()).select_from(notifications)
        before = (await conn.execute(count)).scalar_one()
        assert (
            before
            == (await conn.execute(count.where(notifications.c.state == "pending"))).scalar_one()
        )

    unknown = await client.get(f"{url}?channel=pigeon", headers=bearer(key))
    assert unknown.status_code == 404
    assert "pigeon" in unknown.json()["message"]


async def test_another_merchants_notifications_and_previews_read_as_missing(
    client: httpx.AsyncClient, engine: AsyncEngine, merchant: tuple[int, str, int]
) -> None:
    _, _, shipment_id = merchant
    await _delivered(engine, shipment_id)
    _, other = await create_merchant(engine, slug="boutique-b")
    log = await client.get("/api/notifications", headers=bearer(other))
    assert log.json() == {"data": [], "next_cursor": None}
    preview = await client.get(
        f"/api/shipments/{shipment_id}/notifications/preview", headers=bearer(other)
    )
    assert preview.status_code == 404
    async with engine.connect() as conn:
        first = (await conn.execute(sa.select(sa.func.min(notifications.c.id)))).scalar_one()
    replay = await client.post(f"/api/notifications/{first}/replay", headers=bearer(other))
    assert replay.status_code == 404
    rules = (await client.get("/api/notification-rules/history", headers=bearer(other))).json()
    assert rules == {"changes": []}
