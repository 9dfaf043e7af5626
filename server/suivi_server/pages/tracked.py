"""The tracking-number-only page `/{merchant}/track/{carrier}/{number}`: bookmarkable, refreshing.

Knowing a tracking number proves nothing about the order, so this page shows the journey and
nothing personal (no items, name, address or order number). It lives on the lookup form, which
offers the full page to whoever also knows the order's email or postcode. A number that finds
nothing counts as a failed lookup, so the URL cannot be used to try numbers faster than the form;
a parcel found can be refreshed as often as its page polls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from suivi_server.pages import queries
from suivi_server.pages.attempts import AttemptLimiter, client_key
from suivi_server.pages.lookup import TOO_MANY, tracked_path
from suivi_server.pages.refresh import ask_for_poll, same_origin
from suivi_server.pages.site import REFRESH_SECONDS, Site
from suivi_server.pages.view import page_view


class TrackedNumber:
    def __init__(self, site: Site, limiter: AttemptLimiter) -> None:
        self.site, self.limiter = site, limiter

    async def _load(self, request: Request) -> queries.PageData | Response:
        params = request.path_params
        slug = params["merchant"]
        engine = self.site.services.engine
        client = client_key(request.client.host if request.client else None)
        if await self.limiter.blocked(client):
            if request.headers.get("hx-request"):
                return Response(status_code=204)  # a poll keeps the page as it is
            merchant = await queries.merchant(engine, slug)
            if merchant is None:
                return self.site.not_found(request)
            return self.site.lookup_page(request, merchant, {}, error=TOO_MANY, status=429)
        where = queries.by_carrier_number(slug, params["carrier"], params["number"])
        data = await queries.page_data(engine, where)
        if data is None:
            await self.limiter.allow(client)
            return self.site.not_found(request)
        return data

    async def page(self, request: Request) -> Response:
        data = await self._load(request)
        return data if isinstance(data, Response) else self.render(request, data)

    async def refresh(self, request: Request) -> Response:
        """POST from the page's button: ask the carrier now, answer the refreshed page."""
        services = self.site.services
        if not same_origin(request, services.settings.public_url):
            return PlainTextResponse("Cross-site request refused", status_code=403)
        data = await self._load(request)
        if isinstance(data, Response):
            return data
        outcome = await ask_for_poll(services.engine, data.shipment, services.clock())
        return self.render(
            request,
            data,
            status=outcome.status,
            notice=outcome.notice,
            headers=outcome.headers,
            refresh_seconds=outcome.refresh_seconds,
        )

    def render(
        self,
        request: Request,
        data: queries.PageData,
        *,
        status: int = 200,
        notice: str | None = None,
        headers: Mapping[str, str] | None = None,
        refresh_seconds: int | None = None,
    ) -> Response:
        """The lookup form with the parcel's limited view above it (no customer locale either)."""
        site = self.site
        brand = site.brand(data.merchant)
        lang = site.language(request, brand)
        context: dict[str, Any] = {
            "form": {"order_number": "", "tracking_number": data.shipment["tracking_number"]},
            "error": None,
            "parcels": [],
            "view": page_view(data, brand, lang, limited=True, now=site.services.clock()),
            "token": None,
            "tracked_path": tracked_path(data),
            "notice": lang.gettext(notice) if notice else None,
            "refresh_seconds": refresh_seconds or REFRESH_SECONDS,
        }
        return site.render(
            request, brand, lang, "lookup.html", context, status=status, headers=headers
        )
