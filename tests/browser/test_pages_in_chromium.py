"""The tracking page, live refresh and widget in real Chromium on a phone-size screen."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.security import PageTokens
from suivi_server.storage.schema import merchants, shipment_situations, shipments
from tests.browser.conftest import NOW, SECRETS, Site
from tests.server.factories import add_event, create_shipment


@pytest.mark.parametrize(
    ("theme", "lang", "headline", "window"),
    [
        (
            "default",
            "fr",
            "Votre colis est en chemin",
            "Arrive vendredi 27 novembre, entre 10:00 et 12:00",
        ),
        (
            "default",
            "en",
            "Your parcel is on its way",
            "Arrives Friday 27 November, between 10:00 and 12:00",
        ),
        (
            "minimal",
            "fr",
            "Votre colis est en chemin",
            "Arrive vendredi 27 novembre, entre 10:00 et 12:00",
        ),
        (
            "minimal",
            "en",
            "Your parcel is on its way",
            "Arrives Friday 27 November, between 10:00 and 12:00",
        ),
    ],
)
def test_the_page_fits_a_phone(
    phone: Page, site: Site, artifacts: Path, theme: str, lang: str, headline: str, window: str
) -> None:
    phone.goto(f"{site.url}/t/{site.tokens[theme]}?lang={lang}")
    expect(phone.locator("h1.headline")).to_have_text(headline)
    expect(phone.locator(".window")).to_have_text(window)
    expect(phone.locator(".header-phone")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", lang)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    window_size = phone.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.window')).fontSize)"
    )
    body_size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert window_size > body_size  # the date is the biggest thing after the headline
    if theme == "minimal":
        expect(phone.locator("progress")).to_be_visible()
        expect(phone.locator(".site-header")).to_have_count(0)
    else:
        expect(phone.locator(".journey-step--current")).to_have_count(1)
        primary = phone.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        )
        assert primary == "rgb(29, 78, 216)"  # the merchant's colour, from its stylesheet
    phone.screenshot(path=str(artifacts / f"page-{theme}-{lang}.png"), full_page=True)
    assert phone.csp_errors == []  # type: ignore[attr-defined]


def test_htmx_refreshes_the_status_without_reloading(
    phone: Page, site: Site, artifacts: Path
) -> None:
    phone.goto(f"{site.url}/t/{site.tokens['default']}?lang=fr")
    phone.evaluate("window.stillThisPage = true")
    shipment_id = site.shipments["default"]
    delivered = datetime(2026, 11, 27, 10, 5, tzinfo=UTC)

    async def deliver(engine: AsyncEngine) -> None:
        await add_event(engine, shipment_id, delivered, "delivered", "LIV", "Livré")
        async with engine.begin() as conn:
            await conn.execute(
                sa.update(shipments)
                .where(shipments.c.id == shipment_id)
                .values(status="delivered", delivered_at=delivered)
            )

    site.run(deliver)
    phone.get_by_role("button", name="Actualiser").click()
    expect(phone.locator("h1.headline")).to_have_text("Votre colis a été livré")
    expect(phone.locator(".window")).to_have_text("Livré le vendredi 27 novembre à 11:05")
    assert phone.evaluate("window.stillThisPage") is True
    phone.screenshot(path=str(artifacts / "page-refreshed-fr.png"), full_page=True)
    assert phone.csp_errors == []  # type: ignore[attr-defined]


def test_the_lookup_form_opens_the_page(phone: Page, site: Site) -> None:
    phone.goto(f"{site.url}/atelier/track?lang=en")
    phone.get_by_label("Order number").fill("CMD-1001")
    phone.get_by_label("Email or postcode").fill("camille@example.com")
    phone.get_by_role("button", name="Find my parcel").click()
    expect(phone.locator("h1.headline")).to_have_text("Your parcel is on its way")
    assert "/t/" in phone.url


def test_the_widget_resizes_itself_on_an_allowed_shop(
    browser: Browser, site: Site, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{site.allowed_shop}/order?token={site.tokens['minimal']}")
    frame = page.frame_locator("iframe.suivi-widget")
    expect(frame.locator(".headline")).to_have_text("Votre colis est en chemin")
    page.wait_for_function("document.querySelector('iframe.suivi-widget').style.height !== '220px'")
    iframe_height = page.evaluate("document.querySelector('iframe.suivi-widget').offsetHeight")
    content_height = frame.locator("html").evaluate("e => e.getBoundingClientRect().height")
    assert abs(iframe_height - content_height) <= 2
    page.screenshot(path=str(artifacts / "widget-allowed.png"), full_page=True)
    context.close()


def test_the_widget_is_refused_on_another_origin(
    browser: Browser, site: Site, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    refusals: list[str] = []
    page.on(
        "console", lambda msg: refusals.append(msg.text) if "frame-ancestors" in msg.text else None
    )
    page.goto(f"{site.refused_shop}/order?token={site.tokens['default']}")
    page.wait_for_selector("iframe.suivi-widget", state="attached")
    page.wait_for_timeout(1500)
    frames = [f for f in page.frames if f != page.main_frame]
    assert frames
    assert all(f.evaluate("document.querySelector('.headline')") is None for f in frames)
    assert refusals
    # The shopper is not left with a grey box: a plain link to the page stays in its place.
    expect(page.locator("a.suivi-widget-link")).to_be_visible()
    assert f"/t/{site.tokens['default']}" in (
        page.locator("a.suivi-widget-link").get_attribute("href") or ""
    )
    page.screenshot(path=str(artifacts / "widget-refused.png"), full_page=True)
    context.close()


def test_a_situation_banner_fits_a_phone_and_refresh_now_answers(
    phone: Page, site: Site, artifacts: Path
) -> None:
    """A careful delay banner with its contact links, then "Actualiser" asks for a poll."""
    created: list[int] = []

    async def silent_parcel(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            slug = merchants.c.slug == "maison-lumiere"
            merchant_id = (await conn.execute(sa.select(merchants.c.id).where(slug))).scalar_one()
        shipment_id = await create_shipment(
            engine, merchant_id, order_number="CMD-2002", tracking_number="6A99999999999"
        )
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(shipment_situations).values(
                    shipment_id=shipment_id,
                    kind="delivery_delayed",
                    fingerprint="no-scan",
                    facts={"reason": "no_scan", "last_scan_at": "2026-11-20T16:00:00+00:00"},
                    detected_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
                )
            )
        created.append(shipment_id)

    site.run(silent_parcel)
    token = PageTokens(SECRETS).sign(created[0])
    phone.goto(f"{site.url}/t/{token}?lang=fr")
    banner = phone.locator(".banner--delivery_delayed")
    expect(banner).to_be_visible()
    expect(banner.locator(".banner-title")).to_have_text(
        "Nous n’avons pas eu de nouvelles de votre colis depuis le vendredi 20 novembre"
    )
    expect(banner.get_by_role("link", name="Appelez-nous")).to_be_visible()
    box = banner.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts / "banner-no-scan-fr.png"), full_page=True)

    phone.get_by_role("button", name="Actualiser").click()
    expect(phone.locator(".refresh-notice")).to_have_text(
        "Nous avons demandé des nouvelles au transporteur. "
        "Cette page se mettra à jour dans un instant."
    )

    async def just_polled(engine: AsyncEngine) -> None:
        async with engine.begin() as conn:
            await conn.execute(
                sa.update(shipments)
                .where(shipments.c.id == created[0])
                .values(last_polled_at=NOW, next_poll_at=None)
            )

    site.run(just_polled)
    phone.get_by_role("button", name="Actualiser").click()
    expect(phone.locator(".refresh-notice")).to_have_text(
        "Nous venons de vérifier auprès du transporteur. Merci de réessayer dans quelques minutes."
    )
    expect(banner).to_be_visible()
    assert phone.csp_errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_a_long_tracking_number_stays_whole_on_a_phone(
    phone: Page, site: Site, artifacts: Path, lang: str
) -> None:
    created: list[int] = []

    async def ups_parcel(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            slug = merchants.c.slug == "maison-lumiere"
            merchant_id = (await conn.execute(sa.select(merchants.c.id).where(slug))).scalar_one()
        created.append(
            await create_shipment(
                engine,
                merchant_id,
                order_number=f"CMD-UPS-{lang}",
                carrier="ups",
                tracking_number="1Z999AA10123456784",
            )
        )

    site.run(ups_parcel)
    phone.goto(f"{site.url}/t/{PageTokens(SECRETS).sign(created[0])}?lang={lang}")
    number = phone.locator(".tracking-number")
    expect(number).to_have_text("1Z999AA10123456784")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box = number.bounding_box()
    assert box is not None
    line = phone.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.tracking-number')).lineHeight)"
    )
    assert box["height"] < 1.5 * line  # one line: the number never breaks in the middle
    assert box["x"] + box["width"] <= 390
    phone.screenshot(path=str(artifacts / f"page-ups-number-{lang}.png"), full_page=True)
