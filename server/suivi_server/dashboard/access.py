"""What every dashboard page goes through before its handler runs.

A feature declares `DashboardRoute`s; the shell turns each into an endpoint that finds the
session, refuses what the user may not do, checks cross-site requests, then calls the handler
with a `Desk`: the user, their merchant, one open transaction, the clock and the language.
Anonymous GETs are sent to the login page; anonymous writes, agents on admin pages and
requests failing the CSRF checks get 403; a NUL character in a parameter or a form field gets
400 (nul.py). A write's body is bounded by its route (`max_body`):
past it, 413 before anything is parsed or stored (body_limit.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from suivi_server.dashboard import guard, languages, nul, render, sessions
from suivi_server.dashboard.body_limit import MAX_FORM_BYTES, BodyTooLarge, bounded, declared_over
from suivi_server.dashboard.users import StaffUser, user_and_merchant
from suivi_server.pages.i18n import N_, Language
from suivi_server.services import Services
from suivi_server.storage.merchants import Merchant

FORBIDDEN = N_("You are not allowed to open this page.")
CROSS_SITE = N_(
    "This form has expired or was sent from another site: reload the page and try again."
)
SIGNED_OUT = N_("Your session has ended: sign in again.")
TOO_LARGE = N_("This form sends more than the dashboard accepts.")


@dataclass(frozen=True)
class Desk:
    """One authenticated request: every query a handler writes filters on `merchant.id`."""

    user: StaffUser
    merchant: Merchant
    conn: AsyncConnection
    services: Services
    now: datetime
    lang: Language
    csrf_token: str
    session_id: int


Handler = Callable[[Request, Desk], Awaitable[Response]]


@dataclass(frozen=True)
class DashboardRoute:
    """One page or action of a feature, at `path` under /dashboard."""

    path: str
    handler: Handler
    _: KW_ONLY
    methods: Sequence[str] = ("GET",)
    role: Literal["agent", "admin"] = "agent"
    name: str
    nav: str | None = None  # an N_() label: the page is listed in the navigation
    max_body: int = MAX_FORM_BYTES  # bytes a write may send; an upload raises it
    too_large: str = TOO_LARGE  # an N_() message: what a body past `max_body` is told


def login_path(request: Request) -> str:
    """The login page, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{render.url(request, 'login')}?next={quote(here, safe='')}"


def refuse(
    request: Request, services: Services, lang: Language, status: int, message: str
) -> Response:
    return render.public_page(
        request,
        services.settings,
        lang,
        "error.html",
        title=message,
        status=status,
        message=message,
    )


class Shell:
    """Builds the endpoints of the dashboard's routes for one app."""

    def __init__(self, services: Services, nav: Sequence[render.NavItem]) -> None:
        self.services, self.nav = services, tuple(nav)

    def language(self, request: Request, merchant: Merchant | None = None) -> Language:
        settings = merchant.settings if merchant else None
        return languages.choose(request, settings, self.services.settings.default_locale)

    def endpoint(self, route: DashboardRoute) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self.run(route, request)

        endpoint.__name__ = route.name
        return endpoint

    def too_large(self, route: DashboardRoute, request: Request) -> Response:
        """413: the page says why, or just the message where htmx expected a fragment."""
        lang = self.language(request)
        if request.headers.get("hx-request") != "true":
            return refuse(request, self.services, lang, 413, route.too_large)
        return render.public_page(
            request,
            self.services.settings,
            lang,
            "_refused.html",
            title=route.too_large,
            status=413,
            message=lang.gettext(route.too_large),
        )

    async def run(self, route: DashboardRoute, request: Request) -> Response:
        if request.method not in guard.UNSAFE_METHODS:
            return await self.serve(route, request)
        if declared_over(request, route.max_body):
            return self.too_large(route, request)
        try:  # the transaction was rolled back: whatever the handler wrote is gone
            return await self.serve(route, bounded(request, route.max_body))
        except BodyTooLarge:
            return self.too_large(route, request)

    async def serve(self, route: DashboardRoute, request: Request) -> Response:
        services, settings = self.services, self.services.settings
        unsafe = request.method in guard.UNSAFE_METHODS
        if unsafe and not guard.same_origin(request, settings.public_url):
            return refuse(request, services, self.language(request), 403, CROSS_SITE)
        token = request.cookies.get(sessions.cookie_name(settings), "")
        now = services.clock()
        request.state.dashboard_nav = self.nav
        async with services.engine.begin() as conn:
            session = await sessions.current(conn, token, now) if token else None
            found = await user_and_merchant(conn, session.user_id) if session else None
            if session is None or found is None:
                if unsafe:
                    return refuse(request, services, self.language(request), 403, SIGNED_OUT)
                return RedirectResponse(login_path(request), status_code=303)
            user, merchant = found
            lang = self.language(request, merchant)
            if route.role == "admin" and not user.is_admin:
                return refuse(request, services, lang, 403, FORBIDDEN)
            if unsafe and not guard.tokens_match(
                session.csrf_token, await guard.submitted_token(request)
            ):
                return refuse(request, services, lang, 403, CROSS_SITE)
            if nul.query_holds_nul(request) or (
                unsafe and nul.form_holds_nul(await request.form())
            ):
                return refuse(request, services, lang, 400, nul.HOLDS_NUL)
            desk = Desk(user, merchant, conn, services, now, lang, session.csrf_token, session.id)
            return await route.handler(request, desk)
