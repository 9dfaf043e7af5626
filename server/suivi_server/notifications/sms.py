"""The SMS channel: a short text in the shopper's language, with the tracking link.

Numbers are read the way shoppers type them ("06 12 34 56 78") with the shipment's country as
the hint, and sent in E.164; a number the phone plan says is a landline gets no SMS. The text
is the wording's sentence, a space, then the link. When the merchant's segment budget is too
small, the sentence is shortened at a word and the link kept whole: a cut link is worthless.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import phonenumbers

from suivi_server.notifications.channels import ChannelContext, Outcome, Rendered
from suivi_server.notifications.gsm import SmsLength, measure
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.notifications.sms_providers import Sms, SmsProvider, provider_from_env
from suivi_server.notifications.wording import message_text
from suivi_server.pages.i18n import language, supported
from suivi_server.pages.view import zone
from suivi_server.storage.merchants import Merchant

DEFAULT_REGION = "FR"
DEFAULT_MAX_SEGMENTS = 2
DEFAULT_SENDER = "Suivi"
SENDER_MAX = 11  # alphanumeric sender ids: at most 11 of [A-Za-z0-9 ]
_NOT_SENDER = re.compile(r"[^A-Za-z0-9 ]+")


@dataclass(frozen=True)
class RenderedSms:
    to: str
    text: str
    sender: str
    length: SmsLength

    def preview(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "sender": self.sender,
            "text": self.text,
            "encoding": self.length.encoding,
            "characters": self.length.characters,
            "segments": self.length.segments,
        }


class SmsChannel:
    name: ClassVar[str] = "sms"
    to_shopper: ClassVar[bool] = True
    max_age: ClassVar[timedelta] = timedelta(hours=12)

    def __init__(self, provider: SmsProvider, clock: Callable[[], datetime]):
        self.provider = provider
        self._clock = clock

    def recipient(self, shipment: ShipmentSnapshot, merchant: Merchant) -> str | None:
        return mobile_number(shipment.customer_phone, shipment.customer_country)

    def render(self, message: OutboundMessage) -> RenderedSms:
        lang = language(supported(message.locale) or "en")
        today = self._clock().astimezone(zone(message.timezone)).date()
        sentence = message_text(message, lang, today=today).sms
        settings = _sms_settings(message.merchant)
        text = fit(sentence, message.page_url, max_segments(settings))
        sender = sender_id(settings.get("sender") or message.merchant.name)
        return RenderedSms(message.recipient, text, sender, measure(text))

    async def deliver(self, message: OutboundMessage, rendered: Rendered) -> Outcome:
        if not isinstance(rendered, RenderedSms):
            raise TypeError(f"the SMS channel cannot send {type(rendered).__name__}")
        sms = Sms(rendered.to, rendered.text, rendered.sender, message.idempotency_key)
        return await self.provider.send(sms)

    async def aclose(self) -> None:
        await self.provider.aclose()


def create(context: ChannelContext) -> SmsChannel | None:
    """The SMS channel through SUIVI_SMS_PROVIDER, the demo's mailbox without one, else None."""
    provider = provider_from_env(context.environ, context.mailbox, context.clock)
    return SmsChannel(provider, context.clock) if provider is not None else None


def mobile_number(raw: str | None, country: str | None) -> str | None:
    """`raw` in E.164 when it is a valid number that can receive SMS, else None. The country
    (ISO 3166 alpha-2) reads national numbers; one written with +33 or 0033 needs none."""
    if not raw or not raw.strip():
        return None
    region = (country or DEFAULT_REGION).strip().upper()
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def fit(sentence: str, link: str, segments: int) -> str:
    """`sentence link` within `segments`, dropping the sentence's last words (marked with an
    ellipsis) until it fits; the link is never shortened, even alone over the budget."""
    text = f"{sentence} {link}" if sentence else link
    if measure(text).segments <= segments:
        return text
    words = sentence.split()
    while words:
        words.pop()
        shorter = " ".join(words).rstrip(",;:.") + "..."
        if words and measure(text := f"{shorter} {link}").segments <= segments:
            return text
    return link


def max_segments(settings: Mapping[str, Any]) -> int:
    value = settings.get("max_segments")
    return value if isinstance(value, int) and value >= 1 else DEFAULT_MAX_SEGMENTS


def sender_id(name: str) -> str:
    """The merchant's name as an alphanumeric sender id: accents dropped ("Épicerie" →
    "Epicerie"), other characters removed, at most 11 characters, never only digits
    (networks read those as a phone number)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = " ".join(_NOT_SENDER.sub(" ", plain).split())[:SENDER_MAX].strip()
    return cleaned if any(c.isalpha() for c in cleaned) else DEFAULT_SENDER


def _sms_settings(merchant: Merchant) -> Mapping[str, Any]:
    settings = merchant.settings.get("sms")
    return settings if isinstance(settings, Mapping) else {}
