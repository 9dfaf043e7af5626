"""Survey test helpers: a merchant with a survey, a delivered shipment and its signed page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.services import Services
from tests.server.factories import add_event, bearer, create_merchant, create_shipment

SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
HTMX = {**SAME_ORIGIN, "HX-Request": "true"}
THREE_QUESTIONS: dict[str, Any] = {
    "slug": "after_delivery",
    "title": "How was your delivery?",
    "questions": [
        {"id": "recommend", "kind": "nps", "label": "Would you recommend us?", "required": True},
        {"id": "delivery", "kind": "csat", "label": "How satisfied are you with the delivery?"},
        {"id": "comment", "kind": "free_text", "label": "Anything to add?", "max_length": 200},
    ],
}
DELIVERED_AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


async def delivered(engine: AsyncEngine, merchant_id: int, **fields: Any) -> int:
    values: dict[str, Any] = {
        "status": "delivered",
        "substatus": "to_recipient",
        "delivered_at": DELIVERED_AT,
        **fields,
    }
    shipment_id = await create_shipment(engine, merchant_id, **values)
    await add_event(
        engine,
        shipment_id,
        DELIVERED_AT,
        "delivered",
        "LIV",
        "Livré",
        substatus=values["substatus"],
    )
    return shipment_id


async def merchant_with_survey(
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    survey: dict[str, Any] | None = None,
    slug: str = "maison-lumiere",
    **merchant: Any,
) -> tuple[int, str, int]:
    merchant_id, key = await create_merchant(engine, slug=slug, **merchant)
    response = await client.post(
        "/api/surveys", json=survey or THREE_QUESTIONS, headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    return merchant_id, key, int(response.json()["id"])


def form_token(html: str) -> str:
    start = html.index('id="survey"')  # other parts of the page have their own forms
    section = html[start : html.index("</section>", start)]
    found = re.search(r'name="form_token" value="([^"]+)"', section)
    assert found, "the survey form carries its token"
    return found.group(1)


def page_path(services: Services, shipment_id: int) -> str:
    return f"/t/{services.tokens.sign(shipment_id)}"
