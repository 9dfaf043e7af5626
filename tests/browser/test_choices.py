"""A refused parcel on a phone: the shopper asks for a refund, then contacts the shop (reason
first, then the links), in real Chromium; axe-core finds no serious or critical violation in
the choices and contact sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.security import PageTokens
from suivi_server.storage.schema import contacts, merchants, shipment_situations, shopper_choices
from tests.browser.conftest import NOW, SECRETS, Site
from tests.server.factories import create_shipment

pytest.importorskip("axe_playwright_python")


def refused_parcel(site: Site, number: str) -> tuple[int, str]:
    found: dict[str, int] = {}

    async def seed(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            merchant_id = (
                await conn.execute(
                    sa.select(merchants.c.id).where(merchants.c.slug == "maison-lumiere")
                )
            ).scalar_one()
        shipment_id = await create_shipment(
            engine,
            merchant_id,
            status="exception",
            substatus="refused",
            order_number="CMD-2002",
            tracking_number=number,
        )
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(shipment_situations).values(
                    shipment_id=shipment_id,
                    kind="refused",
                    fingerprint="refused-browser",
                    facts={},
                    detected_at=NOW,
                )
            )
        found["id"] = shipment_id

    site.run(seed)
    return found["id"], PageTokens(SECRETS).sign(found["id"])


def rows(site: Site, table: sa.Table, shipment_id: int) -> list[Any]:
    result: list[Any] = []

    async def read(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            query = sa.select(table).where(table.c.shipment_id == shipment_id)
            result.extend((await conn.execute(query)).all())

    site.run(read)
    return result


def serious(page: Page, selector: str) -> list[str]:
    """Serious and critical axe-core violations inside one section."""
    results = Axe().run(page, context=selector)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def test_a_refused_parcel_asks_for_a_refund_then_contacts_the_shop(
    phone: Page, site: Site, artifacts: Path
) -> None:
    shipment_id, token = refused_parcel(site, "6A20020000001")
    phone.goto(f"{site.url}/t/{token}?lang=en")
    choices = phone.locator("#choices")
    expect(choices.get_by_role("button", name="Refund me")).to_be_visible()
    phone.screenshot(path=str(artifacts / "choices-refused-before.png"), full_page=True)
    phone.reload()  # a full-page shot resizes the page under htmx: start the story afresh

    choices.get_by_role("button", name="Refund me").click()
    expect(phone.locator("#choices .choice-done")).to_have_text(
        "You asked for a refund on Wednesday 25 November; the shop will contact you."
    )
    [choice] = rows(site, shopper_choices, shipment_id)
    assert (choice.kind, choice.situation, choice.state) == ("refund", "refused", "open")

    contact = phone.locator("#contact")
    contact.scroll_into_view_if_needed()
    expect(contact.get_by_text("What is it about?")).to_be_visible()
    contact.get_by_label("A return or a refund").check()
    contact.get_by_role("button", name="Write to us").click()
    mail = phone.locator("#contact a.contact-email")
    expect(mail).to_have_attribute(
        "href",
        "mailto:service@maison-lumiere.fr?subject=Order%20CMD-2002%3A%20A%20return%20or%20a%20refund",
    )
    expect(phone.locator("#contact a.contact-phone")).to_have_attribute("href", "tel:0123456789")
    [recorded] = rows(site, contacts, shipment_id)
    assert (recorded.channel, recorded.reason, recorded.situation) == (
        "email",
        "return_or_refund",
        "refused",
    )
    phone.screenshot(path=str(artifacts / "choices-refused-after.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.csp_errors == []  # type: ignore[attr-defined]
    # axe-core last: its checks leave style attributes that an htmx swap would then copy
    assert serious(phone, "#choices") == []
    assert serious(phone, "#contact") == []
    phone.goto(f"{site.url}/t/{token}?lang=en")  # the reason form and the remaining choices
    assert serious(phone, "#choices") == []
    assert serious(phone, "#contact") == []


def test_the_choice_works_without_javascript(site: Site, artifacts: Path, phone: Page) -> None:
    shipment_id, token = refused_parcel(site, "6A20020000002")
    context = phone.context.browser.new_context(  # type: ignore[union-attr]
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(f"{site.url}/t/{token}?lang=en")
        page.locator("#choices").get_by_role("button", name="Give me a store credit").click()
        expect(page.locator("#choices .choice-done")).to_contain_text("store credit")
        assert page.url.endswith("#choices")
        page.screenshot(path=str(artifacts / "choices-no-javascript.png"), full_page=True)
    finally:
        context.close()
    assert [c.kind for c in rows(site, shopper_choices, shipment_id)] == ["store_credit"]
