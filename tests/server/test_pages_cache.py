"""Signed-link pages served from the page cache: 304 while nothing moved, a new ETag as soon as
anything they show does, the same bytes as a fresh render, never one link's page for another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.pages.cache import PageCache
from suivi_server.services import Services
from suivi_server.storage.schema import merchants, products, shipment_situations
from tests.server.conftest import NOW
from tests.server.engagement_support import add_situation
from tests.server.factories import add_event, create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

PAGES = ("/t/{token}", "/t/{token}/status", "/embed/{token}")


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        client.headers["Accept-Encoding"] = "identity"  # the page's own bytes, its strong ETag
        yield client


async def parcel(engine: AsyncEngine) -> tuple[int, int]:
    merchant_id, _ = await create_merchant(engine)
    return merchant_id, await create_shipment(engine, merchant_id)


async def etag(pages: httpx.AsyncClient, path: str) -> str:
    response = await pages.get(path)
    assert response.status_code == 200
    return response.headers["etag"]


@pytest.mark.parametrize("route", PAGES)
async def test_an_unchanged_page_answers_304_with_the_same_etag(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services, route: str
) -> None:
    _, shipment_id = await parcel(engine)
    path = route.format(token=services.tokens.sign(shipment_id))
    first = await pages.get(path)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"')  # strong: these very bytes
    again = await pages.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert again.headers["cache-control"] == "private, no-cache"
    gzipped = await pages.get(path, headers={"If-None-Match": f"W/{tag}"})
    assert gzipped.status_code == 304  # the weak form gzip gave back matches too
    other = await pages.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.content == first.content


async def test_a_new_event_a_situation_or_its_end_changes_the_etag(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    _, shipment_id = await parcel(engine)
    path = f"/t/{services.tokens.sign(shipment_id)}/status"
    quiet = await pages.get(path)
    await add_event(engine, shipment_id, NOW - timedelta(hours=2), "in_transit", "PCHTRI", "Tri")
    moved = await pages.get(path, headers={"If-None-Match": quiet.headers["etag"]})
    assert moved.status_code == 200
    await add_situation(engine, shipment_id, "delivery_delayed", reason="weather")
    delayed = await pages.get(path, headers={"If-None-Match": moved.headers["etag"]})
    assert delayed.status_code == 200
    async with engine.begin() as conn:
        await conn.execute(sa.update(shipment_situations).values(resolved_at=NOW))
    resolved = await pages.get(path, headers={"If-None-Match": delayed.headers["etag"]})
    assert resolved.status_code == 200
    assert resolved.content == moved.content  # the banner is gone, the journey is as it was
    assert len({r.headers["etag"] for r in (quiet, moved, delayed)}) == 3


async def test_a_theme_or_branding_change_changes_the_etag(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    _, shipment_id = await parcel(engine)
    path = f"/t/{services.tokens.sign(shipment_id)}"
    before = await etag(pages, path)
    settings = {"colours": {"primary": "#000000"}, "timezone": "Europe/Paris"}
    async with engine.begin() as conn:
        await conn.execute(sa.update(merchants).values(settings=settings))
    recoloured = await etag(pages, path)
    async with engine.begin() as conn:
        await conn.execute(sa.update(merchants).values(theme="minimal"))
    assert len({before, recoloured, await etag(pages, path)}) == 3


async def test_the_next_local_day_changes_the_etag_but_an_hour_later_does_not(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services, clock: list[datetime]
) -> None:
    merchant_id, _ = await create_merchant(engine)
    promised = (NOW + timedelta(days=1)).date()
    shipment_id = await create_shipment(engine, merchant_id, promised_delivery_date=promised)
    path = f"/t/{services.tokens.sign(shipment_id)}/status"
    today = await pages.get(path)
    clock[0] = NOW + timedelta(hours=1)
    assert await etag(pages, path) == today.headers["etag"]
    clock[0] = NOW + timedelta(days=2)  # the promised day is past: the words change
    later = await pages.get(path, headers={"If-None-Match": today.headers["etag"]})
    assert later.status_code == 200
    assert later.headers["etag"] != today.headers["etag"]
    assert later.text != today.text


async def test_a_new_product_changes_the_full_page_not_the_fragment(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, shipment_id = await parcel(engine)
    token = services.tokens.sign(shipment_id)
    page, fragment = await etag(pages, f"/t/{token}"), await etag(pages, f"/t/{token}/status")
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(products).values(
                merchant_id=merchant_id,
                sku="VASE-2",
                title="Vase Terrazzo",
                url="https://shop.example/vase",
                categories=["Maison"],
                created_at=NOW,
                updated_at=NOW,
            )
        )
    assert await etag(pages, f"/t/{token}") != page
    assert await etag(pages, f"/t/{token}/status") == fragment


async def test_a_cached_page_is_the_bytes_a_fresh_render_gives(
    pages: httpx.AsyncClient,
    engine: AsyncEngine,
    services: Services,
    settings: Settings,
    clock: list[datetime],
) -> None:
    _, shipment_id = await parcel(engine)
    await add_event(engine, shipment_id, NOW - timedelta(hours=2), "in_transit", "PCHTRI", "Tri")
    token = services.tokens.sign(shipment_id)
    for route in PAGES:
        path = route.format(token=token)
        rendered = await pages.get(path)
        cached = await pages.get(path)
        assert cached.template is None  # type: ignore[attr-defined]  # no render this time
        fresh_app = create_app(settings, engine=engine, clock=lambda: clock[0], migrate=False)
        async with page_client(fresh_app) as fresh_client:
            fresh_client.headers["Accept-Encoding"] = "identity"
            fresh = await fresh_client.get(path)
        assert fresh.template is not None  # type: ignore[attr-defined]
        assert cached.content == rendered.content == fresh.content
        assert cached.headers["etag"] == fresh.headers["etag"]
        assert cached.headers["content-security-policy"] == fresh.headers["content-security-policy"]


async def test_two_links_never_share_a_page(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, shipment_id = await parcel(engine)
    other = await create_shipment(
        engine, merchant_id, order_number="CMD-2002", tracking_number="6A99999999999"
    )
    plain = services.tokens.sign(shipment_id)
    expiring = services.tokens.sign(shipment_id, expires_at=NOW + timedelta(days=3))
    mine, theirs = (
        await pages.get(f"/t/{plain}"),
        await pages.get(f"/t/{services.tokens.sign(other)}"),
    )
    assert "6A99999999999" in theirs.text
    assert "6A99999999999" not in mine.text
    second_link = await pages.get(f"/t/{expiring}")
    assert expiring in second_link.text
    assert plain not in second_link.text
    assert second_link.headers["etag"] != mine.headers["etag"]


async def test_a_cached_page_still_refuses_a_link_too_old_for_its_merchant(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services, clock: list[datetime]
) -> None:
    _, shipment_id = await parcel(engine)
    path = f"/t/{services.tokens.sign(shipment_id)}"
    assert (await pages.get(path)).status_code == 200
    async with engine.begin() as conn:
        settings = {"timezone": "Europe/Paris", "link_max_age_days": 2}
        await conn.execute(sa.update(merchants).values(settings=settings))
    assert (await pages.get(path)).status_code == 200
    clock[0] = NOW + timedelta(days=3)
    refused = await pages.get(path, headers={"If-None-Match": "*"})
    assert refused.status_code == 410
    assert "etag" not in refused.headers


async def test_a_forged_link_is_refused_however_the_cache_is_filled(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    _, shipment_id = await parcel(engine)
    token = services.tokens.sign(shipment_id)
    assert (await pages.get(f"/t/{token}")).status_code == 200
    assert (await pages.get(f"/t/{token[:-2]}xx")).status_code == 404


def test_the_cache_keeps_within_its_bytes_and_forgets_the_least_recent() -> None:
    cache = PageCache(max_bytes=10_000)
    for number in range(100):
        cache.put(("page", number), bytes(1_000))
        assert cache.size <= 10_000
    assert cache.get(("page", 99)) is not None
    assert cache.get(("page", 0)) is None
    huge = cache.put(("page", "huge"), bytes(20_000))
    assert huge.etag.startswith('"')
    assert cache.get(("page", "huge")) is None  # answered, not kept
