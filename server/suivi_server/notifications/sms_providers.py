"""SMS providers: who carries the text to the phone network, chosen by SUIVI_SMS_PROVIDER.

Each named provider is a pure description of its API (the request for one SMS, where its
answer keeps the message id and the reason for a refusal); `HttpProvider` does the I/O and
`answers` turns the HTTP answer into an outcome. Without a provider, the demo's mailbox
captures the text instead. SUIVI_SMS_BASE_URL replaces a named provider's host (tests, the
simulator).

    SUIVI_SMS_PROVIDER=http    SUIVI_SMS_URL, SUIVI_SMS_AUTH_HEADER ("Authorization: Bearer …"),
                               SUIVI_SMS_BODY_TEMPLATE (JSON with {to} {text} {sender}
                               {reference}), SUIVI_SMS_ID_FIELD ("id", "messages.0.id")
    SUIVI_SMS_PROVIDER=twilio  SUIVI_TWILIO_ACCOUNT_SID, SUIVI_TWILIO_AUTH_TOKEN, and
                               SUIVI_TWILIO_MESSAGING_SERVICE_SID or SUIVI_TWILIO_FROM
    SUIVI_SMS_PROVIDER=brevo   SUIVI_BREVO_API_KEY
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from suivi_server.config import ConfigError
from suivi_server.notifications import answers
from suivi_server.notifications.channels import Accepted, Outcome, TryLater
from suivi_server.notifications.gsm import is_gsm7
from suivi_server.notifications.mailbox import Mailbox

TIMEOUT = httpx.Timeout(10.0)


@dataclass(frozen=True, slots=True)
class Sms:
    """One text to send. `reference` is the notification's idempotency key."""

    to: str  # E.164, "+33612345678"
    text: str
    sender: str
    reference: str


class SmsProvider(Protocol):
    name: str

    async def send(self, sms: Sms) -> Outcome: ...

    async def aclose(self) -> None: ...


class ApiFormat(Protocol):
    """A provider's API as data: no I/O here, so each format is tested on its own."""

    def request(self, sms: Sms) -> httpx.Request: ...

    def provider_id(self, body: Any) -> str | None: ...

    def error(self, body: Any) -> str | None: ...

    def retry_after(self, headers: httpx.Headers) -> float | None: ...


# The generic provider's placeholders; each value is inserted JSON-escaped, without quotes,
# so a template writes "{text}" inside its own quotes.
_PLACEHOLDER = re.compile(r"\{(to|text|sender|reference)\}")
DEFAULT_BODY_TEMPLATE = (
    '{"to": "{to}", "text": "{text}", "sender": "{sender}", "reference": "{reference}"}'
)


@dataclass(frozen=True)
class GenericHttp:
    """Any provider that takes a JSON POST: success is any 2xx. The reference goes in the
    body when the template asks for it, and always as an `Idempotency-Key` header (the IETF
    httpapi draft) for providers that drop repeated requests."""

    url: str
    body_template: str = DEFAULT_BODY_TEMPLATE
    auth_header: tuple[str, str] | None = None
    id_field: str | None = None

    def body(self, sms: Sms) -> str:
        values = {"to": sms.to, "text": sms.text, "sender": sms.sender, "reference": sms.reference}
        return _PLACEHOLDER.sub(
            lambda m: json.dumps(values[m[1]], ensure_ascii=False)[1:-1], self.body_template
        )

    def request(self, sms: Sms) -> httpx.Request:
        headers = {"Content-Type": "application/json", "Idempotency-Key": sms.reference}
        if self.auth_header:
            headers[self.auth_header[0]] = self.auth_header[1]
        return httpx.Request("POST", self.url, headers=headers, content=self.body(sms).encode())

    def provider_id(self, body: Any) -> str | None:
        return json_path(body, self.id_field) if self.id_field else None

    def error(self, body: Any) -> str | None:
        return None  # unknown shape: the answer's text is the reason

    def retry_after(self, headers: httpx.Headers) -> float | None:
        return None


