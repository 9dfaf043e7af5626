"""What features add to a signed-link page: recommendations, the survey, pending choices…

Each provider reads what its part of the page needs for one shipment and returns it under its
own key; templates find it as `extras.<key>`. The providers are given to the Site when the app
is assembled (pages/shopper.py), so no page module imports a feature. Pages reached by tracking
number alone (limited) get no extras: they show nothing personal and ask nothing of the shopper.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request

from suivi_server.pages.queries import PageData
from suivi_server.services import Services

PageExtra = Callable[[Services, PageData, Request], Awaitable[Mapping[str, Any]]]


async def page_extras(
    providers: Sequence[PageExtra], services: Services, data: PageData, request: Request
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for provider in providers:
        found.update(await provider(services, data, request))
    return found
