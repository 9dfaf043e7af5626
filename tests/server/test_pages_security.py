"""Security headers, the embeddable widget's framing rules, and the static and colour assets."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.services import Services
from tests.server.factories import create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


async def signed_page(engine: AsyncEngine, services: Services, **merchant: object) -> str:
    merchant_id, _ = await create_merchant(engine, **merchant)  # type: ignore[arg-type]
    return services.tokens.sign(await create_shipment(engine, merchant_id))


async def test_pages_send_a_strict_policy(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    response = await pages.get(f"/t/{await signed_page(engine, services)}")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-cache"  # never a shared cache
    assert "strict-transport-security" not in response.headers


async def test_pages_need_no_inline_script_or_style(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    token = await signed_page(engine, services)
    for path in (f"/t/{token}", f"/embed/{token}", "/maison-lumiere/track"):
        html = (await pages.get(path)).text
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
        assert " style=" not in html
        assert "<style" not in html


async def test_hsts_is_sent_over_https(app: Starlette, engine: AsyncEngine) -> None:
    await create_merchant(engine)
    async with page_client(app, base_url="https://testserver") as client:
        response = await client.get("/maison-lumiere/track")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_the_widget_frame_is_allowed_only_for_the_merchants_origins(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    response = await pages.get(f"/embed/{await signed_page(engine, services)}")
    assert response.template.name == "embed.html"  # type: ignore[attr-defined]
    csp = response.headers["content-security-policy"]
    assert csp.endswith("frame-ancestors http://127.0.0.1:9999")
    assert "x-frame-options" not in response.headers
    assert re.search(r"/static/default/embed\.[0-9a-f]{12}\.js", response.text)


async def test_a_merchant_without_origins_cannot_be_framed(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    bad = ["*", "http://a.example; script-src *", "javascript:alert(1)"]
    token = await signed_page(engine, services, settings={"allowed_origins": bad})
    response = await pages.get(f"/embed/{token}")
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'none'")


async def test_the_widget_script_builds_a_resizing_iframe(pages: httpx.AsyncClient) -> None:
    response = await pages.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "data-suivi-token" in response.text
    assert "suivi:resize" in response.text
    assert "event.origin !== origin" in response.text


async def test_static_files_come_from_memory_with_etags(pages: httpx.AsyncClient) -> None:
    htmx = await pages.get("/static/default/htmx.min.js")
    assert htmx.status_code == 200
    assert 'version:"2.0.11"' in htmx.text
    again = await pages.get(
        "/static/default/htmx.min.js", headers={"If-None-Match": htmx.headers["etag"]}
    )
    assert again.status_code == 304
    assert (await pages.get("/static/minimal/suivi.css")).status_code == 200  # falls back
    assert (await pages.get("/static/default/../../pyproject.toml")).status_code == 404


async def test_merchant_colours_are_served_as_css_variables(
    pages: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    colours = {"primary": "#123456", "accent": "red; } body { display: none"}
    await create_merchant(engine, settings={"colours": colours, "font": "x; } *{color:red"})
    response = await pages.get("/m/maison-lumiere/theme.css?v=1")
    assert response.headers["content-type"].startswith("text/css")
    assert "--primary: #123456;" in response.text
    assert "--accent: #f59e0b;" in response.text  # the theme's, the hostile value is dropped
    assert "display: none" not in response.text
    assert "{color" not in response.text
    assert (await pages.get("/m/nobody/theme.css")).status_code == 404


async def test_a_colour_or_font_with_a_trailing_newline_is_dropped(
    pages: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    colours = {"primary": "#123456\n} body { display: none", "accent": "#abcdef\n"}
    await create_merchant(engine, settings={"colours": colours, "font": "Georgia\n"})
    response = await pages.get("/m/maison-lumiere/theme.css?v=1")
    assert "--accent: #f59e0b;" in response.text  # the theme's
    assert "#abcdef" not in response.text
    assert "display: none" not in response.text
    assert "Georgia" not in response.text
