"""The signed-link pages: `/t/{token}`, its live status fragment, "refresh now", `/embed/{token}`.

A token is verified (once) before any query. A merchant may set `link_max_age_days` in its
settings: older links then answer 410 with the lookup form offered, never the shipment.
The page, its fragment and the widget are served from the page cache while the versions of
what they show are unchanged (pages/page_key.py), with an ETag: the fragment every open page
asks for each minute is answered 304 when nothing moved. The versions are read at most once
per SUIVI_PAGE_RECHECK_SECONDS per process, and again at once after this process wrote
(suivi_server/recent_reads.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from suivi_server.pages import queries
from suivi_server.pages.branding import allowed_origins
from suivi_server.pages.cache import matches
from suivi_server.pages.extras import page_extras
from suivi_server.pages.headers import content_security_policy
from suivi_server.pages.page_key import page_key
from suivi_server.pages.refresh import ask_for_poll, same_origin
from suivi_server.pages.site import LINK_EXPIRED, Site
from suivi_server.pages.versions import read_versions
from suivi_server.security import InvalidToken, PageGrant

DAY = 86_400
CACHED_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Accept-Language"}
Render = Callable[[queries.PageData], Awaitable[Response]]


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

    def _grant(self, token: str) -> PageGrant | None:
        """The link's grant, unless it is forged or past its own expiry or the merchant's."""
        try:
            grant = self.site.services.tokens.grant(token)
        except InvalidToken:
            return None
        if grant.expires_at is not None and grant.expires_at <= self.site.services.clock():
            return None
        return grant

    def _too_old(self, grant: PageGrant, settings: Mapping[str, object]) -> bool:
        max_days = settings.get("link_max_age_days")
        if not isinstance(max_days, int) or isinstance(max_days, bool) or max_days <= 0:
            return False
        age = self.site.services.clock() - grant.signed_at
        return not timedelta(0) <= age <= timedelta(days=max_days)

    async def load(self, request: Request) -> queries.PageData | Response:
        """The shipment of a valid, unexpired signed link, or the page saying why not."""
        tokens = self.site.services.tokens
        token = request.path_params["token"]
        try:
            grant = tokens.grant(token)
        except InvalidToken:
            return self.site.not_found(request)
        data = await queries.page_data(self.site.services.engine, queries.by_id(grant.shipment_id))
        if data is None:
            return self.site.not_found(request)
        expires_at = grant.expires_at
        if expires_at is not None and expires_at <= self.site.services.clock():
            return self.site.error(request, data.merchant, LINK_EXPIRED, 410)
        if self._too_old(grant, data.merchant.settings):
            return self.site.error(request, data.merchant, LINK_EXPIRED, 410)
        return data

    async def cached(
        self,
        request: Request,
        template: str,
        render: Render,
        *,
        full: bool,
        headers: Callable[[Mapping[str, Any]], Mapping[str, str] | None] | None = None,
    ) -> Response:
        """The page from the cache while its versions hold, else rendered once and kept.

        Any link that does not plainly open its page (forged, expired, shipment gone) takes
        the uncached path, which answers why."""
        site, services = self.site, self.site.services
        grant = self._grant(request.path_params["token"])
        versions = None
        if grant is not None:
            shipment_id = grant.shipment_id
            versions = await site.versions.get(
                (shipment_id, full), lambda: read_versions(services.engine, shipment_id, full=full)
            )
        if grant is None or versions is None or self._too_old(grant, versions.merchant_settings):
            data = await self.load(request)
            return data if isinstance(data, Response) else await render(data)
        key = page_key(
            request,
            template,
            versions,
            now=services.clock(),
            fallback_locale=services.settings.default_locale,
            answers_editable_for=site.answers_editable_for,
        )
        entry = site.page_cache.get(key)
        response: Response | None = None
        if entry is None:
            data = await self.load(request)
            if isinstance(data, Response):
                return data
            response = await render(data)
            if response.status_code != 200:
                return response
            entry = site.page_cache.put(key, bytes(response.body))
        own = headers(versions.merchant_settings) if headers else None
        answer = {**CACHED_HEADERS, "ETag": entry.etag, **(own or {})}
        if matches(request.headers.get("if-none-match"), entry.etag):
            return Response(status_code=304, headers=answer)
        if response is None:
            return Response(entry.body, headers=answer, media_type="text/html")
        response.headers.update(answer)
        return response

    async def page(self, request: Request) -> Response:
        headers = framed_by_us(request, self.site.services.settings.public_url)

        async def render(data: queries.PageData) -> Response:
            extras = await page_extras(self.site.extras, self.site.services, data, request)
            token = request.path_params["token"]
            return self.site.tracking_page(
                request, data, token=token, extras=extras, headers=headers
            )

        return await self.cached(
            request, "page.html", render, full=True, headers=lambda _settings: headers
        )

    async def status(self, request: Request) -> Response:
        """The fragment htmx swaps in place: headline, window, journey and history."""

        async def render(data: queries.PageData) -> Response:
            token = request.path_params["token"]
            return self.site.tracking_page(request, data, token=token, template="_status.html")

        return await self.cached(request, "_status.html", render, full=False)

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

        def headers(settings: Mapping[str, Any]) -> Mapping[str, str]:
            return {"Content-Security-Policy": content_security_policy(allowed_origins(settings))}

        async def render(data: queries.PageData) -> Response:
            token = request.path_params["token"]
            extras = await page_extras(self.site.extras, self.site.services, data, request)
            return self.site.tracking_page(
                request,
                data,
                token=token,
                template="embed.html",
                headers=headers(data.merchant.settings),
                extras=extras,
            )

        return await self.cached(request, "embed.html", render, full=True, headers=headers)
