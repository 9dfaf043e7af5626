"""The carrier and satisfaction reports in Chromium: signed in as an agent, on a phone and a
laptop, in French and English; the charts draw, nothing widens the page, the CSP holds, and a
shopper's hostile answer stays text. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import merchants
from tests.browser.conftest import PHONE, Site
from tests.server.dashboard_support import PASSWORD, create_user
from tests.server.test_dashboard_carriers import known_dataset
from tests.server.test_dashboard_satisfaction import HOSTILE, known_answers

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
EMAIL = "reports-agent@maison-lumiere.example"
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
PAGES = {"carriers": "Carrier performance", "satisfaction": "Satisfaction"}


@pytest.fixture(scope="module")
def seeded(site: Site) -> Site:
    """The reports' known datasets and an agent, for the browser site's first merchant."""

    async def seed(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            query = sa.select(merchants.c.id).where(merchants.c.slug == "maison-lumiere")
            merchant_id = int((await conn.execute(query)).scalar_one())
        await known_dataset(engine, merchant_id)
        await known_answers(engine, merchant_id)
        await create_user(engine, merchant_id, EMAIL, role="agent")

    site.run(seed)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return site


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def signed_in(request: pytest.FixtureRequest, browser: Browser, seeded: Site) -> Iterator[Page]:
    """A page of the given viewport, signed in through the login form, recording CSP errors."""
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


def page_width_fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("report", list(PAGES))
def test_the_report_reads_on_every_screen(
    signed_in: Page, seeded: Site, report: str, lang: str
) -> None:
    page = signed_in
    page.goto(f"{seeded.url}/dashboard/{report}?lang={lang}")

    assert page.locator("html").get_attribute("lang") == lang
    if lang == "en":
        assert page.locator("h1").inner_text() == PAGES[report]
    assert page.locator("figure.chart svg").count() >= 1
    assert page.locator("figure.chart svg").first.bounding_box()["width"] > 200  # type: ignore[index]
    assert page_width_fits(page), "the page scrolls sideways: a table or chart is too wide"
    assert page.locator("a.export").count() >= 2
    assert page.csp_errors == []  # type: ignore[attr-defined]
    name = f"dashboard-{report}-{page.viewport_name}-{lang}"  # type: ignore[attr-defined]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_hostile_answer_is_shown_as_text_and_found_by_search(
    signed_in: Page, seeded: Site
) -> None:
    page = signed_in
    page.goto(f"{seeded.url}/dashboard/satisfaction?lang=en")
    page.fill("#text-search", "trop lent")
    page.click("form[role=search] button")

    assert page.locator(".texts blockquote").all_inner_texts() == [HOSTILE]
    assert page.locator(".texts script").count() == 0
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_a_bad_date_is_said_on_the_page(signed_in: Page, seeded: Site) -> None:
    page = signed_in
    page.goto(f"{seeded.url}/dashboard/carriers?lang=en&from=2026-02-31")

    assert "Dates are written YYYY-MM-DD" in page.locator("[role=alert]").inner_text()
    assert page.locator("h1").inner_text() == "Carrier performance"
