"""The merchant webhook channel: shipment events as JSON, signed per Standard Webhooks.

The merchant sets `settings["webhook"] = {"url": …, "secret": "whsec_…"}`. Each attempt is
signed anew (webhook-id is the notification's idempotency key, so a receiver drops a second
copy; webhook-timestamp is the attempt's time, so its replay window holds on retries) and
its URL is checked against SSRF just before sending, since DNS answers change. The body
carries ids and tracking facts, not the shopper's contact details: the merchant has them.
Spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from suivi_server.config import ConfigError
from suivi_server.notifications import answers
from suivi_server.notifications.channels import (
    ChannelContext,
    Outcome,
    Rejected,
    Rendered,
    TryLater,
)
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.notifications.ssrf import UnresolvableHost, UnsafeUrl, check_public_url
from suivi_server.storage.merchants import Merchant

ALLOW_PRIVATE_ENV = "SUIVI_WEBHOOKS_ALLOW_PRIVATE_NETWORKS"
TIMEOUT = httpx.Timeout(10.0)
USER_AGENT = "Suivi-Webhooks/1"


@dataclass(frozen=True)
class RenderedWebhook:
    url: str
    body: str  # the exact bytes signed and sent, as text
    headers: Mapping[str, str]  # webhook-timestamp and webhook-signature are added per attempt

    def preview(self) -> dict[str, Any]:
        return {"url": self.url, "headers": dict(self.headers), "body": json.loads(self.body)}


class WebhookChannel:
    name: ClassVar[str] = "webhook"
    to_shopper: ClassVar[bool] = False
    max_age: ClassVar[timedelta] = timedelta(hours=24)

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        allow_private: bool = False,
        client: httpx.AsyncClient | None = None,
    ):
        self._clock = clock
        self.allow_private = allow_private
        # Redirects are not followed: each hop would escape the SSRF check.
        self._client = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)

    def recipient(self, shipment: ShipmentSnapshot, merchant: Merchant) -> str | None:
        """The merchant's URL, when it has one and a secret to sign with."""
        settings = webhook_settings(merchant)
        url, secret = settings.get("url"), settings.get("secret")
        return url if isinstance(url, str) and url and isinstance(secret, str) and secret else None

    def render(self, message: OutboundMessage) -> RenderedWebhook:
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message.idempotency_key,
        }
        return RenderedWebhook(message.recipient, event_body(message), headers)

    async def deliver(self, message: OutboundMessage, rendered: Rendered) -> Outcome:
        if not isinstance(rendered, RenderedWebhook):
            raise TypeError(f"the webhook channel cannot send {type(rendered).__name__}")
        signer = _signer(webhook_settings(message.merchant).get("secret"))
        if isinstance(signer, Rejected):
            return signer
        try:
            await check_public_url(rendered.url, allow_private=self.allow_private)
        except UnresolvableHost as exc:
            return TryLater(str(exc))
        except UnsafeUrl as exc:
            return Rejected(f"refused URL: {exc}")
        now = self._clock().astimezone(UTC)
        headers = {
            **rendered.headers,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(message.idempotency_key, now, rendered.body),
        }
        request = self._client.build_request(
            "POST", rendered.url, content=rendered.body.encode(), headers=headers
        )
        response = await answers.send(self._client, request)
        if isinstance(response, TryLater):
            return response
        if response.status_code == 410:
            return Rejected("410 endpoint gone")
        if response.is_redirect:
            where = response.headers.get("location", "elsewhere")
            return Rejected(f"{response.status_code} redirect to {where} not followed")
        return answers.for_response(response)

    async def aclose(self) -> None:
        await self._client.aclose()


def create(context: ChannelContext) -> WebhookChannel:
    """Always built: each merchant brings its own URL. Private networks only when allowed."""
    raw = context.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower()
    if raw not in ("", "0", "false", "1", "true"):
        raise ConfigError(f"{ALLOW_PRIVATE_ENV}={raw!r}: write true or false")
    return WebhookChannel(context.clock, allow_private=raw in ("1", "true"))


def event_body(message: OutboundMessage) -> str:
    """The event as JSON, keys in a fixed order (facts sorted), the same on every attempt."""
    shipment = message.shipment
    facts = json.loads(json.dumps(dict(message.facts), sort_keys=True, default=str))
    event = {
        "type": f"shipment.{message.event}",
        "timestamp": message.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": {
            "shipment_id": shipment.id,
            "order_number": shipment.order_number,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "status": shipment.status,
            "substatus": shipment.substatus,
            "estimate": shipment.estimate.model_dump(mode="json") if shipment.estimate else None,
            "facts": facts,
            "page_url": message.page_url,
        },
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def webhook_settings(merchant: Merchant) -> Mapping[str, Any]:
    settings = merchant.settings.get("webhook")
    return settings if isinstance(settings, Mapping) else {}


def _signer(secret: Any) -> Webhook | Rejected:
    if not isinstance(secret, str) or not secret:
        return Rejected("the merchant has no webhook secret")
    try:
        return Webhook(secret)
    except (binascii.Error, ValueError, EmptyWebhookSecretError):
        return Rejected("the webhook secret is not a whsec_ base64 secret")
