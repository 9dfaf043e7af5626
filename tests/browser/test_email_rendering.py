"""Notification emails in real Chromium, as the demo's message page shows them to a mail client's
width: a phone and a desktop, in French and English, with screenshots in tests/artifacts/."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from suivi import DeliveryEstimate
from suivi_server.config import Settings
from suivi_server.notifications import mailbox_pages
from suivi_server.notifications.channels import Accepted, ChannelContext
from suivi_server.notifications.email import create
from suivi_server.notifications.mailbox import Mailbox
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.pages.outbound import Outbound
from suivi_server.storage.merchants import Merchant
from tests.browser.conftest import NOW, SECRETS, free_port, off_loop, serve

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SMALL_PHONE: ViewportSize = {"width": 375, "height": 740}
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48">'
    '<rect width="160" height="48" fill="#7c2d12"/></svg>'
)


@dataclass
class Demo:
    url: str
    ids: dict[tuple[str, str], int]


def outbound(url: str, locale: str, theme: str) -> OutboundMessage:
    merchant = Merchant(
        1,
        "maison-lumiere",
        "Maison Lumière",
        theme,
        {
            "logo": f"{url}/logo.svg",
            "colours": {"primary": "#7c2d12", "accent": "#ea580c"},
            "contact": {"email": "bonjour@maison-lumiere.example", "phone": "+33 1 84 60 12 34"},
        },
    )
    shipment = ShipmentSnapshot(
        id=7,
        merchant_id=1,
        order_number="ML-1007",
        carrier="chronopost",
        tracking_number="89108749065106",
        status="in_transit",
        customer_email="lucas@example.com",
        items=(
            {"name": "Guirlande Verre soufflé, vingt globes, câble tressé de trois mètres"},
            {"name": "Ampoule", "quantity": 3},
        ),
        estimate=DeliveryEstimate(
            earliest=date(2026, 11, 27), latest=date(2026, 11, 28), source="carrier"
        ),
    )
    return OutboundMessage(
        notification_id=1,
        idempotency_key=f"7:shipped:1:email:{locale}:{theme}",
        channel="email",
        event="shipped",
        recipient="lucas@example.com",
        locale=locale,
        merchant=merchant,
        shipment=shipment,
        facts={"shipped_at": "2026-11-24T08:00:00+00:00"},
        page_url=f"{url}/t/a-signed-token-that-is-rather-long-0123456789abcdefghijklmnop",
        created_at=NOW,
        unsubscribe_url=f"{url}/u/an-unsubscribe-token",
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo's message pages, behind the app's security headers, holding four emails."""
    mailbox = Mailbox()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url="sqlite+aiosqlite://",
        data_dir=tmp_path_factory.mktemp("email"),
        secret_keys=SECRETS,
        public_url=url,
    )
    email = create(ChannelContext(settings, {}, clock=lambda: NOW, mailbox=mailbox))
    assert email is not None

    async def capture_all() -> dict[tuple[str, str], int]:
        ids = {}
        for locale in ("fr", "en"):
            for theme in ("default", "minimal"):
                message = outbound(url, locale, theme)
                outcome = await email.deliver(message, email.render(message))
                assert isinstance(outcome, Accepted)
                ids[(locale, theme)] = next(iter(mailbox)).id
        return ids

    ids = off_loop(lambda: asyncio.run(capture_all()))
    mailbox.capture(
        channel="sms",
        recipient="+33612345678",
        captured_at=NOW,
        subject=None,
        text="Maison Lumière : votre commande arrive. Suivi : "
        f"{url}/t/a-signed-token-that-is-rather-long-0123456789abcdefghijklmnop",
    )

    async def logo(request: Request) -> Response:
        return Response(LOGO, media_type="image/svg+xml")

    app = Starlette(
        routes=[*mailbox_pages.routes(mailbox), Route("/logo.svg", logo)],
        middleware=[Middleware(Outbound)],
    )
    server = serve(app, port)
    try:
        yield Demo(url, ids)
    finally:
        server.should_exit = True


def open_page(browser: Browser, viewport: ViewportSize) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport=viewport, device_scale_factor=2, is_mobile=viewport["width"] < 600
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return page, errors


@pytest.mark.parametrize("theme", ["default", "minimal"])
@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize(("device", "viewport"), [("phone", SMALL_PHONE), ("desktop", DESKTOP)])
def test_the_email_reads_well_on_a_phone_and_a_desktop(
    browser: Browser,
    demo: Demo,
    artifacts: Path,
    device: str,
    viewport: ViewportSize,
    locale: str,
    theme: str,
) -> None:
    page, errors = open_page(browser, viewport)
    page.goto(f"{demo.url}/_demo/messages/{demo.ids[(locale, theme)]}")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    button = page.locator("a.button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= 44  # a thumb's target
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= viewport["width"]
    frame = page.locator("table.frame").bounding_box()
    assert frame is not None
    assert frame["width"] <= 600
    if theme == "default":
        logo = page.locator("img.logo")
        expect(logo).to_be_visible()
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    else:
        expect(page.locator(".minimal-header")).to_have_text("Maison Lumière")
    page.screenshot(path=str(artifacts / f"email-{theme}-{locale}-{device}.png"), full_page=True)
    assert errors == []
    page.context.close()


def test_the_message_list_fits_a_phone_with_long_links(
    browser: Browser, demo: Demo, artifacts: Path
) -> None:
    page, errors = open_page(browser, SMALL_PHONE)
    page.goto(f"{demo.url}/_demo/messages")
    expect(page.locator("p.sms")).to_contain_text("a-signed-token-that-is-rather-long")
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    page.screenshot(path=str(artifacts / "demo-messages-phone.png"), full_page=True)
    assert errors == []
    page.context.close()


def test_the_message_list_frames_each_email(browser: Browser, demo: Demo) -> None:
    page, errors = open_page(browser, DESKTOP)
    page.goto(f"{demo.url}/_demo/messages")
    entries = page.locator("li.message--email")
    expect(entries).to_have_count(4)
    entries.first.locator("summary").click()
    frame = page.frame_locator("li.message--email >> nth=0 >> iframe")
    expect(frame.locator("a.button")).to_be_visible()
    assert errors == []
    page.context.close()
