"""The embedded view: a real heading, and a title that tells one parcel's frame from another's."""

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


async def test_the_embedded_view_has_a_heading_and_names_its_parcel(
    pages: httpx.AsyncClient, engine: AsyncEngine, services: Services
) -> None:
    merchant_id, _ = await create_merchant(engine)
    titles = set()
    for number in ("6A11111111111", "6A22222222222"):
        shipment_id = await create_shipment(engine, merchant_id, tracking_number=number)
        html = (await pages.get(f"/embed/{services.tokens.sign(shipment_id)}?lang=en")).text
        headings = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert [h.strip() for h in headings] == ["Your parcel is on its way"]
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title
        assert number in title.group(1)
        titles.add(title.group(1))
    assert len(titles) == 2
