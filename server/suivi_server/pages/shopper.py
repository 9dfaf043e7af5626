"""The shopper side of the app: tracking pages, lookup form, embeddable widget, and the
features that add to a signed-link page (choices and contacts, recommendations, surveys).

Routes: `/t/{token}` (page), `/t/{token}/status` (htmx fragment), `POST /t/{token}/refresh`
("refresh now", answers the fragment), `/embed/{token}` (iframe),
`/widget.js`, `/favicon.ico`, `/static/{theme}/{path}`, `/m/{merchant}/theme.css`,
`/{merchant}/track` (lookup), `/{merchant}/track/{carrier}/{number}` (tracking number only,
with `POST …/refresh`); any other path answers the error page (see `not_found`).
Themes, templates and catalogs are loaded once, here, when the app is built; responses leave
gzip-compressed when the client accepts it and they are worth it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from suivi_server.engagement import pages as engagement
from suivi_server.engagement.sections import engagement_extras
from suivi_server.pages.assets import Assets
from suivi_server.pages.attempts import AttemptLimiter, KeySpace
from suivi_server.pages.extras import PageExtra
from suivi_server.pages.lookup import Lookup
from suivi_server.pages.not_found import NotFound
from suivi_server.pages.outbound import Outbound
from suivi_server.pages.site import Site, install_gettext
from suivi_server.pages.themes import load_themes, themes_root
from suivi_server.pages.tracked import TrackedNumber
from suivi_server.pages.tracking import TrackingPages
from suivi_server.recommendations import clicks as recommendation_clicks
from suivi_server.recommendations.pages import recommendations_extra
from suivi_server.services import Services
from suivi_server.surveys import pages as surveys
from suivi_server.surveys.pages import survey_extra

# What features add to a signed-link page, in page order (see pages/extras.py).
FEATURE_EXTRAS: tuple[PageExtra, ...] = (engagement_extras, recommendations_extra, survey_extra)


class Pages:
    """The shopper side of the app: one set of themes shared by routes and error handlers."""

    def __init__(self, services: Services) -> None:
        themes = load_themes(themes_root(services.settings.themes_dir), install_gettext)
        self.site = Site(
            services, themes, extras=FEATURE_EXTRAS, answers_editable_for=surveys.EDIT_WINDOW
        )

    def routes(self) -> tuple[list[BaseRoute], list[BaseRoute]]:
        """(the signed-link pages, every other shopper route): the first are the hot paths
        (each open page asks every minute) and start with /t/ or /embed/, which no other route
        of the app does, so the app can match them first."""
        return routes(self.site)

    def middleware(self) -> list[Middleware]:
        return [Middleware(Outbound)]

    def exception_handlers(self) -> Mapping[Any, Any]:
        return {404: NotFound(self.site)}


def routes(site: Site) -> tuple[list[BaseRoute], list[BaseRoute]]:
    services = site.services
    pages, assets = TrackingPages(site), Assets(site)
    limiter = AttemptLimiter(
        services.engine,
        services.settings.lookup_attempts_per_minute,
        timedelta(minutes=1),
        services.clock,
        prefix=KeySpace.LOOKUP,
    )
    lookup = Lookup(site, limiter)
    tracked = TrackedNumber(site, limiter)
    signed_links: list[BaseRoute] = [
        Route("/t/{token}", pages.page, name="tracking_page"),
        Route("/t/{token}/status", pages.status, name="tracking_status"),
        Route("/t/{token}/refresh", pages.refresh, methods=["POST"], name="tracking_refresh"),
        Route("/embed/{token}", pages.embed, name="embed"),
    ]
    return signed_links, [
        Route("/widget.js", assets.widget, name="widget"),
        Route("/favicon.ico", assets.favicon, name="favicon"),
        Route("/static/{theme}/{path:path}", assets.static, name="static"),
        Route("/m/{merchant}/theme.css", assets.merchant_css, name="merchant_css"),
        Route("/{merchant}/track", lookup.form, methods=["GET"], name="lookup"),
        Route("/{merchant}/track", lookup.submit, methods=["POST"], name="lookup_submit"),
        Route("/{merchant}/track/{carrier}/{number}", tracked.page, name="tracked"),
        Route(
            "/{merchant}/track/{carrier}/{number}/refresh",
            tracked.refresh,
            methods=["POST"],
            name="tracked_refresh",
        ),
        *engagement.routes(site),
        *recommendation_clicks.routes(site),
        *surveys.routes(site),
    ]
