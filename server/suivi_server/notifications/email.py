"""The email channel: notifications over SMTP, in the merchant's theme and the shopper's language.

A message leaves as multipart/alternative (plain text, then HTML). The HTML comes from the theme's
`email/message.html` (a theme overrides it as it overrides page templates, or only one event's
`email/<event>.html`, or a rule's variant `email/<template>.html`), with the stylesheet
inlined by css_inline, because mail clients drop <style> blocks. The Message-ID is derived from the
idempotency key, so a second copy sent after a crash carries the same one and can be dropped.
Without SMTP_HOST but with the demo's mailbox, messages are captured instead of sent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import aiosmtplib
from css_inline import CSSInliner
from email_validator import EmailNotValidError, validate_email
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from suivi_server.config import ConfigError
from suivi_server.notifications.channels import (
    Accepted,
    ChannelContext,
    Outcome,
    Rejected,
    TryLater,
)
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.notifications.wording import MessageText, chrome, message_text
from suivi_server.pages.branding import Branding, branding
from suivi_server.pages.i18n import Language, language, supported
from suivi_server.pages.site import install_gettext
from suivi_server.pages.themes import ThemeSet, load_themes, themes_root
from suivi_server.pages.view import zone
from suivi_server.pages.wording import carrier_name
from suivi_server.storage.merchants import Merchant

# The delivered messages open the page at its satisfaction survey.
SURVEY_ANCHORS: Mapping[str, str] = {"delivered": "#survey", "delivered_to_third_party": "#survey"}

# Replies that name the server's own queue id (Postfix, Exim); otherwise our Message-ID.
_QUEUE_ID = (re.compile(r"queued as ([\w.-]+)"), re.compile(r"\bid=([\w.-]+)"))
# SMTP codes that say our configuration is wrong, not the message: retry once it is fixed.
_OUR_PROBLEM = frozenset({530, 534, 535, 538})
# A value going into the <style> block: no way out of a declaration or of the element.
_CSS_VALUE = re.compile(r"[^<>{};\\]{1,200}")
_MIME_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})
_INLINER = CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


class EmailSettings(BaseModel):
    """The SUIVI_SMTP_* variables; read once, when the channel is built."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    host: str | None = Field(default=None, alias="SUIVI_SMTP_HOST")
    port: int = Field(default=587, alias="SUIVI_SMTP_PORT", ge=1, le=65535)
    username: str | None = Field(default=None, alias="SUIVI_SMTP_USERNAME")
    password: SecretStr | None = Field(default=None, alias="SUIVI_SMTP_PASSWORD")
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", alias="SUIVI_SMTP_SECURITY"
    )
    mail_from: str | None = Field(default=None, alias="SUIVI_MAIL_FROM")
    timeout: float = Field(default=30.0, alias="SUIVI_SMTP_TIMEOUT", gt=0)

    @field_validator("mail_from")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and _address(value) is None:
            raise ValueError(f"{value!r} is not an email address")
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> EmailSettings:
        present = {k: v for k, v in environ.items() if k.startswith("SUIVI_") and v.strip()}
        try:
            return cls.model_validate(present)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"email settings: {problems}") from None


def create(context: ChannelContext) -> EmailChannel | None:
    """The channel when SMTP is configured, or in the demo; None otherwise."""
    settings = EmailSettings.from_environ(context.environ)
    if settings.host is None and context.mailbox is None:
        return None
    themes = load_themes(themes_root(context.settings.themes_dir), install_gettext)
    return EmailChannel(context, settings, themes)


@dataclass(frozen=True)
class RenderedEmail:
    """The message as it will leave, plus its parts for previews and the demo's mailbox."""

    message: EmailMessage
    text: str
    html: str

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def headers(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.message.items() if k.lower() not in _MIME_HEADERS}

    def preview(self) -> dict[str, Any]:
        return {
            "subject": str(self.message["Subject"]),
            "from": str(self.message["From"]),
            "to": str(self.message["To"]),
            "headers": self.headers(),
            "text": self.text,
            "html": self.html,
        }


