"""Shopper-facing tracking pages, lookup form, embeddable widget.

Routes: `/t/{token}` (page), `/t/{token}/status` (htmx fragment), `POST /t/{token}/refresh`
("refresh now", answers the fragment), `/embed/{token}` (iframe),
`/widget.js`, `/static/{theme}/{path}`, `/m/{merchant}/theme.css`, `/{merchant}/track` (lookup).
Themes, templates and catalogs are loaded once, here, when the app is built.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from suivi_server.pages.assets import Assets
from suivi_server.pages.attempts import AttemptLimiter
from suivi_server.pages.headers import SecurityHeaders
from suivi_server.pages.lookup import Lookup
from suivi_server.pages.site import Site, install_gettext
from suivi_server.pages.themes import load_themes, themes_root
from suivi_server.pages.tracking import TrackingPages
from suivi_server.services import Services


def routes(services: Services) -> list[BaseRoute]:
    themes = load_themes(themes_root(services.settings.themes_dir), install_gettext)
    site = Site(services, themes)
    pages, assets = TrackingPages(site), Assets(site)
    limiter = AttemptLimiter(
        services.engine,
        services.settings.lookup_attempts_per_minute,
        timedelta(minutes=1),
        services.clock,
    )
    lookup = Lookup(site, limiter)
    return [
        Route("/t/{token}", pages.page, name="tracking_page"),
        Route("/t/{token}/status", pages.status, name="tracking_status"),
        Route("/t/{token}/refresh", pages.refresh, methods=["POST"], name="tracking_refresh"),
        Route("/embed/{token}", pages.embed, name="embed"),
        Route("/widget.js", assets.widget, name="widget"),
        Route("/static/{theme}/{path:path}", assets.static, name="static"),
        Route("/m/{merchant}/theme.css", assets.merchant_css, name="merchant_css"),
        Route("/{merchant}/track", lookup.form, methods=["GET"], name="lookup"),
        Route("/{merchant}/track", lookup.submit, methods=["POST"], name="lookup_submit"),
    ]


def middleware(services: Services) -> list[Middleware]:
    return [Middleware(SecurityHeaders)]
