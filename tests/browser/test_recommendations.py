"""A delivered parcel's page on a phone: recommendations shown, one followed, the click counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from playwright.sync_api import Route as Intercepted
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from suivi_server.recommendations.feed import read_feed
from suivi_server.recommendations.store import import_feed
from suivi_server.security import PageTokens
from suivi_server.storage.schema import merchants, recommendation_clicks
from tests.browser.conftest import NOW, SECRETS, Site, free_port, serve
from tests.server.factories import create_shipment

SHOP = "https://shop.example"  # pictures, intercepted (the page's policy wants https)
STORE_PORT = free_port()
STORE = f"http://127.0.0.1:{STORE_PORT}"  # product pages: a redirect's target is not intercepted
PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160">'
    '<rect width="160" height="160" fill="#c2410c"/></svg>'
)
FEED = [
    {
        "id": f"R{n}",
        "title": title,
        "url": f"{STORE}/p/R{n}",
        "image": f"{SHOP}/img/R{n}.svg",
        "price": price,
        "currency": "EUR",
        "categories": [category],
    }
    for n, (title, price, category) in enumerate(
        [
            ("Lampe Champignon", "99.00", "Luminaires > Lampes"),
            ("Lampe Bureau Laiton", "149.00", "Luminaires > Lampes"),
            ("Vase Grès", "48.00", "Décoration > Vases"),
            ("Coussin Lin", "35.00", "Textile > Coussins"),
            ("Plaid Laine", "89.00", "Textile > Plaids"),
        ]
    )
]


def fake_pictures(route: Intercepted) -> None:
    route.fulfill(status=200, content_type="image/svg+xml", body=PICTURE)


async def product_page(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Produit</title><h1>Fiche produit</h1>")


@pytest.fixture(scope="module")
def store() -> Iterator[None]:
    server = serve(Starlette(routes=[Route("/p/{sku}", product_page)]), STORE_PORT)
    yield
    server.should_exit = True


def delivered_page(site: Site) -> str:
    shipment: dict[str, int] = {}

    async def seed(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            merchant_id = await conn.scalar(
                sa.select(merchants.c.id).where(merchants.c.slug == "maison-lumiere")
            )
        text = "\n".join(json.dumps(p) for p in FEED)
        async with engine.begin() as conn:
            await import_feed(conn, merchant_id, list(read_feed(text, "jsonl")), NOW)
        shipment["id"] = await create_shipment(
            engine,
            merchant_id,
            order_number="CMD-2002",
            tracking_number="6A22222222222",
            status="delivered",
            substatus="to_recipient",
            items=[{"product_id": "LAMP-9", "name": "Lampe", "category": "Luminaires > Lampes"}],
        )

    site.run(seed)
    return f"{site.url}/t/{PageTokens(SECRETS).sign(shipment['id'])}?lang=en"


def test_a_shopper_follows_a_recommendation_and_the_click_is_counted(
    site: Site, phone: Page, artifacts: Path, store: None
) -> None:
    phone.route(f"{SHOP}/**", fake_pictures)
    phone.goto(delivered_page(site))
    section = phone.locator("#recommendations")
    section.scroll_into_view_if_needed()
    cards = section.locator(".product")
    assert cards.count() == 4
    assert cards.first.locator(".product-title").inner_text() == "Lampe Champignon"
    assert "€99.00" in cards.first.inner_text()
    pictures = section.locator("img")
    for index in range(pictures.count()):
        assert pictures.nth(index).get_attribute("loading") == "lazy"
    phone.wait_for_function(
        "() => [...document.querySelectorAll('#recommendations img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    section.screenshot(path=str(artifacts / "recommendations-phone.png"))

    violations = Axe().run(phone, context="#recommendations").response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert serious == []
    assert phone.csp_errors == []  # type: ignore[attr-defined]

    with phone.expect_navigation():
        cards.nth(1).locator("a").click()
    assert phone.url == f"{STORE}/p/R1"
    assert phone.locator("h1").inner_text() == "Fiche produit"
    phone.screenshot(path=str(artifacts / "recommendation-followed-phone.png"))

    clicks: list[tuple[str, str, int]] = []

    async def read(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(
                    recommendation_clicks.c.sku,
                    recommendation_clicks.c.placement,
                    recommendation_clicks.c.position,
                )
            )
            clicks.extend((r.sku, r.placement, r.position) for r in rows)

    site.run(read)
    assert clicks == [("R1", "page", 2)]
