"""Paths no route knows answer the shopper's error page, not a bare "Not Found".

The first path segment is tried as a merchant's slug (`/maison-lumiere/anything`), so a mistyped
link under a shop's address still shows that shop's colours, logo and contact details. Under
`/api` the merchant API keeps its JSON errors.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.api.errors import http_error, is_api
from suivi_server.pages import queries
from suivi_server.pages.site import Site


class NotFound:
    def __init__(self, site: Site) -> None:
        self.site = site

    async def __call__(self, request: Request, exc: Exception) -> Response:
        if is_api(request):
            return await http_error(request, exc)
        slug = request.url.path.strip("/").split("/", 1)[0]
        merchant = await queries.merchant(self.site.services.engine, slug) if slug else None
        return self.site.not_found(request, merchant)
