"""The overview: where a new user starts, linking to every page of the navigation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard import render
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.pages.i18n import N_

OVERVIEW = N_("Overview")


async def overview(request: Request, desk: Desk) -> Response:
    return render.page(request, desk, "home.html", title=OVERVIEW)


ROUTES = [DashboardRoute("/", overview, name="home", nav=OVERVIEW)]
