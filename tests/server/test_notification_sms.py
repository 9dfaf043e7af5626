"""The SMS channel: numbers as shoppers write them, lengths as networks count them, the link
kept whole, and each provider's real request and answer formats."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from suivi_server.config import ConfigError, Settings
from suivi_server.notifications.channels import (
    Accepted,
    ChannelContext,
    Rejected,
    TryLater,
    load_channels,
)
from suivi_server.notifications.gsm import measure
from suivi_server.notifications.mailbox import Mailbox
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.notifications.sms import SmsChannel, create, fit, mobile_number, sender_id
from suivi_server.notifications.sms_providers import Sms
from suivi_server.storage.merchants import Merchant
from tests.server.notification_receivers import Answer, SmsEndpoint, serving

from .conftest import NOW

pytestmark = pytest.mark.anyio
PAGE_URL = "https://track.example.com/p/3Xb9KqL2mN8pR4sT"


def context(environ: Mapping[str, str], mailbox: Mailbox | None = None) -> ChannelContext:
    settings = Settings(database_url="sqlite://", data_dir=Path("."), secret_keys=("k" * 32,))
    return ChannelContext(settings=settings, environ=environ, clock=lambda: NOW, mailbox=mailbox)


def channel(environ: Mapping[str, str], mailbox: Mailbox | None = None) -> SmsChannel:
    built = create(context(environ, mailbox))
    assert built is not None
    return built


def message(
    *,
    event: str = "shipped",
    merchant_settings: Mapping[str, Any] | None = None,
    page_url: str = PAGE_URL,
    locale: str = "en",
) -> OutboundMessage:
    merchant = Merchant(1, "epicerie", "Épicerie Fine", "default", merchant_settings or {})
    shipment = ShipmentSnapshot(
        id=7,
        merchant_id=1,
        order_number="A-1001",
        carrier="colissimo",
        tracking_number="6A12345678901",
        status="in_transit",
        customer_phone="06 12 34 56 78",
        customer_country="FR",
    )
    return OutboundMessage(
        notification_id=11,
        idempotency_key="ntf-7-shipped-1-sms",
        channel="sms",
        event=event,
        recipient="+33612345678",
        locale=locale,
        merchant=merchant,
        shipment=shipment,
        facts={},
        page_url=page_url,
        created_at=NOW - timedelta(minutes=5),
    )


async def send(sms: SmsChannel, outbound: OutboundMessage | None = None) -> Any:
    outbound = outbound or message()
    try:
        return await sms.deliver(outbound, sms.render(outbound))
    finally:
        await sms.aclose()


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "country", "e164"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06.12.34.56.78", "fr", "+33612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("+33 6 12 34 56 78", "DE", "+33612345678"),
        ("0033 6 12 34 56 78", None, "+33612345678"),
    ],
)
def test_numbers_written_the_local_way_become_e164(
    written: str, country: str | None, e164: str
) -> None:
    assert mobile_number(written, country) == e164


def test_a_national_number_without_country_reads_as_french() -> None:
    assert mobile_number("07 81 23 45 67", None) == "+33781234567"


@pytest.mark.parametrize("written", ["", "   ", "12345", "06 12 34", "not a number", "+33 6"])
def test_invalid_numbers_have_no_recipient(written: str) -> None:
    assert mobile_number(written, "FR") is None


@pytest.mark.parametrize(("written", "country"), [("01 23 45 67 89", "FR"), ("030 1234567", "DE")])
def test_landlines_get_no_sms(written: str, country: str) -> None:
    assert mobile_number(written, country) is None


def test_recipient_is_the_shipments_phone_normalized() -> None:
    outbound = message()
    sms = channel({}, Mailbox())
    assert sms.recipient(outbound.shipment, outbound.merchant) == "+33612345678"


# --- lengths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("é à ù è ì ò Ç É Ä Ö Ñ Ü ß @ £ $", "GSM-7", 31, 1),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table takes two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("[{|}]^~\\", "GSM-7", 16, 1),
        # An escape pair is not cut between parts: 152 + [2] does not fit in 153.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("ç" + "a" * 69, "UCS-2", 70, 1),  # ç is not in GSM-7: the whole text is UCS-2
        ("ç" + "a" * 70, "UCS-2", 71, 2),
        ("ê" * 134, "UCS-2", 134, 2),
        ("📦" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("📦" * 36, "UCS-2", 72, 2),
        # A surrogate pair is not cut between parts: 66 + [2] does not fit in 67.
        ("a" * 66 + "📦" + "a" * 66, "UCS-2", 134, 3),
        ("", "GSM-7", 0, 0),
    ],
)
def test_length_is_counted_as_the_network_counts_it(
    text: str, encoding: str, characters: int, segments: int
) -> None:
    length = measure(text)
    assert (length.encoding, length.characters, length.segments) == (
        encoding,
        characters,
        segments,
    )


def test_preview_gives_the_text_with_the_link_and_its_length() -> None:
    rendered = channel({}, Mailbox()).render(message())
    preview = rendered.preview()
    assert preview["to"] == "+33612345678"
    assert preview["text"].startswith("Épicerie Fine")
    assert preview["text"].endswith(" " + PAGE_URL)
    assert "A-1001" in preview["text"]
    length = measure(preview["text"])
    assert (preview["encoding"], preview["characters"], preview["segments"]) == (
        length.encoding,
        length.characters,
        length.segments,
    )


def test_a_text_over_the_merchants_budget_shortens_the_sentence_never_the_link() -> None:
    long_url = "https://track.example.com/p/" + "x" * 90
    outbound = message(
        event="delivery_delayed", merchant_settings={"sms": {"max_segments": 1}}, page_url=long_url
    )
    full = fit("Épicerie Fine: your order A-1001 is taking longer than planned.", long_url, 9)
    text = channel({}, Mailbox()).render(outbound).preview()["text"]
    assert measure(full).segments == 2  # without a budget the same message takes two
    assert text.endswith(" " + long_url)
    assert text.startswith("Épicerie Fine: your order")
    assert "..." in text
    assert measure(text).segments == 1


def test_the_default_budget_is_two_segments() -> None:
    long_url = "https://track.example.com/p/" + "x" * 220
    roomy = channel({}, Mailbox()).render(
        message(merchant_settings={"sms": {"max_segments": 3}}, page_url=long_url)
    )
    default = channel({}, Mailbox()).render(message(page_url=long_url))
    assert roomy.length.segments == 3
    assert "..." not in roomy.text
    assert default.length.segments == 2
    assert default.text.endswith("... " + long_url)


def test_a_link_alone_over_the_budget_is_sent_whole() -> None:
    long_url = "https://track.example.com/p/" + "x" * 200
    assert fit("Your parcel is on its way", long_url, 1) == long_url


@pytest.mark.parametrize(
    ("name", "sender"),
    [
        ("Épicerie Fine & Co — Paris", "Epicerie Fi"),
        ("L'Atelier", "L Atelier"),
        ("Shop", "Shop"),
        ("12345678", "Suivi"),  # digits alone would read as a phone number
        ("日本の店", "Suivi"),
    ],
)
def test_sender_is_a_valid_alphanumeric_id(name: str, sender: str) -> None:
    assert sender_id(name) == sender


def test_the_merchants_sms_sender_setting_wins_over_its_name() -> None:
    outbound = message(merchant_settings={"sms": {"sender": "EPICERIE"}})
    assert channel({}, Mailbox()).render(outbound).sender == "EPICERIE"


# --- without a provider ----------------------------------------------------------------------


async def test_without_a_provider_the_demo_mailbox_captures_the_text() -> None:
    mailbox = Mailbox()
    outcome = await send(channel({}, mailbox))
    (captured,) = mailbox
    assert isinstance(outcome, Accepted)
    assert outcome.provider_id == f"mailbox-{captured.id}"
    assert captured.channel == "sms"
    assert captured.recipient == "+33612345678"
    assert captured.text.endswith(" " + PAGE_URL)
    assert captured.headers["From"] == "Epicerie Fi"


def test_without_a_provider_or_mailbox_there_is_no_sms_channel() -> None:
    assert create(context({})) is None
    assert "sms" not in load_channels(context({}))


def test_the_sms_channel_is_registered_as_a_plugin() -> None:
    assert isinstance(load_channels(context({}, Mailbox()))["sms"], SmsChannel)


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"SUIVI_SMS_PROVIDER": "carrier-pigeon"}, "use one of brevo, http, twilio"),
        ({"SUIVI_SMS_PROVIDER": "http"}, "SUIVI_SMS_URL is required"),
        ({"SUIVI_SMS_PROVIDER": "twilio"}, "SUIVI_TWILIO_ACCOUNT_SID is required"),
        ({"SUIVI_SMS_PROVIDER": "brevo"}, "SUIVI_BREVO_API_KEY is required"),
        (
            {
                "SUIVI_SMS_PROVIDER": "http",
                "SUIVI_SMS_URL": "https://sms.example",
                "SUIVI_SMS_BODY_TEMPLATE": '{"to": {to}}',
            },
            "not JSON once filled in",
        ),
        (
            {
                "SUIVI_SMS_PROVIDER": "http",
                "SUIVI_SMS_URL": "https://sms.example",
                "SUIVI_SMS_AUTH_HEADER": "Bearer abc",
            },
            '"Name: value"',
        ),
    ],
)
def test_a_broken_provider_configuration_stops_with_a_clear_error(
    environ: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint.replace("(", r"\(")):
        create(context(environ))


# --- the generic HTTP provider, against a real local endpoint -----------------------------


@pytest.fixture
def endpoint() -> Iterator[tuple[SmsEndpoint, str]]:
    sms = SmsEndpoint()
    with serving(sms.app()) as base_url:
        yield sms, base_url


def generic(base_url: str, **extra: str) -> dict[str, str]:
    return {
        "SUIVI_SMS_PROVIDER": "http",
        "SUIVI_SMS_URL": f"{base_url}/sms",
        "SUIVI_SMS_AUTH_HEADER": "Authorization: Bearer sms-token-123",
        "SUIVI_SMS_BODY_TEMPLATE": (
            '{"messages": [{"destination": "{to}", "body": "{text}", "from": "{sender}"}],'
            ' "client_ref": "ref-{reference}"}'
        ),
        "SUIVI_SMS_ID_FIELD": "result.id",
        **extra,
    }


async def test_generic_provider_posts_the_template_with_escaped_values(
    endpoint: tuple[SmsEndpoint, str],
) -> None:
    sms, base_url = endpoint
    outbound = message(merchant_settings={"sms": {"sender": 'Ship "A"'}})
    outcome = await send(channel(generic(base_url)), outbound)
    (received,) = sms.received
    assert outcome == Accepted("sms-1", outcome.response)
    assert received.headers["authorization"] == "Bearer sms-token-123"
    assert received.headers["idempotency-key"] == "ntf-7-shipped-1-sms"
    body = received.json()
    assert body["client_ref"] == "ref-ntf-7-shipped-1-sms"
    assert body["messages"][0]["destination"] == "+33612345678"
    assert body["messages"][0]["from"] == "Ship A"
    assert body["messages"][0]["body"].endswith(" " + PAGE_URL)


async def test_generic_template_values_survive_quotes_newlines_and_emoji(
    endpoint: tuple[SmsEndpoint, str],
) -> None:
    sms, base_url = endpoint
    provider = channel(generic(base_url)).provider
    text = 'Votre colis "A-1" \\ arrive\nbientôt 📦 </script>'
    await provider.send(Sms("+33612345678", text, "Shop", "r-1"))
    await provider.aclose()
    assert sms.received[0].json()["messages"][0]["body"] == text


async def test_generic_provider_503_with_retry_after_is_try_later(
    endpoint: tuple[SmsEndpoint, str],
) -> None:
    sms, base_url = endpoint
    sms.answer(Answer(503, {"error": "maintenance"}, {"Retry-After": "30"}))
    outcome = await send(channel(generic(base_url)))
    assert isinstance(outcome, TryLater)
    assert outcome.after == timedelta(seconds=30)


async def test_generic_provider_400_is_rejected_with_its_words(
    endpoint: tuple[SmsEndpoint, str],
) -> None:
    sms, base_url = endpoint
    sms.answer(Answer(400, {"error": "destination blacklisted"}))
    outcome = await send(channel(generic(base_url)))
    assert isinstance(outcome, Rejected)
    assert "400" in outcome.reason
    assert "destination blacklisted" in outcome.reason


async def test_generic_provider_that_is_down_is_try_later() -> None:
    with serving(SmsEndpoint().app()) as base_url:
        pass  # the port is closed again
    outcome = await send(channel(generic(base_url)))
    assert isinstance(outcome, TryLater)
    assert "could not reach 127.0.0.1" in outcome.reason


# --- Twilio ----------------------------------------------------------------------------------

TWILIO = {
    "SUIVI_SMS_PROVIDER": "twilio",
    "SUIVI_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "SUIVI_TWILIO_AUTH_TOKEN": "twilio-secret",
}
TWILIO_MESSAGES = (
    "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
)


@respx.mock
async def test_twilio_request_is_the_messages_api_form() -> None:
    route = respx.post(TWILIO_MESSAGES).respond(
        201, json={"sid": "SM1a2b3c", "status": "queued", "to": "+33612345678"}
    )
    outcome = await send(channel(TWILIO))
    request = route.calls.last.request
    form = parse_qs(request.content.decode())
    assert outcome == Accepted("SM1a2b3c", outcome.response)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(b"AC0123456789abcdef0123456789abcdef:twilio-secret").decode()
    )
    assert form["To"] == ["+33612345678"]
    assert form["From"] == ["Epicerie Fi"]
    assert form["Body"][0].endswith(" " + PAGE_URL)


@respx.mock
async def test_twilio_sends_from_the_messaging_service_when_set() -> None:
    environ = {**TWILIO, "SUIVI_TWILIO_MESSAGING_SERVICE_SID": "MG0123", "SUIVI_TWILIO_FROM": "X"}
    route = respx.post(TWILIO_MESSAGES).respond(201, json={"sid": "SM1"})
    await send(channel(environ))
    form = parse_qs(route.calls.last.request.content.decode())
    assert form["MessagingServiceSid"] == ["MG0123"]
    assert "From" not in form


@respx.mock
async def test_twilio_429_waits_as_told() -> None:
    respx.post(
        "https://sms.test/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
    ).respond(
        429,
        headers={"Retry-After": "17"},
        json={"code": 20429, "message": "Too Many Requests", "status": 429},
    )
    outcome = await send(channel({**TWILIO, "SUIVI_SMS_BASE_URL": "https://sms.test/"}))
    assert outcome == TryLater(outcome.reason, timedelta(seconds=17))
    assert "Too Many Requests" in outcome.reason


@respx.mock
async def test_twilio_400_is_rejected_with_twilios_message_and_code() -> None:
    respx.post(TWILIO_MESSAGES).respond(
        400,
        json={
            "code": 21211,
            "message": "Invalid 'To' Phone Number: +33612345678",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        },
    )
    outcome = await send(channel(TWILIO))
    assert outcome == Rejected("400 Invalid 'To' Phone Number: +33612345678 (Twilio error 21211)")


@respx.mock
async def test_twilio_timeout_is_try_later() -> None:
    respx.post(TWILIO_MESSAGES).mock(side_effect=httpx.ReadTimeout("slow"))
    outcome = await send(channel(TWILIO))
    assert outcome == TryLater("no answer from api.twilio.com in time")


# --- Brevo -----------------------------------------------------------------------------------

BREVO = {"SUIVI_SMS_PROVIDER": "brevo", "SUIVI_BREVO_API_KEY": "xkeysib-123"}
BREVO_SEND = "https://api.brevo.com/v3/transactionalSMS/send"


@respx.mock
async def test_brevo_request_is_the_transactional_sms_json() -> None:
    route = respx.post(BREVO_SEND).respond(201, json={"messageId": 1511882900176220})
    outcome = await send(
        channel(BREVO), message(merchant_settings={"sms": {"sender": "Ma Boutique"}})
    )
    request = route.calls.last.request
    assert outcome == Accepted("1511882900176220", outcome.response)
    assert request.headers["api-key"] == "xkeysib-123"
    body = json.loads(request.content)
    assert body == {
        "sender": "MaBoutique",
        "recipient": "33612345678",
        "content": body["content"],
        "type": "transactional",
        "tag": "ntf-7-shipped-1-sms",
        "unicodeEnabled": False,
    }
    assert body["content"].endswith(" " + PAGE_URL)


@respx.mock
async def test_brevo_is_told_when_the_text_is_unicode() -> None:
    route = respx.post(BREVO_SEND).respond(201, json={"messageId": 1})
    provider = channel(BREVO).provider
    await provider.send(Sms("+33612345678", "Reçu 📦", "Shop", "r-1"))
    await provider.aclose()
    assert json.loads(route.calls.last.request.content)["unicodeEnabled"] is True


@respx.mock
async def test_brevo_429_waits_for_its_rate_limit_reset() -> None:
    respx.post(BREVO_SEND).respond(
        429,
        headers={"x-sib-ratelimit-limit": "10", "x-sib-ratelimit-reset": "42"},
        json={"code": "too_many_requests", "message": "Too many requests"},
    )
    outcome = await send(channel(BREVO))
    assert isinstance(outcome, TryLater)
    assert outcome.after == timedelta(seconds=42)


@respx.mock
async def test_brevo_400_is_rejected_with_brevos_message() -> None:
    respx.post(BREVO_SEND).respond(
        400, json={"code": "invalid_parameter", "message": "Invalid phone number"}
    )
    outcome = await send(channel(BREVO))
    assert outcome == Rejected("400 Invalid phone number (invalid_parameter)")


@respx.mock
async def test_brevo_5xx_is_try_later() -> None:
    respx.post("https://sms.test/v3/transactionalSMS/send").respond(502, text="Bad Gateway")
    outcome = await send(channel({**BREVO, "SUIVI_SMS_BASE_URL": "https://sms.test"}))
    assert outcome == TryLater("502 Bad Gateway")
