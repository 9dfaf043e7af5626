"""The merchant webhook channel against a real local receiver that verifies Standard Webhooks
signatures, as a merchant's endpoint would."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from standardwebhooks.webhooks import Webhook

from suivi import DeliveryEstimate
from suivi_server.config import ConfigError, Settings
from suivi_server.notifications.channels import (
    Accepted,
    ChannelContext,
    Rejected,
    TryLater,
    load_channels,
)
from suivi_server.notifications.message import STATUS_CHANGED, OutboundMessage, ShipmentSnapshot
from suivi_server.notifications.webhook import WebhookChannel, create
from suivi_server.storage.merchants import Merchant
from tests.server.notification_receivers import Answer, WebhookReceiver, serving

from .conftest import NOW

pytestmark = pytest.mark.anyio
SECRET = "whsec_" + base64.b64encode(b"merchant-webhook-secret-32-bytes").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another-secret-of-the-same-size!").decode()
PAGE_URL = "https://track.example.com/p/3Xb9KqL2mN8pR4sT"


def context(environ: Mapping[str, str]) -> ChannelContext:
    settings = Settings(database_url="sqlite://", data_dir=Path("."), secret_keys=("k" * 32,))
    return ChannelContext(settings=settings, environ=environ, clock=lambda: NOW)


def merchant(settings: Mapping[str, Any]) -> Merchant:
    return Merchant(1, "epicerie", "Épicerie Fine", "default", settings)


def message(
    url: str,
    *,
    event: str = "delivered",
    secret: str = SECRET,
    facts: Mapping[str, Any] | None = None,
) -> OutboundMessage:
    shipment = ShipmentSnapshot(
        id=7,
        merchant_id=1,
        order_number="A-1001",
        carrier="colissimo",
        tracking_number="6A12345678901",
        status="delivered",
        substatus="delivered_to_mailbox",
        customer_name="Camille Martin",
        customer_email="camille@example.org",
        customer_phone="06 12 34 56 78",
        customer_postcode="75011",
        estimate=DeliveryEstimate.model_validate(
            {"earliest": "2026-11-25", "latest": "2026-11-26", "source": "carrier"}
        ),
    )
    return OutboundMessage(
        notification_id=11,
        idempotency_key="ntf-7-delivered-1-webhook",
        channel="webhook",
        event=event,
        recipient=url,
        locale="fr",
        merchant=merchant({"webhook": {"url": url, "secret": secret}}),
        shipment=shipment,
        facts=facts if facts is not None else {"delivered_at": "2026-11-25T08:12:00+00:00"},
        page_url=PAGE_URL,
        created_at=NOW - timedelta(minutes=3),
    )


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, str]]:
    """A verifying receiver, with the wall clock at the test's NOW for its timestamp check."""
    hooks = WebhookReceiver(SECRET)
    with time_machine.travel(NOW, tick=True), serving(hooks.app()) as base_url:
        yield hooks, f"{base_url}/hooks"


def local_channel(**options: Any) -> WebhookChannel:
    return WebhookChannel(lambda: NOW, allow_private=True, **options)


async def deliver(channel: WebhookChannel, outbound: OutboundMessage) -> Any:
    try:
        return await channel.deliver(outbound, channel.render(outbound))
    finally:
        await channel.aclose()


