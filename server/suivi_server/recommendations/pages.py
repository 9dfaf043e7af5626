"""Recommendations on the signed-link page and, when the merchant wants, in the widget.

The provider adds `extras.recommendations` (cards whose links are the click redirect of
clicks.py, carrying the page's own token); nothing at all on a page where selling is out of
place (visibility.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from suivi_server.pages.queries import PageData
from suivi_server.recommendations.choose import RecommendationSettings, click_path, recommend
from suivi_server.recommendations.visibility import hidden
from suivi_server.services import Services


async def recommendations_extra(
    services: Services, data: PageData, request: Request
) -> Mapping[str, Any]:
    settings = RecommendationSettings.of(data.merchant.settings)
    placement = "widget" if request.url.path.startswith("/embed/") else "page"
    if placement == "widget" and not settings.in_widget:
        return {}
    shipment = data.shipment
    kinds = (row.kind for row in data.situations)
    if hidden(shipment["status"], shipment["substatus"], kinds):
        return {}
    async with services.engine.connect() as conn:
        chosen = await recommend(conn, data.merchant.id, shipment["items"] or [], settings.count)
    token = request.path_params["token"]
    return {
        "recommendations": [
            card.linked(click_path(token, card.product_id, placement, card.rank), placement)
            for card in chosen
        ]
    }
