"""Helpers for the choices, contacts and opt-in tests: a shipment in a situation, its page link
and the hidden token of one of its forms, and a same-origin form post."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.pages.forms import FormGuard
from suivi_server.services import Services
from suivi_server.storage.schema import shipment_situations
from tests.server.conftest import NOW, SECRET_KEYS
from tests.server.factories import create_merchant, create_shipment

SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
HTMX = {**SAME_ORIGIN, "HX-Request": "true"}
FORMS = FormGuard(SECRET_KEYS, "http://testserver")


async def add_situation(
    engine: AsyncEngine, shipment_id: int, kind: str, at: datetime = NOW, **facts: Any
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shipment_situations).values(
                shipment_id=shipment_id,
                kind=kind,
                fingerprint=f"{kind}-{at.isoformat()}",
                facts=facts,
                detected_at=at,
            )
        )


async def shipment_in(
    engine: AsyncEngine,
    situation: str | None,
    *,
    status: str = "exception",
    slug: str = "maison-lumiere",
    **fields: Any,
) -> tuple[int, int, str]:
    """(merchant id, shipment id, API key) of a shipment living `situation`."""
    merchant_id, key = await create_merchant(engine, slug=slug)
    shipment_id = await create_shipment(engine, merchant_id, status=status, **fields)
    if situation is not None:
        await add_situation(engine, shipment_id, situation)
    return merchant_id, shipment_id, key


def page(services: Services, shipment_id: int) -> str:
    return f"/t/{services.tokens.sign(shipment_id)}"


async def post_form(
    client: httpx.AsyncClient,
    services: Services,
    shipment_id: int,
    path: str,
    purpose: str,
    fields: dict[str, str],
    *,
    headers: dict[str, str] | None = None,
    token_shipment: int | None = None,
) -> httpx.Response:
    """A form of the shipment's page, posted as its own page would (lang=en)."""
    form_token = FORMS.token(token_shipment or shipment_id, purpose)
    return await client.post(
        f"{page(services, shipment_id)}/{path}?lang=en",
        data={"form_token": form_token, **fields},
        headers=SAME_ORIGIN if headers is None else headers,
    )


def section(html: str, section_id: str) -> str:
    """The HTML of one `<section id=…>` of a page."""
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id!r}"
    return match.group(0)