class EmailChannel:
    """Renders from the merchant's theme; delivers over SMTP, or into the demo's mailbox."""

    name: ClassVar[str] = "email"
    to_shopper: ClassVar[bool] = True
    max_age: ClassVar[timedelta] = timedelta(hours=24)

    def __init__(self, context: ChannelContext, settings: EmailSettings, themes: ThemeSet) -> None:
        self.context, self.settings, self.themes = context, settings, themes
        public = urlsplit(context.settings.public_url)
        self.public_url = context.settings.public_url.rstrip("/")
        self.mail_from = settings.mail_from or f"notifications@{public.hostname or 'localhost'}"
        self.domain = self.mail_from.rpartition("@")[2]

    def recipient(self, shipment: ShipmentSnapshot, merchant: Merchant) -> str | None:
        return shipment.customer_email or None

    def render(self, message: OutboundMessage) -> RenderedEmail:
        merchant = message.merchant
        brand = branding(
            merchant.slug, merchant.name, self.themes.theme(merchant.theme), merchant.settings
        )
        lang = language(supported(message.locale) or "en")
        now = self.context.clock()
        today = now.astimezone(zone(message.timezone)).date()
        text = message_text(message, lang, today=today)
        values = self._values(message, brand, lang, text)
        env = self.themes.renderer(merchant.theme).env
        html = _INLINER.inline(env.select_template(_candidates(message, "html")).render(values))
        plain = env.select_template(_candidates(message, "txt")).render(values).strip() + "\n"

        email = EmailMessage()
        email["Subject"] = _one_line(text.subject)
        email["From"] = Address(_one_line(brand.name), addr_spec=self._sender(merchant))
        email["To"] = message.recipient
        if reply_to := self._reply_to(merchant, brand):
            email["Reply-To"] = reply_to
        email["Date"] = format_datetime(now)
        email["Message-ID"] = self.message_id(message.idempotency_key)
        email["Auto-Submitted"] = "auto-generated"
        if message.unsubscribe_url:
            email["List-Unsubscribe"] = (
                f"<{message.unsubscribe_url}>, <mailto:{self.mail_from}?subject=unsubscribe>"
            )
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(plain)
        email.add_alternative(html, subtype="html")
        email["Content-Language"] = lang.code  # after the parts: set_content() drops it
        return RenderedEmail(email, plain, html)

    def message_id(self, idempotency_key: str) -> str:
        """The same key gives the same Message-ID: receivers drop a second copy."""
        return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{self.domain}>"

    async def deliver(self, message: OutboundMessage, rendered: Any) -> Outcome:
        if not isinstance(rendered, RenderedEmail):
            raise TypeError(f"the email channel cannot send {type(rendered).__name__}")
        if self.settings.host is None:
            return self._capture(rendered)
        password = self.settings.password.get_secret_value() if self.settings.password else None
        try:
            _, reply = await aiosmtplib.send(
                rendered.message,
                hostname=self.settings.host,
                port=self.settings.port,
                username=self.settings.username,
                password=password,
                use_tls=self.settings.security == "tls",
                start_tls=self.settings.security == "starttls",
                timeout=self.settings.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
            reason = "; ".join(f"{r.code} {r.message}" for r in refused) or "recipient refused"
            permanent = refused and all(500 <= r.code < 600 for r in refused)
            return Rejected(reason) if permanent else TryLater(reason)
        except aiosmtplib.SMTPResponseException as exc:
            reason = f"{exc.code} {exc.message}"
            permanent = 500 <= exc.code < 600 and exc.code not in _OUR_PROBLEM
            return Rejected(reason) if permanent else TryLater(reason)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return TryLater(f"{type(exc).__name__}: {exc}")
        return Accepted(provider_id=_queue_id(reply) or rendered.message_id, response=reply)

    async def aclose(self) -> None:
        """Nothing to close: each delivery opens and closes its own SMTP connection."""

    def _capture(self, rendered: RenderedEmail) -> Outcome:
        mailbox = self.context.mailbox
        if mailbox is None:
            return TryLater("no SMTP host configured")
        mailbox.capture(
            channel=self.name,
            recipient=str(rendered.message["To"]),
            captured_at=self.context.clock(),
            subject=str(rendered.message["Subject"]),
            text=rendered.text,
            html=rendered.html,
            headers=rendered.headers(),
        )
        return Accepted(provider_id=rendered.message_id, response="captured by the demo mailbox")

    def _values(
        self,
        message: OutboundMessage,
        brand: Branding,
        lang: Language,
        text: MessageText,
    ) -> dict[str, Any]:
        shipment = message.shipment
        merchant = brand.name
        return {
            "lang": lang,
            "brand": brand,
            "text": text,
            "colours": {k: _css(v, "#1c2333") for k, v in brand.colours.items()},
            "font": _css(brand.font, "sans-serif"),
            "logo_url": self._absolute(brand.logo),
            "page_url": message.page_url + SURVEY_ANCHORS.get(message.event, ""),
            "carrier": carrier_name(shipment.carrier),
            "tracking_number": shipment.tracking_number,
            "items": [_item(raw) for raw in shipment.items],
            "recommendations": message.extras.get("recommendations", ()),
            "unsubscribe_url": message.unsubscribe_url,
            "labels": {
                "order": chrome(lang, "order", order_number=shipment.order_number),
                "carrier": chrome(lang, "carrier"),
                "tracking_number": chrome(lang, "tracking_number"),
                "contact": chrome(lang, "contact"),
                "footer": chrome(lang, "footer", merchant=merchant),
                "unsubscribe": chrome(lang, "unsubscribe"),
            },
        }

    def _absolute(self, url: str | None) -> str | None:
        """Mail is read far from our site: a theme's `/static/…` logo needs our address."""
        if url and url.startswith("/"):
            return self.public_url + url
        return url

    def _sender(self, merchant: Merchant) -> str:
        return _address((merchant.settings.get("email") or {}).get("from")) or self.mail_from

    def _reply_to(self, merchant: Merchant, brand: Branding) -> str | None:
        configured = (merchant.settings.get("email") or {}).get("reply_to")
        return _address(configured) or _address(brand.contact.email)


def _candidates(message: OutboundMessage, suffix: str) -> list[str]:
    """The rule's template variant, then the event's own template, then the standard one:
    a theme overrides as much or as little as it wants (names are checked by the rules)."""
    names = [message.template, message.event] if message.template else [message.event]
    return [f"email/{name}.{suffix}" for name in names] + [f"email/message.{suffix}"]


@dataclass(frozen=True)
class _Item:
    name: str
    quantity: int


def _item(raw: Mapping[str, Any]) -> _Item:
    try:
        quantity = max(int(raw.get("quantity") or 1), 1)
    except (TypeError, ValueError):
        quantity = 1
    return _Item(str(raw.get("name") or raw.get("product_id") or ""), quantity)


def _address(value: object) -> str | None:
    """A merchant's address setting, used only when it is a valid address."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _one_line(value: str) -> str:
    """Header text: a newline from a merchant's name or a template never starts a header."""
    return " ".join(value.split())


def _css(value: str, fallback: str) -> Markup:
    """A colour or font for the <style> block, unescaped there (quotes in font names)."""
    return Markup(value if _CSS_VALUE.fullmatch(value) else fallback)


def _queue_id(reply: str) -> str | None:
    for pattern in _QUEUE_ID:
        if found := pattern.search(reply):
            return found.group(1)
    return None