@dataclass(frozen=True)
class Twilio:
    """Twilio's Messages API, form-encoded, basic auth with the account SID and auth token.
    Request: https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
    Errors ({"code", "message", "more_info", "status"}): https://www.twilio.com/docs/usage/twilios-response
    Twilio's public Messages API takes no idempotency key: a retry after a lost answer can
    send a second SMS, the documented window."""

    account_sid: str
    auth_token: str
    sender: str | None = None  # a Twilio number or registered alphanumeric id; None: the shop's
    messaging_service_sid: str | None = None
    base_url: str = "https://api.twilio.com"

    def request(self, sms: Sms) -> httpx.Request:
        form = {"To": sms.to, "Body": sms.text}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.sender or sms.sender
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        return httpx.Request("POST", url, headers=headers, data=form)

    def provider_id(self, body: Any) -> str | None:
        return json_path(body, "sid")

    def error(self, body: Any) -> str | None:
        message, code = json_path(body, "message"), json_path(body, "code")
        return f"{message} (Twilio error {code})" if message and code else message

    def retry_after(self, headers: httpx.Headers) -> float | None:
        return None


@dataclass(frozen=True)
class Brevo:
    """Brevo (ex-Sendinblue) transactional SMS, JSON with an `api-key` header.
    Endpoint: https://developers.brevo.com/docs/transactional-sms-endpoints (/send replaced
    the deprecated /sms: https://developers.brevo.com/changelog/deprecated-endpoint-post-v3transactionalsmssms)
    Body fields: https://github.com/sendinblue/APIv3-php-library/blob/master/docs/Model/SendTransacSms.md
    Errors are {"code", "message"}; a 429 says when to come back in x-sib-ratelimit-reset:
    https://developers.brevo.com/docs/limit-headers
    Brevo documents no idempotency key for SMS: the reference goes in `tag`, so a rare
    second copy can be found in its logs."""

    api_key: str
    base_url: str = "https://api.brevo.com"

    def request(self, sms: Sms) -> httpx.Request:
        body = {
            # Alphanumeric senders "must contain only letters and digits" (no spaces).
            "sender": sms.sender.replace(" ", ""),
            "recipient": sms.to.removeprefix("+"),
            "content": sms.text,
            "type": "transactional",
            "tag": sms.reference,
            # Without it Brevo sends the text as GSM-7 and garbles what is not in that alphabet.
            "unicodeEnabled": not is_gsm7(sms.text),
        }
        headers = {"api-key": self.api_key, "Accept": "application/json"}
        url = f"{self.base_url}/v3/transactionalSMS/send"
        return httpx.Request("POST", url, headers=headers, json=body)

    def provider_id(self, body: Any) -> str | None:
        return json_path(body, "messageId")

    def error(self, body: Any) -> str | None:
        message, code = json_path(body, "message"), json_path(body, "code")
        return f"{message} ({code})" if message and code else message

    def retry_after(self, headers: httpx.Headers) -> float | None:
        try:
            return max(0.0, float(headers["x-sib-ratelimit-reset"]))
        except (KeyError, ValueError):
            return None


class HttpProvider:
    """Sends through one API format over one pooled client."""

    def __init__(self, name: str, api: ApiFormat):
        self.name = name
        self.api = api
        self._client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)

    async def send(self, sms: Sms) -> Outcome:
        response = await answers.send(self._client, self.api.request(sms))
        if isinstance(response, TryLater):
            return response
        body = _json_or_none(response)
        if response.is_success:
            return answers.for_response(response, provider_id=self.api.provider_id(body))
        return answers.for_response(
            response,
            reason=self.api.error(body),
            retry_after=self.api.retry_after(response.headers),
        )

    async def aclose(self) -> None:
        await self._client.aclose()


