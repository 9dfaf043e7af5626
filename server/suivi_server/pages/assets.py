"""Static files from memory (theme CSS, htmx, widget script, favicon) and each merchant's colours.

A content-hashed name (`/static/default/suivi.<hash>.css`) never changes meaning, so it is cached
for a year; the plain name still answers, with a short cache, for URLs pasted elsewhere
(`/widget.js` on merchants' pages, `/favicon.ico` asked for by browsers).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.pages import queries
from suivi_server.pages.site import Site
from suivi_server.pages.themes import DEFAULT_THEME, Asset

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"
FAVICON = "favicon.svg"


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """The weak comparison RFC 9110 asks of If-None-Match, over a list of tags or `*`."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class Assets:
    def __init__(self, site: Site) -> None:
        self.site = site

    def static(self, request: Request) -> Response:
        theme, path = request.path_params["theme"], request.path_params["path"]
        hashed = self.site.themes.hashed_asset(theme, path)
        if hashed is not None:
            return self._serve(request, hashed, IMMUTABLE)
        return self._serve(request, self.site.themes.asset(theme, path), SHORT)

    def widget(self, request: Request) -> Response:
        return self._serve(request, self.site.themes.asset(DEFAULT_THEME, "widget.js"), SHORT)

    def favicon(self, request: Request) -> Response:
        return self._serve(request, self.site.themes.asset(DEFAULT_THEME, FAVICON), SHORT)

    def _serve(self, request: Request, asset: Asset | None, cache: str) -> Response:
        if asset is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        headers = {"ETag": asset.etag, "Cache-Control": cache}
        if etag_matches(request.headers.get("if-none-match"), asset.etag):
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)

    async def merchant_css(self, request: Request) -> Response:
        """Colours and font as CSS variables: long-cached when the URL names this version."""
        slug = request.path_params["merchant"]
        merchant = await queries.merchant(self.site.services.engine, slug)
        if merchant is None:
            return Response("/* unknown merchant */", status_code=404, media_type="text/css")
        brand = self.site.brand(merchant)
        cache = IMMUTABLE if request.query_params.get("v") == brand.css_version else SHORT
        return Response(brand.css, media_type="text/css", headers={"Cache-Control": cache})
