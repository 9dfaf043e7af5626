"""The email channel against a real SMTP server on localhost (aiosmtpd): what arrives, and what
the sender is told when the server refuses, defers or is not there; the demo's message pages."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.middleware import Middleware

from suivi import DeliveryEstimate
from suivi_server.config import ConfigError, Settings
from suivi_server.notifications import mailbox_pages
from suivi_server.notifications.channels import Accepted, ChannelContext, Rejected, TryLater
from suivi_server.notifications.email import EmailChannel, create
from suivi_server.notifications.mailbox import Mailbox
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.pages.outbound import Outbound
from suivi_server.storage.merchants import Merchant
from tests.server.conftest import NOW, SECRET_KEYS

pytestmark = pytest.mark.anyio
HOSTILE = "<script>alert(1)</script>"
PAGE_URL = "https://track.example.com/t/signed-token.abc"
UNSUBSCRIBE_URL = "https://track.example.com/u/unsubscribe-token.xyz"


class Recorder:
    """An SMTP server's handler that keeps what it accepts, or answers the reply it is given."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        content = envelope.content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.envelopes.append(envelope)
        return "250 2.0.0 Ok: queued as 4XyZ123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def smtp(smtp_server: tuple[Recorder, int]) -> Recorder:
    recorder = smtp_server[0]
    recorder.received.clear()
    recorder.envelopes.clear()
    recorder.rcpt_reply = recorder.data_reply = None
    return recorder


def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite+aiosqlite://",
        data_dir=tmp_path,
        secret_keys=SECRET_KEYS,
        public_url="https://track.example.com",
    )


def channel(tmp_path: Path, port: int, **environ: str) -> EmailChannel:
    variables = {
        "SUIVI_SMTP_HOST": "127.0.0.1",
        "SUIVI_SMTP_PORT": str(port),
        "SUIVI_SMTP_SECURITY": "none",
        "SUIVI_SMTP_TIMEOUT": "5",
        **environ,
    }
    built = create(ChannelContext(settings(tmp_path), variables, clock=lambda: NOW))
    assert built is not None
    return built


