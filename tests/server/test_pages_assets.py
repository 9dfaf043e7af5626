"""How pages and files travel: compressed, cached for a year under hashed names, and a favicon."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.services import Services
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

THEMES = Path(__file__).resolve().parents[2] / "themes"
YEAR = "public, max-age=31536000, immutable"
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


async def signed_page(engine: AsyncEngine, services: Services) -> str:
    merchant_id, _ = await create_merchant(engine)
    return services.tokens.sign(await create_shipment(engine, merchant_id))


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


async def test_pages_and_files_leave_compressed(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = await signed_page(engine, services)
    page = await pages.get(f"/t/{token}", headers=GZIP)
    assert page.headers["content-encoding"] == "gzip"
    assert int(page.headers["content-length"]) < len(page.content) / 2
    assert "Accept-Encoding" in page.headers["vary"]
    assert "Accept-Language" in page.headers["vary"]
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    for url in asset_urls(page.text):
        if url.endswith((".css", ".js")):
            response = await pages.get(url, headers=GZIP)
            assert response.headers["content-encoding"] == "gzip", url
    plain = await pages.get(f"/t/{token}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == page.text
    small = await pages.get("/m/nobody/theme.css", headers=GZIP)
    assert small.status_code == 404
    assert "content-encoding" not in small.headers  # too small to gain anything


async def test_the_htmx_fragment_survives_compression(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = await signed_page(engine, services)
    headers = {**GZIP, "HX-Request": "true"}
    fragment = await pages.get(f"/t/{token}/status?lang=en", headers=headers)
    assert fragment.status_code == 200
    assert fragment.headers["content-encoding"] == "gzip"
    assert fragment.template.name == "_status.html"  # type: ignore[attr-defined]
    assert fragment.text.lstrip().startswith("<section")
    assert "<html" not in fragment.text
    # kept by the browser alone, and asked again each time: the page cache answers 304
    assert fragment.headers["cache-control"] == "private, no-cache"
    assert fragment.headers["etag"].startswith('W/"')  # these bytes are gzip's, not the page's


async def test_pages_name_their_files_by_content_and_those_cache_for_a_year(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = await signed_page(engine, services)
    page = await pages.get(f"/t/{token}")
    embed = await pages.get(f"/embed/{token}")
    urls = set(asset_urls(page.text) + asset_urls(embed.text))
    names = {re.sub(r"\.[0-9a-f]{12}\.", ".", url.rsplit("/", 1)[1]) for url in urls}
    assert {"suivi.css", "htmx.min.js", "embed.js", "favicon.svg"} <= names
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url), url
        response = await pages.get(url, headers=GZIP)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == YEAR
        again = await pages.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
        assert again.headers["cache-control"] == YEAR


async def test_plain_names_still_answer_with_a_short_cache(pages: httpx.AsyncClient) -> None:
    for url in ("/static/default/suivi.css", "/widget.js"):
        response = await pages.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=3600"
    assert (await pages.get("/static/default/suivi.0123456789ab.css")).status_code == 404


async def test_a_changed_file_gets_a_new_address(
    settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    themes = tmp_path / "themes"
    shutil.copytree(THEMES, themes)

    async def stylesheet_url() -> str:
        app = create_app(
            dataclasses.replace(settings, themes_dir=themes),
            engine=engine,
            clock=lambda: NOW,
            migrate=False,
        )
        async with page_client(app) as client:
            html = (await client.get("/nobody/track")).text
        return next(u for u in asset_urls(html) if "/suivi." in u)

    before = await stylesheet_url()
    with (themes / "default" / "static" / "suivi.css").open("a") as css:
        css.write("\n.new-rule { color: red; }\n")
    after = await stylesheet_url()
    assert before != after
    assert before.startswith("/static/default/suivi.")


async def test_the_favicon_is_served_and_cached(pages: httpx.AsyncClient) -> None:
    response = await pages.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg")
    assert response.headers["cache-control"].startswith("public, max-age=")
    again = await pages.get("/favicon.ico", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


async def test_a_merchant_colour_sheet_caches_for_a_year_only_at_its_version(
    pages: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await create_merchant(engine)
    page = await pages.get("/maison-lumiere/track")
    sheet = re.search(r'href="(/m/maison-lumiere/theme\.css\?v=[0-9a-f]{12})"', page.text)
    assert sheet
    assert (await pages.get(sheet.group(1))).headers["cache-control"] == YEAR
    stale = await pages.get("/m/maison-lumiere/theme.css?v=000000000000")
    assert stale.headers["cache-control"] == "public, max-age=3600"