async def test_a_signed_event_reaches_the_receiver_and_verifies(
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hooks, url = receiver
    outcome = await deliver(local_channel(), message(url))
    (received,) = hooks.received
    (event,) = hooks.verified
    assert outcome == Accepted(None, "204")
    assert received.headers["webhook-id"] == "ntf-7-delivered-1-webhook"
    assert received.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert received.headers["content-type"] == "application/json"
    assert event["type"] == "shipment.delivered"
    assert event["timestamp"] == "2026-11-25T09:27:00Z"
    assert event["data"] == {
        "shipment_id": 7,
        "order_number": "A-1001",
        "carrier": "colissimo",
        "tracking_number": "6A12345678901",
        "status": "delivered",
        "substatus": "delivered_to_mailbox",
        "estimate": {
            "earliest": "2026-11-25",
            "latest": "2026-11-26",
            "p50": None,
            "p90": None,
            "start_time": None,
            "end_time": None,
            "source": "carrier",
            "confidence": None,
        },
        "facts": {"delivered_at": "2026-11-25T08:12:00+00:00"},
        "page_url": PAGE_URL,
    }


async def test_a_status_change_is_typed_as_such(receiver: tuple[WebhookReceiver, str]) -> None:
    hooks, url = receiver
    await deliver(local_channel(), message(url, event=STATUS_CHANGED))
    assert hooks.verified[0]["type"] == "shipment.status_changed"


async def test_the_accepted_response_keeps_the_status_and_the_start_of_the_body(
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hooks, url = receiver
    hooks.answer(Answer(200, {"ok": True, "note": "n" * 400}))
    outcome = await deliver(local_channel(), message(url))
    assert isinstance(outcome, Accepted)
    assert outcome.response.startswith('200 {"ok":true')
    assert len(outcome.response) == len("200 ") + 200


def test_the_body_carries_no_personal_data_of_the_shopper() -> None:
    rendered = local_channel().render(message("https://hooks.example.com/x"))
    for personal in ("Camille", "camille@example.org", "06 12 34 56 78", "75011"):
        assert personal not in rendered.body


def test_the_body_is_the_same_whatever_order_the_facts_come_in() -> None:
    channel = local_channel()
    one = channel.render(message("https://h.example/x", facts={"a": 1, "b": {"y": 2, "x": 1}}))
    two = channel.render(message("https://h.example/x", facts={"b": {"x": 1, "y": 2}, "a": 1}))
    assert one.body == two.body
    assert list(json.loads(one.body)) == ["type", "timestamp", "data"]


def test_preview_shows_url_headers_and_body() -> None:
    preview = local_channel().render(message("https://hooks.example.com/x")).preview()
    assert preview["url"] == "https://hooks.example.com/x"
    assert preview["headers"]["webhook-id"] == "ntf-7-delivered-1-webhook"
    assert preview["body"]["type"] == "shipment.delivered"


async def test_each_attempt_is_signed_at_its_own_time(
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hooks, url = receiver
    clock = [NOW - timedelta(minutes=2)]
    channel = WebhookChannel(lambda: clock[0], allow_private=True)
    outbound = message(url)
    rendered = channel.render(outbound)
    await channel.deliver(outbound, rendered)
    clock[0] = NOW
    await channel.deliver(outbound, rendered)
    await channel.aclose()
    first, second = hooks.received
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) == 120
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"]
    assert len(hooks.verified) == 2


async def test_a_signature_made_with_another_secret_is_refused_by_the_receiver(
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hooks, url = receiver
    outcome = await deliver(local_channel(), message(url, secret=OTHER_SECRET))
    assert hooks.verified == []
    assert isinstance(outcome, Rejected)
    assert "401" in outcome.reason
    assert "No matching signature" in outcome.reason


async def test_signature_matches_the_standard_webhooks_reference() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    outcome = await deliver(local_channel(client=client), message("http://127.0.0.1:9/x"))
    (request,) = sent
    expected = Webhook(SECRET).sign("ntf-7-delivered-1-webhook", NOW, request.content.decode())
    assert outcome == Accepted(None, "202")
    assert request.headers["webhook-signature"] == expected


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (Answer(410, {"error": "gone"}), Rejected("410 endpoint gone")),
        (
            Answer(503, {"error": "busy"}, {"Retry-After": "120"}),
            TryLater('503 {"error":"busy"}', timedelta(seconds=120)),
        ),
        (
            Answer(429, None, {"Retry-After": "5"}),
            TryLater("429 Too Many Requests", timedelta(seconds=5)),
        ),
        (Answer(500), TryLater("500 Internal Server Error")),
        (Answer(400, {"error": "unknown order"}), Rejected('400 {"error":"unknown order"}')),
        (Answer(404), Rejected("404 Not Found")),
    ],
)
async def test_the_receivers_answer_decides_what_happens_next(
    receiver: tuple[WebhookReceiver, str], answer: Answer, outcome: Any
) -> None:
    hooks, url = receiver
    hooks.answer(answer)
    assert await deliver(local_channel(), message(url)) == outcome


async def test_redirects_are_not_followed(receiver: tuple[WebhookReceiver, str]) -> None:
    hooks, url = receiver
    elsewhere = url.replace("/hooks", "/elsewhere")
    hooks.answer(Answer(307, None, {"Location": elsewhere}))
    outcome = await deliver(local_channel(), message(url))
    assert outcome == Rejected(f"307 redirect to {elsewhere} not followed")
    assert len(hooks.received) == 1


async def test_a_receiver_too_slow_to_answer_is_tried_later(
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hooks, url = receiver
    hooks.answer(Answer(204, delay=1.0))
    client = httpx.AsyncClient(timeout=0.2, follow_redirects=False)
    outcome = await deliver(local_channel(client=client), message(url))
    assert outcome == TryLater("no answer from 127.0.0.1 in time")


async def test_a_receiver_that_is_down_is_tried_later() -> None:
    with serving(WebhookReceiver(SECRET).app()) as base_url:
        pass  # the port is closed again
    outcome = await deliver(local_channel(), message(f"{base_url}/hooks"))
    assert isinstance(outcome, TryLater)
    assert "could not reach 127.0.0.1" in outcome.reason


async def test_a_private_address_is_refused_before_anything_is_sent(
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hooks, url = receiver
    outcome = await deliver(WebhookChannel(lambda: NOW), message(url))
    assert isinstance(outcome, Rejected)
    assert "refused URL" in outcome.reason
    assert hooks.received == []


async def test_a_host_that_does_not_resolve_is_tried_later() -> None:
    outcome = await deliver(WebhookChannel(lambda: NOW), message("https://hooks.example.invalid/x"))
    assert isinstance(outcome, TryLater)
    assert "does not resolve" in outcome.reason


@pytest.mark.parametrize("secret", ["", "whsec_!!!not-base64!!!"])
async def test_without_a_usable_secret_nothing_is_sent(
    receiver: tuple[WebhookReceiver, str], secret: str
) -> None:
    hooks, url = receiver
    outcome = await deliver(local_channel(), message(url, secret=secret))
    assert isinstance(outcome, Rejected)
    assert "secret" in outcome.reason
    assert hooks.received == []


@pytest.mark.parametrize(
    ("settings", "recipient"),
    [
        (
            {"webhook": {"url": "https://hooks.example.com/x", "secret": SECRET}},
            "https://hooks.example.com/x",
        ),
        ({"webhook": {"url": "https://hooks.example.com/x"}}, None),
        ({"webhook": {"secret": SECRET}}, None),
        ({"webhook": "https://hooks.example.com/x"}, None),
        ({}, None),
    ],
)
def test_recipient_is_the_merchants_url_when_it_can_be_signed(
    settings: dict[str, Any], recipient: str | None
) -> None:
    outbound = message("https://unused.example")
    assert local_channel().recipient(outbound.shipment, merchant(settings)) == recipient


@pytest.mark.parametrize(
    ("value", "allowed"), [("", False), ("false", False), ("true", True), ("1", True)]
)
def test_private_networks_are_allowed_only_when_the_environment_says_so(
    value: str, allowed: bool
) -> None:
    channel = create(context({"SUIVI_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": value}))
    assert channel.allow_private is allowed


def test_an_unclear_allow_private_value_stops_with_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="write true or false"):
        create(context({"SUIVI_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "maybe"}))


def test_the_webhook_channel_is_registered_as_a_plugin() -> None:
    assert isinstance(load_channels(context({}))["webhook"], WebhookChannel)