@pytest.fixture(scope="module")
def email(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Recorder, int]
) -> EmailChannel:
    """Module-wide: building a channel reads and compiles every theme."""
    return channel(tmp_path_factory.mktemp("email"), smtp_server[1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[EmailChannel, Mailbox]:
    mailbox = Mailbox()
    folder = tmp_path_factory.mktemp("demo")
    built = create(ChannelContext(settings(folder), {}, clock=lambda: NOW, mailbox=mailbox))
    assert built is not None
    return built, mailbox


def message(
    *,
    locale: str = "fr",
    key: str = "7:shipped:1:email",
    merchant_name: str = "Maison Lumière",
    theme: str = "default",
    item: str = "Lampe Opaline",
    customer: str = "Camille Martin",
    unsubscribe_url: str | None = UNSUBSCRIBE_URL,
    settings: dict[str, Any] | None = None,
) -> OutboundMessage:
    merchant = Merchant(
        3,
        "maison-lumiere",
        merchant_name,
        theme,
        settings
        if settings is not None
        else {"contact": {"email": "service@maison-lumiere.fr", "phone": "01 23 45 67 89"}},
    )
    shipment = ShipmentSnapshot(
        id=7,
        merchant_id=3,
        order_number="CMD-1001",
        carrier="colissimo",
        tracking_number="6A12345678901",
        status="in_transit",
        customer_name=customer,
        customer_email="camille@example.com",
        customer_locale=locale,
        items=({"name": item, "quantity": 2},),
        estimate=DeliveryEstimate(
            earliest=date(2026, 11, 27), latest=date(2026, 11, 27), source="carrier"
        ),
    )
    return OutboundMessage(
        notification_id=1,
        idempotency_key=key,
        channel="email",
        event="shipped",
        recipient="camille@example.com",
        locale=locale,
        merchant=merchant,
        shipment=shipment,
        facts={"shipped_at": "2026-11-24T08:00:00+00:00"},
        page_url=PAGE_URL,
        created_at=NOW,
        unsubscribe_url=unsubscribe_url,
    )


async def send(email: EmailChannel, smtp: Recorder, outbound: OutboundMessage) -> EmailMessage:
    outcome = await email.deliver(outbound, email.render(outbound))
    assert isinstance(outcome, Accepted), outcome
    assert len(smtp.received) == 1
    return smtp.received[0]


def parts(received: EmailMessage) -> tuple[str, str]:
    text, html = received.get_body(("plain",)), received.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


async def test_an_email_arrives_as_plain_text_and_html(email: EmailChannel, smtp: Recorder) -> None:
    received = await send(email, smtp, message())
    assert received.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in received.iter_parts()] == ["text/plain", "text/html"]
    assert smtp.envelopes[0].rcpt_tos == ["camille@example.com"]
    assert received["To"] == "camille@example.com"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Date"].datetime == NOW


async def test_the_server_queue_id_is_the_provider_reference(
    email: EmailChannel, smtp: Recorder
) -> None:
    outbound = message()
    outcome = await email.deliver(outbound, email.render(outbound))
    assert outcome == Accepted(provider_id="4XyZ123", response="2.0.0 Ok: queued as 4XyZ123")


async def test_it_comes_from_the_merchant_and_replies_go_to_its_contact(
    email: EmailChannel, smtp: Recorder
) -> None:
    received = await send(email, smtp, message())
    sender = received["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Maison Lumière",
        "notifications@track.example.com",
    )
    assert received["Reply-To"] == "service@maison-lumiere.fr"


async def test_a_merchant_may_set_its_own_from_and_reply_to(
    email: EmailChannel, smtp: Recorder
) -> None:
    own = {"email": {"from": "suivi@maison-lumiere.fr", "reply_to": "aide@maison-lumiere.fr"}}
    received = await send(email, smtp, message(settings=own))
    assert received["From"].addresses[0].addr_spec == "suivi@maison-lumiere.fr"
    assert received["Reply-To"] == "aide@maison-lumiere.fr"


@pytest.mark.parametrize(
    ("locale", "subject", "heading", "label"),
    [
        ("en", "Your order CMD-1001 is on its way", "Your order has left our warehouse", "Carrier"),
        (
            "fr",
            "Votre commande CMD-1001 est en route",
            "Votre commande a quitté notre entrepôt",
            "Transporteur",
        ),
    ],
)
async def test_it_speaks_the_shoppers_language(
    email: EmailChannel,
    smtp: Recorder,
    locale: str,
    subject: str,
    heading: str,
    label: str,
) -> None:
    received = await send(email, smtp, message(locale=locale))
    text, html = parts(received)
    assert received["Subject"] == subject
    assert received["Content-Language"] == locale
    assert f'<html lang="{locale}">' in html
    assert heading in text
    assert heading in html
    assert f"{label}: Colissimo" in text


async def test_the_button_and_the_text_carry_the_signed_link(
    email: EmailChannel, smtp: Recorder
) -> None:
    text, html = parts(await send(email, smtp, message(locale="en")))
    assert f'class="button" href="{PAGE_URL}"' in html
    assert f"Track my parcel: {PAGE_URL}" in text
    assert "6A12345678901" in html
    assert "CMD-1001" in html


async def test_one_click_unsubscribe_headers(email: EmailChannel, smtp: Recorder) -> None:
    received = await send(email, smtp, message())
    assert received["List-Unsubscribe"] == (
        f"<{UNSUBSCRIBE_URL}>, <mailto:notifications@track.example.com?subject=unsubscribe>"
    )
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(received)
    assert UNSUBSCRIBE_URL in html
    assert UNSUBSCRIBE_URL in text


async def test_without_an_unsubscribe_link_there_are_no_unsubscribe_headers(
    email: EmailChannel, smtp: Recorder
) -> None:
    received = await send(email, smtp, message(unsubscribe_url=None))
    assert received["List-Unsubscribe"] is None
    assert received["List-Unsubscribe-Post"] is None


async def test_the_message_id_is_the_same_for_the_same_notification(
    email: EmailChannel, smtp: Recorder
) -> None:
    first = email.render(message(key="7:shipped:1:email")).message_id
    again = email.render(message(key="7:shipped:1:email")).message_id
    other = email.render(message(key="7:shipped:2:email")).message_id
    assert first == again != other
    assert first.startswith("<")
    assert first.endswith("@track.example.com>")
    received = await send(email, smtp, message(key="7:shipped:1:email"))
    assert received["Message-ID"] == first


async def test_hostile_names_are_escaped_in_the_html(email: EmailChannel, smtp: Recorder) -> None:
    outbound = message(merchant_name=f"{HOSTILE} & Co", item=HOSTILE, customer=HOSTILE)
    received = await send(email, smtp, outbound)
    text, html = parts(received)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert received["From"].addresses[0].display_name == f"{HOSTILE} & Co"
    assert f"- {HOSTILE} × 2" in text  # plain text is shown as it is, never parsed


async def test_a_newline_in_a_merchant_name_cannot_add_a_header(
    email: EmailChannel, smtp: Recorder
) -> None:
    received = await send(email, smtp, message(merchant_name="Shop\r\nBcc: victim@example.org"))
    assert received["Bcc"] is None
    assert smtp.envelopes[0].rcpt_tos == ["camille@example.com"]


async def test_a_theme_overrides_the_email_template(email: EmailChannel, smtp: Recorder) -> None:
    _, default_html = parts(await send(email, smtp, message()))
    smtp.received.clear()
    _, minimal_html = parts(await send(email, smtp, message(theme="minimal")))
    assert 'class="minimal-header"' in minimal_html
    assert "Georgia" in minimal_html
    assert 'class="minimal-header"' not in default_html
    assert 'class="shop-name"' in default_html


async def test_the_html_has_its_styles_inlined(email: EmailChannel, smtp: Recorder) -> None:
    _, html = parts(await send(email, smtp, message()))
    assert "<style" not in html
    assert "<script" not in html
    assert "<link" not in html
    assert 'class="frame"' in html
    assert "max-width: 600px" in html


async def test_a_greylisting_451_is_tried_later(email: EmailChannel, smtp: Recorder) -> None:
    smtp.data_reply = "451 4.7.1 Greylisted, try again later"
    outbound = message()
    outcome = await email.deliver(outbound, email.render(outbound))
    assert isinstance(outcome, TryLater)
    assert "451" in outcome.reason
    assert "Greylisted" in outcome.reason


async def test_an_unknown_mailbox_550_is_rejected(email: EmailChannel, smtp: Recorder) -> None:
    smtp.rcpt_reply = "550 5.1.1 No such user"
    outbound = message()
    outcome = await email.deliver(outbound, email.render(outbound))
    assert isinstance(outcome, Rejected)
    assert "550" in outcome.reason
    assert smtp.received == []


async def test_a_full_mailbox_452_is_tried_later(email: EmailChannel, smtp: Recorder) -> None:
    smtp.rcpt_reply = "452 4.2.2 Mailbox full"
    outbound = message()
    outcome = await email.deliver(outbound, email.render(outbound))
    assert isinstance(outcome, TryLater)
    assert "452" in outcome.reason


async def test_a_server_that_is_down_is_tried_later(tmp_path: Path) -> None:
    email = channel(tmp_path, free_port())
    outbound = message()
    outcome = await email.deliver(outbound, email.render(outbound))
    assert isinstance(outcome, TryLater)
    assert "Connect" in outcome.reason


def test_without_smtp_or_mailbox_the_channel_is_not_configured(tmp_path: Path) -> None:
    assert create(ChannelContext(settings(tmp_path), {}, clock=lambda: NOW)) is None


def test_a_bad_port_is_a_clear_configuration_error(tmp_path: Path) -> None:
    environ = {"SUIVI_SMTP_HOST": "mail.example.com", "SUIVI_SMTP_PORT": "smtp"}
    with pytest.raises(ConfigError, match="SUIVI_SMTP_PORT"):
        create(ChannelContext(settings(tmp_path), environ, clock=lambda: NOW))


def test_a_sender_address_that_is_not_one_is_a_clear_configuration_error(tmp_path: Path) -> None:
    environ = {"SUIVI_SMTP_HOST": "mail.example.com", "SUIVI_MAIL_FROM": "notifications"}
    with pytest.raises(ConfigError, match="SUIVI_MAIL_FROM"):
        create(ChannelContext(settings(tmp_path), environ, clock=lambda: NOW))


async def test_the_demo_captures_into_the_mailbox(demo: tuple[EmailChannel, Mailbox]) -> None:
    email, mailbox = demo
    outbound = message(locale="en")
    rendered = email.render(outbound)
    outcome = await email.deliver(outbound, rendered)
    assert outcome == Accepted(
        provider_id=rendered.message_id, response="captured by the demo mailbox"
    )
    [captured] = list(mailbox)
    assert (captured.channel, captured.recipient) == ("email", "camille@example.com")
    assert captured.subject == "Your order CMD-1001 is on its way"
    assert captured.html == rendered.html
    assert captured.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_preview_shows_what_would_leave(demo: tuple[EmailChannel, Mailbox]) -> None:
    email = demo[0]
    preview = email.render(message(locale="en")).preview()
    assert set(preview) == {"subject", "from", "to", "headers", "text", "html"}
    assert preview["to"] == "camille@example.com"
    assert preview["headers"]["Content-Language"] == "en"
    assert PAGE_URL in preview["text"]


def test_the_shoppers_address_is_the_recipient(demo: tuple[EmailChannel, Mailbox]) -> None:
    email = demo[0]
    outbound = message()
    assert email.recipient(outbound.shipment, outbound.merchant) == "camille@example.com"
    nobody = replace(outbound.shipment, customer_email=None)
    assert email.recipient(nobody, outbound.merchant) is None


def demo_pages(mailbox: Mailbox) -> httpx.AsyncClient:
    app = Starlette(routes=mailbox_pages.routes(mailbox), middleware=[Middleware(Outbound)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_the_demo_lists_captured_messages_newest_first_and_escaped() -> None:
    mailbox = Mailbox()
    mailbox.capture(
        channel="sms", recipient="+33612345678", captured_at=NOW, subject=None, text=HOSTILE
    )
    mailbox.capture(
        channel="email",
        recipient="camille@example.com",
        captured_at=NOW,
        subject=f"Order {HOSTILE}",
        text="hello",
        html="<p>hello</p>",
    )
    async with demo_pages(mailbox) as client:
        response = await client.get("/_demo/messages")
    assert response.status_code == 200
    assert "<script" not in response.text
    assert response.text.index("message--email") < response.text.index("message--sms")
    assert '<iframe sandbox loading="lazy" src="/_demo/messages/2"' in response.text
    assert "+33612345678" in response.text
    assert "frame-src 'self'" in response.headers["content-security-policy"]


async def test_a_demo_email_is_served_under_a_mail_clients_policy() -> None:
    mailbox = Mailbox()
    captured = mailbox.capture(
        channel="email",
        recipient="camille@example.com",
        captured_at=NOW,
        subject="Hello",
        text="hello",
        html="<p style='color: red'>hello</p>",
    )
    async with demo_pages(mailbox) as client:
        response = await client.get(f"/_demo/messages/{captured.id}")
        missing = await client.get("/_demo/messages/99")
    assert response.text == "<p style='color: red'>hello</p>"
    assert response.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src * data:"
    )
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert missing.status_code == 404


async def test_starttls_required_but_not_offered_is_tried_later_not_sent_in_clear(
    tmp_path: Path, smtp: Recorder, smtp_server: tuple[Recorder, int]
) -> None:
    email = channel(tmp_path, smtp_server[1], SUIVI_SMTP_SECURITY="starttls")
    outbound = message()
    outcome = await email.deliver(outbound, email.render(outbound))
    assert isinstance(outcome, TryLater)
    assert "STARTTLS" in outcome.reason
    assert smtp.received == []


async def test_a_server_that_never_answers_times_out_and_is_tried_later(tmp_path: Path) -> None:
    with socket.socket() as listening:  # the kernel accepts; nobody ever says hello
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        email = channel(tmp_path, listening.getsockname()[1], SUIVI_SMTP_TIMEOUT="0.3")
        outbound = message()
        outcome = await email.deliver(outbound, email.render(outbound))
    assert isinstance(outcome, TryLater)
    assert "Timeout" in outcome.reason


async def test_a_theme_may_override_one_event_or_one_rule_variant_only(
    tmp_path: Path, smtp: Recorder, smtp_server: tuple[Recorder, int]
) -> None:
    themes = tmp_path / "themes"
    shutil.copytree(Path(__file__).parents[2] / "themes", themes)
    variants = themes / "minimal" / "templates" / "email"
    (variants / "shipped.html").write_text("<p>Shipped, the minimal way: {{ text.heading }}</p>")
    (variants / "gift.txt").write_text("A gift is on its way.\n{{ page_url }}")
    built = create(
        ChannelContext(
            replace(settings(tmp_path), themes_dir=themes),
            {
                "SUIVI_SMTP_HOST": "127.0.0.1",
                "SUIVI_SMTP_PORT": str(smtp_server[1]),
                "SUIVI_SMTP_SECURITY": "none",
            },
            clock=lambda: NOW,
        )
    )
    assert built is not None

    text, html = parts(await send(built, smtp, message(theme="minimal")))
    assert "Shipped, the minimal way:" in html
    assert "A gift" not in text
    smtp.received.clear()
    gift = replace(message(theme="minimal"), template="gift")
    text, html = parts(await send(built, smtp, gift))
    assert text.startswith("A gift is on its way.")
    assert PAGE_URL in text
    assert "Shipped, the minimal way:" in html  # no gift.html: the event's own template
