"""`GET /r/{token}/{product_id}`: count a recommendation's click, then send the shopper on.

The token is the page's signed link, verified like the page itself; the product must be one of
that shipment's merchant's, or the answer is 404. The redirect only ever goes to the product's
stored http(s) URL, never to anything taken from the request: no open redirect.
"""

from __future__ import annotations

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from suivi_server.pages.site import Site
from suivi_server.pages.tracking import TrackingPages
from suivi_server.recommendations.choose import MAX_COUNT, PLACEMENTS
from suivi_server.storage.schema import products, recommendation_clicks

_p = products.c
MAX_ID = 2**31 - 1


class Clicks:
    def __init__(self, site: Site) -> None:
        self.site, self.pages = site, TrackingPages(site)

    async def follow(self, request: Request) -> Response:
        data = await self.pages.load(request)
        if isinstance(data, Response):
            return data
        product_id: int = request.path_params["product_id"]
        if not 0 < product_id <= MAX_ID:
            return self.site.not_found(request, data.merchant)
        services = self.site.services
        async with services.engine.begin() as conn:
            product = (
                await conn.execute(
                    sa.select(_p.sku, _p.url).where(
                        _p.id == product_id, _p.merchant_id == data.merchant.id
                    )
                )
            ).first()
            if product is None or not product.url.lower().startswith(("http://", "https://")):
                return self.site.not_found(request, data.merchant)
            await conn.execute(
                sa.insert(recommendation_clicks).values(
                    merchant_id=data.merchant.id,
                    shipment_id=data.shipment["id"],
                    sku=product.sku,
                    placement=_placement(request.query_params.get("p")),
                    position=_position(request.query_params.get("i")),
                    situation=data.situations[-1].kind if data.situations else None,
                    clicked_at=services.clock(),
                )
            )
        return RedirectResponse(product.url, status_code=303, headers={"Cache-Control": "no-store"})


def _placement(value: str | None) -> str:
    return value if value in PLACEMENTS else "page"


def _position(value: str | None) -> int:
    """The card's rank as the link says it; 0 when the link was altered."""
    if value and len(value) <= 3 and value.isascii() and value.isdigit():
        return int(value) if 1 <= int(value) <= MAX_COUNT else 0
    return 0


def routes(site: Site) -> list[Route]:
    clicks = Clicks(site)
    return [Route("/r/{token}/{product_id:int}", clicks.follow, name="recommendation_click")]
