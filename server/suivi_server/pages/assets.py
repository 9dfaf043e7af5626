"""Static files from memory (theme CSS, htmx, widget script) and each merchant's colour sheet."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.pages import queries
from suivi_server.pages.site import Site
from suivi_server.pages.themes import DEFAULT_THEME

_DAY = "public, max-age=86400"


class Assets:
    def __init__(self, site: Site) -> None:
        self.site = site

    def static(self, request: Request) -> Response:
        theme, path = request.path_params["theme"], request.path_params["path"]
        return self._serve(request, theme, path)

    def widget(self, request: Request) -> Response:
        return self._serve(request, DEFAULT_THEME, "widget.js")

    def _serve(self, request: Request, theme: str, path: str) -> Response:
        asset = self.site.themes.asset(theme, path)
        if asset is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        headers = {"ETag": asset.etag, "Cache-Control": _DAY}
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    async def merchant_css(self, request: Request) -> Response:
        """Colours and font as CSS variables; the URL carries a version, so it caches long."""
        slug = request.path_params["merchant"]
        merchant = await queries.merchant(self.site.services.engine, slug)
        if merchant is None:
            return Response("/* unknown merchant */", status_code=404, media_type="text/css")
        css = self.site.brand(merchant).css
        return Response(css, media_type="text/css", headers={"Cache-Control": _DAY})
