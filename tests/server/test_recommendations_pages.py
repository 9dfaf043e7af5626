"""Recommendations on the page and the widget, hidden where selling is out of place, and clicks."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.recommendations.feed import read_feed
from suivi_server.recommendations.store import import_feed
from suivi_server.services import Services
from suivi_server.storage.schema import recommendation_clicks, shipment_situations
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio
HOSTILE = '<img src=x onerror="alert(1)">'


def product(sku: str, category: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": sku,
        "title": f"Produit {sku}",
        "url": f"https://shop.example/p/{sku}",
        "image": f"https://shop.example/img/{sku}.jpg",
        "price": "24.50",
        "currency": "EUR",
        "categories": [category],
        **fields,
    }


FEED = [
    product("LAMP-1", "Lighting > Lamps > Desk"),  # the one ordered (factories)
    *(product(f"L{n}", "Lighting > Lamps > Desk") for n in range(6)),
    *(product(f"D{n}", "Decor > Vases") for n in range(3)),
    product("EVIL", "Textile > Cushions", title=HOSTILE),
]


async def load(engine: AsyncEngine, merchant_id: int, records: list[dict[str, Any]]) -> None:
    text = "\n".join(json.dumps(r) for r in records)
    async with engine.begin() as conn:
        await import_feed(conn, merchant_id, list(read_feed(text, "jsonl")), NOW)


@pytest.fixture
async def delivered(engine: AsyncEngine, services: Services) -> tuple[int, int, str]:
    merchant_id, _ = await create_merchant(engine)
    await load(engine, merchant_id, FEED)
    shipment_id = await create_shipment(
        engine, merchant_id, status="delivered", substatus="to_recipient"
    )
    return merchant_id, shipment_id, services.tokens.sign(shipment_id)


async def test_a_delivered_page_shows_four_products_of_the_ordered_category_first(
    app: Starlette, delivered: tuple[int, int, str]
) -> None:
    _, _, token = delivered
    async with page_client(app) as client:
        response = await client.get(f"/t/{token}?lang=en")
    assert response.status_code == 200
    cards = response.context["extras"]["recommendations"]  # type: ignore[attr-defined]
    assert [c.title for c in cards] == ["Produit L0", "Produit L1", "Produit D0", "Produit D1"]
    assert "Produit LAMP-1" not in response.text  # what was bought
    assert "You may also like" in response.text
    assert "€24.50" in response.text  # the page's language formats the price


async def test_the_section_stays_light_lazy_sized_pictures_at_most_n(
    app: Starlette, delivered: tuple[int, int, str]
) -> None:
    _, _, token = delivered
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        html = (await c.get(f"/t/{token}?lang=en")).text
    section = re.search(r'<section class="card recommendations".*?</section>', html, re.S)
    assert section is not None
    images = re.findall(r"<img [^>]*>", section.group(0))
    assert 0 < len(images) <= 4
    for image in images:
        assert 'loading="lazy"' in image
        assert 'decoding="async"' in image
        assert re.search(r'width="\d+"', image)
        assert re.search(r'height="\d+"', image)
    links = re.findall(r'href="([^"]+)"', section.group(0))
    assert all(link.startswith(f"/r/{token}/") and "p=page" in link for link in links)


async def test_a_hostile_product_title_is_shown_as_text(
    app: Starlette, engine: AsyncEngine, delivered: tuple[int, int, str]
) -> None:
    merchant_id, _, _ = delivered
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        tracking_number="6A99999999999",
        status="delivered",
        items=[{"product_id": "EVIL-BUYER", "name": "x", "category": "Textile > Cushions"}],
    )
    async with page_client(app) as client:
        token = app.state.services.tokens.sign(shipment_id)
        html = (await client.get(f"/t/{token}?lang=en")).text
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


@pytest.mark.parametrize(
    ("status", "substatus", "situation"),
    [
        ("exception", "refused", None),
        ("returning", "refused", None),
        ("returned", None, None),
        ("attempt_failed", "recipient_absent", None),
        ("in_transit", "delayed", None),
        ("in_transit", None, "delivery_delayed"),
        ("delivered", "to_recipient", "damaged"),
        ("in_transit", None, "address_problem"),
    ],
)
async def test_nothing_is_sold_on_a_problem_page(
    app: Starlette,
    engine: AsyncEngine,
    delivered: tuple[int, int, str],
    status: str,
    substatus: str | None,
    situation: str | None,
) -> None:
    merchant_id, _, _ = delivered
    shipment_id = await create_shipment(
        engine, merchant_id, tracking_number="6A11111111111", status=status, substatus=substatus
    )
    if situation:
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(shipment_situations).values(
                    shipment_id=shipment_id, kind=situation, fingerprint="f", detected_at=NOW
                )
            )
    async with page_client(app) as client:
        token = app.state.services.tokens.sign(shipment_id)
        response = await client.get(f"/t/{token}?lang=en")
    assert response.status_code == 200
    assert "recommendations" not in response.context["extras"]  # type: ignore[attr-defined]
    assert "You may also like" not in response.text


async def test_the_widget_shows_them_only_when_the_merchant_asks(
    app: Starlette, engine: AsyncEngine, delivered: tuple[int, int, str]
) -> None:
    merchant_id, _, token = delivered
    async with page_client(app) as client:
        assert "You may also like" not in (await client.get(f"/embed/{token}?lang=en")).text
        async with engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE merchants SET settings = :s WHERE id = :id"),
                {
                    "s": json.dumps({"recommendations": {"in_widget": True, "count": 2}}),
                    "id": merchant_id,
                },
            )
        html = (await client.get(f"/embed/{token}?lang=en")).text
    assert "You may also like" in html
    assert html.count('class="product"') == 2
    assert "p=widget" in html
    assert 'target="_blank"' in html


async def test_a_click_is_recorded_then_redirects_to_the_stored_product_url(
    app: Starlette, engine: AsyncEngine, delivered: tuple[int, int, str]
) -> None:
    merchant_id, shipment_id, token = delivered
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shipment_situations).values(
                shipment_id=shipment_id, kind="delivered", fingerprint="d", detected_at=NOW
            )
        )
    async with page_client(app) as client:
        cards = (await client.get(f"/t/{token}?lang=en")).context["extras"]["recommendations"]  # type: ignore[attr-defined]
        second = cards[1]
        response = await client.get(second.href + "&next=https://evil.example")
    assert response.status_code == 303
    assert response.headers["location"] == "https://shop.example/p/L1"
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(recommendation_clicks))).mappings().all()
    assert [(r["merchant_id"], r["shipment_id"], r["sku"]) for r in rows] == [
        (merchant_id, shipment_id, "L1")
    ]
    assert (rows[0]["placement"], rows[0]["position"], rows[0]["situation"]) == (
        "page",
        2,
        "delivered",
    )


async def test_a_click_on_another_merchants_product_or_a_forged_token_is_not_found(
    app: Starlette, engine: AsyncEngine, delivered: tuple[int, int, str]
) -> None:
    _, _, token = delivered
    other_id, _ = await create_merchant(engine, slug="autre-boutique")
    await load(engine, other_id, [product("THEIRS", "Decor")])
    async with engine.connect() as conn:
        theirs = await conn.scalar(sa.text("SELECT id FROM products WHERE sku = 'THEIRS'"))
    async with page_client(app) as client:
        assert (await client.get(f"/r/{token}/{theirs}?p=page&i=1")).status_code == 404
        assert (await client.get(f"/r/{token}x/1?p=page&i=1")).status_code == 404
        assert (await client.get(f"/r/{token}/99999999999999999999")).status_code == 404
    async with engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(recommendation_clicks)) == 0


async def test_an_altered_placement_or_rank_is_recorded_as_unknown(
    app: Starlette, engine: AsyncEngine, delivered: tuple[int, int, str]
) -> None:
    _, _, token = delivered
    async with engine.connect() as conn:
        lamp = await conn.scalar(sa.text("SELECT id FROM products WHERE sku = 'L0'"))
    async with page_client(app) as client:
        response = await client.get(f"/r/{token}/{lamp}?p=<script>&i=²")
    assert response.status_code == 303
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(recommendation_clicks))).mappings().one()
    assert (row["placement"], row["position"]) == ("page", 0)
