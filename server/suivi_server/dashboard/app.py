"""The dashboard sub-application: the shell's own pages plus every feature listed in FEATURES.

Each feature module exposes `ROUTES: list[DashboardRoute]`; the shell wraps them (session,
role, CSRF, one transaction) and builds the navigation from their `nav` labels, in this order.
Headers here are the back office's: strict CSP (frames only from our own origin, for the
shopper page shown to agents), never cached, same-origin referrers so form posts keep their
Origin.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suivi_server.dashboard import login
from suivi_server.dashboard.access import DashboardRoute, Shell, refuse
from suivi_server.dashboard.render import TEMPLATES, NavItem
from suivi_server.pages.i18n import N_
from suivi_server.pages.themes import DEFAULT_THEME, themes_root
from suivi_server.services import Services

FEATURES: tuple[str, ...] = (
    "suivi_server.dashboard.home",
    "suivi_server.dashboard.problems",
    "suivi_server.dashboard.shipment",
    "suivi_server.dashboard.team",
    "suivi_server.dashboard.carrier_pages",
    "suivi_server.dashboard.satisfaction_pages",
    "suivi_server.dashboard.feedback",
    "suivi_server.dashboard.contacts",
    "suivi_server.dashboard.account",
)
STATIC = TEMPLATES.parent / "static"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
ERROR = N_("This request could not be handled. Please check it and try again.")
MESSAGES = {
    404: N_("This page does not exist."),
    405: N_("This page cannot be used that way."),
}


def feature_routes() -> list[DashboardRoute]:
    """Every feature's routes, in FEATURES order."""
    found: list[DashboardRoute] = []
    for module in FEATURES:
        found.extend(importlib.import_module(module).ROUTES)
    return found


def _nav(features: Iterable[DashboardRoute]) -> list[NavItem]:
    return [
        NavItem(r.nav, "/dashboard" + r.path, r.role == "admin")
        for r in features
        if r.nav is not None
    ]


class DashboardHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Content-Type-Options"] = "nosniff"
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def routes(services: Services) -> list[BaseRoute]:
    """The dashboard, mounted at /dashboard (before the shopper routes)."""
    features = feature_routes()
    shell = Shell(services, _nav(features))
    htmx = themes_root(services.settings.themes_dir) / DEFAULT_THEME / "static" / "htmx.min.js"

    async def htmx_file(request: Request) -> Response:
        return FileResponse(htmx, headers={"Cache-Control": "public, max-age=3600"})

    async def error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = MESSAGES.get(status, ERROR)
        return refuse(request, services, shell.language(request), status, message)

    app = Starlette(
        routes=[
            *login.routes(shell),
            Route("/static/htmx.min.js", htmx_file, name="htmx"),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            *(
                Route(r.path, shell.endpoint(r), methods=list(r.methods), name=r.name)
                for r in features
            ),
        ],
        middleware=[Middleware(DashboardHeaders)],
        exception_handlers={HTTPException: error},
    )
    return [Mount("/dashboard", app=app, name="dashboard")]