class MailboxProvider:
    """The demo: the text is kept in the local mailbox, as it would have reached the phone."""

    name = "mailbox"

    def __init__(self, mailbox: Mailbox, clock: Callable[[], datetime]):
        self._mailbox = mailbox
        self._clock = clock

    async def send(self, sms: Sms) -> Outcome:
        captured = self._mailbox.capture(
            channel="sms",
            recipient=sms.to,
            captured_at=self._clock(),
            subject=None,
            text=sms.text,
            headers={"From": sms.sender, "Reference": sms.reference},
        )
        return Accepted(f"mailbox-{captured.id}", "captured in the demo mailbox")

    async def aclose(self) -> None:
        return None


def provider_from_env(
    environ: Mapping[str, str], mailbox: Mailbox | None, clock: Callable[[], datetime]
) -> SmsProvider | None:
    """The configured provider, the demo mailbox without one, or None (no SMS channel)."""
    kind = environ.get("SUIVI_SMS_PROVIDER", "").strip().lower()
    if not kind:
        return MailboxProvider(mailbox, clock) if mailbox is not None else None
    build = _FORMATS.get(kind)
    if build is None:
        raise ConfigError(f"SUIVI_SMS_PROVIDER={kind!r}: use one of {', '.join(sorted(_FORMATS))}")
    return HttpProvider(kind, build(environ))


def _generic(environ: Mapping[str, str]) -> GenericHttp:
    url = _required(environ, "SUIVI_SMS_URL")
    template = environ.get("SUIVI_SMS_BODY_TEMPLATE") or DEFAULT_BODY_TEMPLATE
    api = GenericHttp(
        url=url,
        body_template=template,
        auth_header=_header(environ.get("SUIVI_SMS_AUTH_HEADER", "")),
        id_field=environ.get("SUIVI_SMS_ID_FIELD") or None,
    )
    sample = Sms(to="+33612345678", text='a "quoted"\ntext', sender="Shop", reference="ref")
    try:
        json.loads(api.body(sample))
    except ValueError as exc:
        raise ConfigError(
            f"SUIVI_SMS_BODY_TEMPLATE is not JSON once filled in ({exc}); write placeholders "
            'inside quotes, e.g. {"to": "{to}", "message": "{text}"}'
        ) from None
    return api


def _twilio(environ: Mapping[str, str]) -> Twilio:
    return Twilio(
        account_sid=_required(environ, "SUIVI_TWILIO_ACCOUNT_SID"),
        auth_token=_required(environ, "SUIVI_TWILIO_AUTH_TOKEN"),
        sender=environ.get("SUIVI_TWILIO_FROM") or None,
        messaging_service_sid=environ.get("SUIVI_TWILIO_MESSAGING_SERVICE_SID") or None,
        base_url=_base_url(environ, "https://api.twilio.com"),
    )


def _brevo(environ: Mapping[str, str]) -> Brevo:
    return Brevo(
        api_key=_required(environ, "SUIVI_BREVO_API_KEY"),
        base_url=_base_url(environ, "https://api.brevo.com"),
    )


_FORMATS: dict[str, Callable[[Mapping[str, str]], ApiFormat]] = {
    "http": _generic,
    "twilio": _twilio,
    "brevo": _brevo,
}


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"{name} is required with SUIVI_SMS_PROVIDER={environ['SUIVI_SMS_PROVIDER']}"
        )
    return value


def _base_url(environ: Mapping[str, str], default: str) -> str:
    return (environ.get("SUIVI_SMS_BASE_URL") or default).rstrip("/")


_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _header(value: str) -> tuple[str, str] | None:
    if not value.strip():
        return None
    name, colon, content = value.partition(":")
    if not colon or not _HEADER_NAME.match(name.strip()) or not content.strip():
        raise ConfigError(
            f"SUIVI_SMS_AUTH_HEADER={value.split(':')[0]!r}…: write it as "
            '"Name: value", e.g. "Authorization: Bearer <token>"'
        )
    return name.strip(), content.strip()


def json_path(body: Any, path: str) -> str | None:
    """The value at a dotted path ("messages.0.id"), as text; None when it is not there."""
    value = body
    for step in path.split("."):
        if isinstance(value, Mapping) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return None if value is None or isinstance(value, Mapping | list) else str(value)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
