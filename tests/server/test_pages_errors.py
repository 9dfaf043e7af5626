"""The error page: the shop's own look whenever the shop is known, and help that is never empty."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.services import Services
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

LOGO = "https://cdn.maison-lumiere.fr/logo.svg"
BRANDED = {"logo": LOGO, "colours": {"primary": "#7a1f5c"}}
NO_CONTACT = {"contact": {"phone": "", "email": ""}}


@pytest.fixture
async def pages(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with page_client(app) as client:
        yield client


def help_section(html: str) -> str:
    """The "Need help?" section, tags stripped: what a shopper reads there."""
    found = re.search(r'<section class="contact"[^>]*>(.*?)</section>', html, re.S)
    assert found, "the page has no help section"
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def assert_branded(response: httpx.Response) -> None:
    assert response.context["brand"].slug == "maison-lumiere"  # type: ignore[attr-defined]
    assert f'<img class="logo" src="{LOGO}" alt="Maison Lumière"' in response.text
    assert re.search(r'href="/m/maison-lumiere/theme\.css\?v=[0-9a-f]{12}"', response.text)
    assert 'href="tel:+33123456789"' in response.text
    assert 'href="/maison-lumiere/track?lang=en"' in response.text


async def test_wherever_the_shop_is_known_the_error_page_shows_it(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine, settings=BRANDED)
    shipment_id = await create_shipment(engine, merchant_id)
    expired = services.tokens.sign(shipment_id, expires_at=NOW - timedelta(days=1))
    for path, status in (
        ("/maison-lumiere/t/not-a-token", 404),
        ("/maison-lumiere/commande/CMD-1001", 404),
        (f"/t/{expired}", 410),
    ):
        response = await pages.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        assert response.template.name == "error.html"  # type: ignore[attr-defined]
        assert_branded(response)
        assert "Call us" in help_section(response.text)
    api = await pages.get("/api/v1/nothing-here")  # the merchant API keeps its JSON errors
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"
    token = services.tokens.sign(shipment_id)
    assert (await pages.get(f"/t/{token}/refresh")).status_code == 405


async def test_without_a_shop_the_help_says_where_to_find_it(
    pages: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    for path in ("/t/not-a-token?lang=en", "/nobody/track?lang=en", "/nowhere?lang=en"):
        response = await pages.get(path)
        assert response.status_code == 404
        assert response.template.name == "error.html"  # type: ignore[attr-defined]
        assert help_section(response.text) == (
            "Need help? Contact the shop you ordered from: "
            "their details are in your order confirmation email."
        )
    french = await pages.get("/t/not-a-token?lang=fr")
    assert help_section(french.text) == (
        "Besoin d’aide\u202f? Contactez la boutique où vous avez commandé\u202f: "
        "ses coordonnées figurent dans l’e-mail de confirmation de votre commande."
    )


async def test_a_shop_without_contact_details_is_named_in_the_help(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine, settings=NO_CONTACT)
    shipment_id = await create_shipment(engine, merchant_id)
    token = services.tokens.sign(shipment_id, expires_at=NOW - timedelta(hours=1))
    response = await pages.get(f"/t/{token}?lang=en")
    assert response.status_code == 410
    assert help_section(response.text) == (
        "Need help? Contact Maison Lumière: their details are in your order confirmation email."
    )
