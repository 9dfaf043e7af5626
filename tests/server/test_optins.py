"""Opt-in on the page: an SMS or email address validated and normalized, confirmed by a code
sent through the outbox (5 attempts, 30 minutes on the test clock), revocable; only confirmed,
unrevoked addresses reach `confirmed_optins()`."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.engagement.optins import confirmed_optins
from suivi_server.notifications.message import ShipmentSnapshot
from suivi_server.notifications.optouts import is_opted_out, record_optout
from suivi_server.notifications.sender import compose
from suivi_server.services import Services
from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import notification_optins, notifications, shipments
from tests.server.conftest import NOW
from tests.server.engagement_support import HTMX, page, post_form, section, shipment_in

pytestmark = pytest.mark.anyio


async def ask(
    client: httpx.AsyncClient, services: Services, shipment_id: int, channel: str, address: str
) -> httpx.Response:
    fields = {"channel": channel, "address": address}
    return await post_form(client, services, shipment_id, "optin", "optin", fields)


async def confirm(
    client: httpx.AsyncClient, services: Services, shipment_id: int, optin_id: int, code: str
) -> httpx.Response:
    fields = {"optin_id": str(optin_id), "code": code}
    return await post_form(client, services, shipment_id, "optin/confirm", "optin", fields)


async def only(engine: AsyncEngine, table: sa.Table) -> Any:
    async with engine.connect() as conn:
        [row] = (await conn.execute(sa.select(table).order_by(table.c.id.desc()).limit(1))).all()
    return row


async def confirmed(engine: AsyncEngine, shipment_id: int) -> dict[str, str]:
    async with engine.connect() as conn:
        return await confirmed_optins(conn, shipment_id)


@pytest.mark.parametrize(
    ("channel", "typed", "stored"),
    [
        ("sms", "06 12 34 56 78", "+33612345678"),
        ("sms", "+33 6 98 76 54 32", "+33698765432"),
        ("email", "  Camille.Martin@Example.COM ", "camille.martin@example.com"),
    ],
)
async def test_an_address_is_normalized_and_a_code_queued_for_it(
    engine: AsyncEngine,
    services: Services,
    client: httpx.AsyncClient,
    channel: str,
    typed: str,
    stored: str,
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    answer = await ask(client, services, shipment_id, channel, typed)
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("#optin")
    optin = await only(engine, notification_optins)
    assert (optin.channel, optin.address, optin.confirmed_at) == (channel, stored, None)
    outbox = await only(engine, notifications)
    assert (outbox.event, outbox.channel, outbox.state) == (
        "optin_confirmation",
        channel,
        "pending",
    )
    code = outbox.facts["code"]
    assert len(code) == 6
    assert code.isdigit()
    assert code not in optin.confirmation_hash
    assert outbox.facts["address"] == stored
    html = section((await client.get(page(services, shipment_id) + "?lang=en")).text, "optin")
    assert f"We sent a code to {stored}" in html
    assert await confirmed(engine, shipment_id) == {}


@pytest.mark.parametrize(
    ("channel", "typed", "message"),
    [
        ("sms", "01 23 45 67 89", "mobile number"),  # a landline receives no SMS
        ("sms", "12", "mobile number"),
        ("sms", "6" * 500, "mobile number"),
        ("email", "camille@", "valid email address"),
        ("email", "a" * 400 + "@example.com", "valid email address"),
        ("email", "<script>@example.com", "valid email address"),
        ("pigeon", "camille@example.com", "Please choose SMS or email."),
    ],
)
async def test_bad_addresses_are_refused_with_a_clear_message(
    engine: AsyncEngine,
    services: Services,
    client: httpx.AsyncClient,
    channel: str,
    typed: str,
    message: str,
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    answer = await ask(client, services, shipment_id, channel, typed)
    assert answer.status_code == 422
    assert message in section(answer.text, "optin")
    assert "<script>@" not in answer.text
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(notifications))).all() == []


async def test_the_right_code_confirms_and_feeds_confirmed_optins(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    await ask(client, services, shipment_id, "sms", "06 12 34 56 78")
    optin, outbox = await only(engine, notification_optins), await only(engine, notifications)
    answer = await confirm(client, services, shipment_id, optin.id, outbox.facts["code"])
    assert answer.status_code == 303
    assert await confirmed(engine, shipment_id) == {"sms": "+33612345678"}
    html = section((await client.get(page(services, shipment_id) + "?lang=en")).text, "optin")
    assert "You receive news of this parcel by text message at +33612345678." in html


async def test_five_wrong_codes_lock_the_request(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    await ask(client, services, shipment_id, "email", "camille@example.com")
    optin, outbox = await only(engine, notification_optins), await only(engine, notifications)
    wrong = "000000" if outbox.facts["code"] != "000000" else "111111"
    answers = [await confirm(client, services, shipment_id, optin.id, wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [422] * 5
    assert "not the right one" in section(answers[0].text, "optin")
    assert "Too many wrong codes" in section(answers[4].text, "optin")
    late = await confirm(client, services, shipment_id, optin.id, outbox.facts["code"])
    assert late.status_code == 422
    assert (await only(engine, notification_optins)).attempts == 5
    assert await confirmed(engine, shipment_id) == {}


async def test_a_code_expires_after_30_minutes(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient, clock: list[Any]
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    await ask(client, services, shipment_id, "sms", "06 12 34 56 78")
    optin, outbox = await only(engine, notification_optins), await only(engine, notifications)
    clock[0] += timedelta(minutes=30)
    answer = await confirm(client, services, shipment_id, optin.id, outbox.facts["code"])
    assert answer.status_code == 422
    assert "This code has expired" in section(answer.text, "optin")
    assert await confirmed(engine, shipment_id) == {}


async def test_a_new_code_waits_a_minute_and_replaces_the_old_one(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient, clock: list[Any]
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    await ask(client, services, shipment_id, "sms", "06 12 34 56 78")
    first = (await only(engine, notifications)).facts["code"]
    too_soon = await ask(client, services, shipment_id, "sms", "0612345678")
    assert too_soon.status_code == 422
    clock[0] += timedelta(minutes=2)
    assert (await ask(client, services, shipment_id, "sms", "0612345678")).status_code == 303
    second = (await only(engine, notifications)).facts["code"]
    optin = await only(engine, notification_optins)
    if first != second:
        old = await confirm(client, services, shipment_id, optin.id, first)
        assert old.status_code == 422
    assert (await confirm(client, services, shipment_id, optin.id, second)).status_code == 303


async def test_stop_revokes_the_optin(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    await ask(client, services, shipment_id, "email", "camille@example.com")
    optin, outbox = await only(engine, notification_optins), await only(engine, notifications)
    await confirm(client, services, shipment_id, optin.id, outbox.facts["code"])
    stop = await post_form(
        client, services, shipment_id, "optin/stop", "optin", {"optin_id": str(optin.id)}
    )
    assert stop.status_code == 303
    assert (await only(engine, notification_optins)).revoked_at is not None
    assert await confirmed(engine, shipment_id) == {}
    html = section((await client.get(page(services, shipment_id) + "?lang=en")).text, "optin")
    assert "camille@example.com" not in html


async def test_another_shipments_optin_cannot_be_confirmed_or_stopped(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    _, other_id, _ = await shipment_in(engine, None, status="in_transit", slug="autre")
    await ask(client, services, shipment_id, "email", "camille@example.com")
    optin, outbox = await only(engine, notification_optins), await only(engine, notifications)
    answer = await confirm(client, services, other_id, optin.id, outbox.facts["code"])
    assert answer.status_code == 422
    await post_form(client, services, other_id, "optin/stop", "optin", {"optin_id": str(optin.id)})
    assert (await only(engine, notification_optins)).revoked_at is None
    assert await confirmed(engine, shipment_id) == {}


async def test_cross_site_optin_requests_are_refused(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    fields = {"channel": "sms", "address": "0612345678"}
    answer = await post_form(client, services, shipment_id, "optin", "optin", fields, headers={})
    assert answer.status_code == 403
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(notification_optins))).all() == []


async def test_htmx_gets_the_optin_fragment(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    fields = {"channel": "sms", "address": "0612345678"}
    answer = await post_form(client, services, shipment_id, "optin", "optin", fields, headers=HTMX)
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="card optin" id="optin"')


@pytest.mark.parametrize("channel", ["sms", "email"])
async def test_the_channel_renders_the_code(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient, channel: str
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit", customer_locale="en")
    address = "0612345678" if channel == "sms" else "camille@example.com"
    await ask(client, services, shipment_id, channel, address)
    outbox = await only(engine, notifications)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id))).one()
    merchant = Merchant(outbox.merchant_id, "maison-lumiere", "Maison Lumière", "default", {})
    message = compose(
        notification_id=outbox.id,
        idempotency_key=outbox.idempotency_key,
        channel=channel,
        event=outbox.event,
        facts=outbox.facts,
        template=None,
        created_at=outbox.created_at,
        merchant=merchant,
        shipment=ShipmentSnapshot.from_row(row),
        recipient=outbox.facts["address"],
        links=services.message_links,
        default_locale="en",
    )
    rendered = str(services.preview_channels[channel].render(message).preview())
    assert outbox.facts["code"] in rendered
    assert "Enter it on the tracking page" in rendered or "Enter this code" in rendered


@pytest.mark.parametrize(("status", "offered"), [("in_transit", True), ("delivered", False)])
async def test_news_are_offered_only_while_the_journey_goes_on(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient, status: str, offered: bool
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status=status)
    html = (await client.get(f"{page(services, shipment_id)}?lang=en")).text
    assert ('id="optin"' in html) is offered


async def test_parallel_guesses_never_exceed_the_five_attempts(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    await ask(client, services, shipment_id, "sms", "06 12 34 56 78")
    optin, outbox = await only(engine, notification_optins), await only(engine, notifications)
    guesses = [f"{n:06d}" for n in range(30) if f"{n:06d}" != outbox.facts["code"]][:20]
    answers = await asyncio.gather(
        *(confirm(client, services, shipment_id, optin.id, guess) for guess in guesses)
    )
    assert {a.status_code for a in answers} == {422}
    assert (await only(engine, notification_optins)).attempts == 5


async def test_codes_asked_for_one_address_are_limited_per_day(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient, clock: list[Any]
) -> None:
    _, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    for _ in range(3):
        assert (
            await ask(client, services, shipment_id, "sms", "06 12 34 56 78")
        ).status_code == 303
        clock[0] += timedelta(minutes=2)
    refused = await ask(client, services, shipment_id, "sms", "06 12 34 56 78")
    assert refused.status_code == 422
    assert "Too many codes" in section(refused.text, "optin")
    clock[0] += timedelta(days=1)
    assert (await ask(client, services, shipment_id, "sms", "06 12 34 56 78")).status_code == 303


async def test_confirming_lifts_an_old_unsubscribe_and_stopping_records_one(
    engine: AsyncEngine, services: Services, client: httpx.AsyncClient
) -> None:
    merchant_id, shipment_id, _ = await shipment_in(engine, None, status="in_transit")
    async with engine.begin() as conn:
        await record_optout(conn, merchant_id, "email", "camille@example.com", NOW)
    await ask(client, services, shipment_id, "email", "camille@example.com")
    optin, outbox = await only(engine, notification_optins), await only(engine, notifications)
    await confirm(client, services, shipment_id, optin.id, outbox.facts["code"])
    async with engine.connect() as conn:
        assert not await is_opted_out(conn, merchant_id, "email", "camille@example.com")

    fields = {"optin_id": str(optin.id)}
    await post_form(client, services, shipment_id, "optin/stop", "optin", fields)
    async with engine.connect() as conn:
        assert await is_opted_out(conn, merchant_id, "email", "camille@example.com")
