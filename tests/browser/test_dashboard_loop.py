"""The feedback loop in Chromium, on a phone and a laptop: the chart draws with the delay
message's marker, the before/after table reads the halving, nothing widens the page and the
CSP holds. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.browser.conftest import PHONE, Site
from tests.server.dashboard_support import PASSWORD, create_user, merchant_id_for
from tests.server.test_dashboard_loop import _halving_history

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
EMAIL = "loop-admin@boucle.example"


@pytest.fixture(scope="module")
def seeded(site: Site) -> Site:
    """A shop of its own (the other browser tests count the first one's rows), eight weeks of
    history where the delay message halves its contacts, and an admin."""

    async def seed(engine: AsyncEngine) -> None:
        merchant_id = await merchant_id_for(engine, "boucle")
        await _halving_history(engine, merchant_id)
        await create_user(engine, merchant_id, EMAIL, role="admin")

    site.run(seed)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return site


@pytest.fixture(params=list(VIEWPORTS))
def signed_in(request: pytest.FixtureRequest, browser: Browser, seeded: Site) -> Iterator[Page]:
    phone = request.param == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[request.param], is_mobile=phone, device_scale_factor=2 if phone else 1
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.csp_errors = errors  # type: ignore[attr-defined]
    page.viewport_name = request.param  # type: ignore[attr-defined]
    page.goto(f"{seeded.url}/dashboard/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{seeded.url}/dashboard/**")
    yield page
    context.close()


def test_the_loop_chart_shows_the_message_switched_on_and_the_halving(
    signed_in: Page, seeded: Site
) -> None:
    page = signed_in
    page.goto(f"{seeded.url}/dashboard/loop?lang=en")

    chart = page.locator("figure.chart").first
    assert chart.locator("svg[role=img]").is_visible()
    marker = chart.locator("g.chart-marker")
    assert marker.count() == 1
    assert marker.locator("text").text_content() == "Delivery delayed: message on"
    box = chart.locator("svg").bounding_box()
    assert box is not None
    assert box["width"] <= page.viewport_size["width"]  # type: ignore[index]
    assert box["height"] > 150

    delayed = page.locator("#table-effect tbody tr").first.locator("td")
    cells = [delayed.nth(i).inner_text() for i in range(8)]
    assert cells == [
        "Delivery delayed: contacts per 100 shipments in it",
        "32", "40", "80", "16", "40", "40", "-50%",
    ]  # fmt: skip
    ranking = page.locator("#table-ranking tbody tr").first.locator("td")
    assert ranking.first.inner_text() == "Delivery delayed"

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.csp_errors == []  # type: ignore[attr-defined]
    name = page.viewport_name  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-loop-{name}.png"), full_page=True)
