"""The signed-link pages: `/t/{token}`, its live status fragment, "refresh now", `/embed/{token}`.

A token is verified before any query. A merchant may set `link_max_age_days` in its settings:
older links then answer 410 with the lookup form offered, never the shipment.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from suivi_server.pages import queries
from suivi_server.pages.extras import page_extras
from suivi_server.pages.headers import content_security_policy
from suivi_server.pages.refresh import ask_for_poll, same_origin
from suivi_server.pages.site import LINK_EXPIRED, Site
from suivi_server.security import InvalidToken

DAY = 86_400


def framed_by_us(request: Request, public_url: str) -> dict[str, str] | None:
    """The dashboard shows agents this very page in a frame: loaded as a frame, it may be
    framed by our own origin (and by no one else); loaded any other way, by no one."""
    if request.headers.get("sec-fetch-dest") != "iframe":
        return None
    parts = urlsplit(public_url)
    return {
        "Content-Security-Policy": content_security_policy([f"{parts.scheme}://{parts.netloc}"])
    }


class TrackingPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    async def load(self, request: Request) -> queries.PageData | Response:
        """The shipment of a valid, unexpired signed link, or the page saying why not."""
        tokens = self.site.services.tokens
        token = request.path_params["token"]
        try:
            shipment_id = tokens.verify(token)
        except InvalidToken:
            return self.site.not_found(request)
        data = await queries.page_data(self.site.services.engine, queries.by_id(shipment_id))
        if data is None:
            return self.site.not_found(request)
        expires_at = tokens.expires_at(token)
        if expires_at is not None and expires_at <= self.site.services.clock():
            return self.site.error(request, data.merchant, LINK_EXPIRED, 410)
        max_days = data.merchant.settings.get("link_max_age_days")
        if isinstance(max_days, int) and max_days > 0:
            try:
                tokens.verify(token, max_age_seconds=max_days * DAY)
            except InvalidToken:
                return self.site.error(request, data.merchant, LINK_EXPIRED, 410)
        return data

    async def page(self, request: Request) -> Response:
        data = await self.load(request)
        if isinstance(data, Response):
            return data
        extras = await page_extras(self.site.extras, self.site.services, data, request)
        headers = framed_by_us(request, self.site.services.settings.public_url)
        return self.site.tracking_page(
            request, data, token=request.path_params["token"], extras=extras, headers=headers
        )

    async def status(self, request: Request) -> Response:
        """The fragment htmx swaps in place: headline, window, journey and history."""
        data = await self.load(request)
        if isinstance(data, Response):
            return data
        token = request.path_params["token"]
        return self.site.tracking_page(request, data, token=token, template="_status.html")

    async def refresh(self, request: Request) -> Response:
        """POST from the page's button: ask for a poll now, answer with the status fragment."""
        services = self.site.services
        if not same_origin(request, services.settings.public_url):
            return PlainTextResponse("Cross-site request refused", status_code=403)
        data = await self.load(request)
        if isinstance(data, Response):
            return data
        outcome = await ask_for_poll(services.engine, data.shipment, services.clock())
        return self.site.tracking_page(
            request,
            data,
            token=request.path_params["token"],
            template="_status.html",
            headers=outcome.headers,
            status=outcome.status,
            notice=outcome.notice,
            refresh_seconds=outcome.refresh_seconds,
        )

    async def embed(self, request: Request) -> Response:
        """Compact page for an iframe; only the merchant's own origins may frame it."""
        data = await self.load(request)
        if isinstance(data, Response):
            return data
        origins = self.site.brand(data.merchant).allowed_origins
        headers = {"Content-Security-Policy": content_security_policy(origins)}
        token = request.path_params["token"]
        extras = await page_extras(self.site.extras, self.site.services, data, request)
        return self.site.tracking_page(
            request, data, token=token, template="embed.html", headers=headers, extras=extras
        )
