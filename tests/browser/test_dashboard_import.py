"""A helpdesk export imported in Chromium, on a phone (375 px) and a laptop: an agent chooses the
file, reads the preview htmx brings (helpdesk, columns, reasons, shipment found), imports, reads
the summary, then finds the contacts in the list. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.browser.conftest import NOW, Site
from tests.server.dashboard_support import PASSWORD, create_user, merchant_id_for
from tests.server.factories import create_shipment

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 375, "height": 812},
    "laptop": {"width": 1280, "height": 900},
}
EMAIL = "import-agent@maison-lumiere.example"


def export(name: str) -> str:
    """A Zendesk export: one ticket naming the viewport's order, one damaged parcel by its
    tracking number, one about nothing of the shop's."""
    at = [(NOW - timedelta(hours=h)).strftime("%Y-%m-%d %H:%M") for h in (30, 20, 10)]
    return (
        "Id,Requester email,Subject,Description,Via,Created at,Order number [txt]\n"
        f'{name}-1,camille@example.com,Où est mon colis ?,"Pas de nouvelles depuis lundi",'
        f"Mail,{at[0]},IMP-{name}\n"
        f'{name}-2,tom@example.com,Broken vase,"Arrived broken, parcel 6I{len(name):011d}",'
        f"Chat,{at[1]},\n"
        f'{name}-3,ines@example.com,Facture,"Pouvez-vous m\'envoyer la facture ?",'
        f"Web Form,{at[2]},\n"
    )


@pytest.fixture(scope="module")
def seeded(site: Site) -> Site:
    async def seed(engine: AsyncEngine) -> None:
        merchant_id = await merchant_id_for(engine, "maison-lumiere")
        for name in VIEWPORTS:
            await create_shipment(
                engine,
                merchant_id,
                order_number=f"IMP-{name}",
                tracking_number=f"6I{len(name):011d}",
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


def test_an_agent_imports_a_helpdesk_export(agent: Page, seeded: Site, tmp_path: Path) -> None:
    page, name = agent, agent.viewport_name  # type: ignore[attr-defined]
    source = tmp_path / "zendesk-tickets.csv"
    source.write_text(export(name), encoding="utf-8")
    page.goto(f"{seeded.url}/dashboard/contacts?lang=en")
    page.click("a.button-link")
    page.wait_for_url(f"{seeded.url}/dashboard/contacts/import*")

    page.set_input_files("#import-file", str(source))  # htmx posts it for a preview
    preview = page.locator("#preview .preview")
    preview.wait_for()
    text = preview.inner_text()
    assert "Preview · Zendesk" in text
    assert "Order number [txt]" in text
    assert f"IMP-{name}" in text
    assert "by order number" in text
    assert "My parcel is damaged" in text
    assert fits(page), "the preview widens the page"
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-import-preview-{name}.png"), full_page=True)

    page.click("button[name=step][value=import]")
    result = page.locator(".result")
    result.wait_for()
    figures = result.inner_text()
    assert "3 new contacts" in figures
    assert "2 matched to a shipment" in figures
    assert "1 without a shipment" in figures
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-import-result-{name}.png"), full_page=True)

    page.click("text=See the imported contacts")
    rows = page.locator("table.contacts tbody tr")
    listed = rows.all_inner_texts()
    assert any(f"IMP-{name}" in row and "Where is my order?" in row for row in listed)
    assert fits(page), "the contact list widens the page"
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-contacts-{name}.png"), full_page=True)
    assert page.csp_errors == []  # type: ignore[attr-defined]
