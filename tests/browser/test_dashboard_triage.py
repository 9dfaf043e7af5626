"""Triage in Chromium, on a phone and a laptop: an agent signs in, opens the problem list, opens a
damaged parcel and sees the shopper's own page framed, adds a note, marks it handled, and the
parcel leaves the list. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import contacts
from tests.browser.conftest import NOW, PHONE, Site
from tests.server.dashboard_support import PASSWORD, create_user, merchant_id_for
from tests.server.engagement_support import add_situation
from tests.server.factories import add_event, create_shipment

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
EMAIL = "triage-agent@maison-lumiere.example"


@pytest.fixture(scope="module")
def seeded(site: Site) -> Site:
    """One damaged parcel per viewport (TRI-phone, TRI-laptop) and an agent to triage them."""

    async def seed(engine: AsyncEngine) -> None:
        merchant_id = await merchant_id_for(engine, "maison-lumiere")
        for n, name in enumerate(VIEWPORTS, start=1):
            shipment_id = await create_shipment(
                engine,
                merchant_id,
                order_number=f"TRI-{name}",
                tracking_number=f"6T{n:011d}",
                status="exception",
                substatus="damaged",
                problem="damaged",
                problem_since=NOW - timedelta(days=1, hours=n),
            )
            await add_situation(engine, shipment_id, "damaged", NOW - timedelta(days=1))
            await add_event(
                engine,
                shipment_id,
                NOW - timedelta(days=1),
                "exception",
                "AND",
                "Colis endommagé",
                substatus="damaged",
            )
        await create_user(engine, merchant_id, EMAIL, role="agent", name="Lou Agent")

    site.run(seed)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return site


@pytest.fixture(params=list(VIEWPORTS))
def agent(request: pytest.FixtureRequest, browser: Browser, seeded: Site) -> Iterator[Page]:
    phone = request.param == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], is_mobile=phone, device_scale_factor=2 if phone else 1
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.csp_errors = errors  # type: ignore[attr-defined]
    page.viewport_name = request.param  # type: ignore[attr-defined]
    page.goto(f"{seeded.url}/dashboard/login?lang=en")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{seeded.url}/dashboard/**")
    yield page
    context.close()


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_an_agent_triages_a_damaged_parcel(agent: Page, seeded: Site) -> None:
    page, name = agent, agent.viewport_name  # type: ignore[attr-defined]
    order = f"TRI-{name}"
    page.goto(f"{seeded.url}/dashboard/problems?lang=en")
    row = page.locator("table.problems tr", has_text=order)
    assert row.count() == 1
    assert "Damaged" in row.inner_text()
    assert fits(page), "the problem list widens the page"
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-problems-{name}.png"), full_page=True)

    row.locator("a").first.click()
    page.wait_for_url(f"{seeded.url}/dashboard/shipments/*")
    assert (
        "Check your parcel when it arrives" in page.locator("#shopper-title + .card").inner_text()
    )
    shopper = page.frame_locator("iframe.shopper-page")
    shopper.locator("h1").first.wait_for()
    assert "6T" in shopper.locator("body").inner_text()

    page.fill("#note-text", "Called the carrier: <b>inspection</b> tomorrow")
    page.click("form[action$='/notes'] button")
    assert page.locator(".flash").inner_text() == "Note added."
    assert "Called the carrier: <b>inspection</b> tomorrow" in page.locator(".notes").inner_text()

    page.fill("#handled-text", "Refund offered")
    page.click("form[action$='/handled'] button")
    assert "Marked handled" in page.locator(".flash").inner_text()
    assert fits(page), "the shipment view widens the page"
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-shipment-{name}.png"), full_page=True)

    page.goto(f"{seeded.url}/dashboard/problems?lang=en")
    assert page.locator("table.problems tr", has_text=order).count() == 0
    assert page.csp_errors == []  # type: ignore[attr-defined]


def contact_count(site: Site) -> int:
    found: list[int] = []

    async def count(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            found.append(int(await conn.scalar(sa.select(sa.func.count()).select_from(contacts))))

    site.run(count)
    return found[0]


def test_the_framed_shopper_page_refreshes_but_sends_no_form(agent: Page, seeded: Site) -> None:
    """The frame is sandboxed without forms: an agent's click there is never stored as the
    shopper's, while the page's own refresh (htmx, no form) still answers."""
    page, name = agent, agent.viewport_name  # type: ignore[attr-defined]
    page.goto(f"{seeded.url}/dashboard/problems?lang=en&q=TRI-{name}")
    page.locator("table.problems tr", has_text=f"TRI-{name}").locator("a").first.click()
    page.wait_for_url(f"{seeded.url}/dashboard/shipments/*")
    shopper = page.frame_locator("iframe.shopper-page")
    shopper.locator("h1").first.wait_for()
    before = contact_count(seeded)
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/refresh")) as refreshed:
        shopper.locator("button.refresh").click()
    assert refreshed.value.ok
    shopper.locator(".contact-reasons input").first.check()
    shopper.locator(".contact-form button[value=email]").click()
    page.wait_for_timeout(500)
    assert contact_count(seeded) == before
    assert page.csp_errors == []  # type: ignore[attr-defined]
