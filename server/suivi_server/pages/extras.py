"""What features add to a signed-link page: recommendations, the survey, pending choices…

Each provider reads what its part of the page needs for one shipment and returns it under its
own key; templates find it as `extras.<key>`. Pages reached by tracking number alone (limited)
get no extras: they show nothing personal and ask nothing of the shopper.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request

from suivi_server.pages.queries import PageData
from suivi_server.services import Services

PageExtra = Callable[[Services, PageData, Request], Awaitable[Mapping[str, Any]]]

# Providers, in page order; a feature appends its own.
PROVIDERS: list[PageExtra] = []


async def page_extras(services: Services, data: PageData, request: Request) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for provider in PROVIDERS:
        found.update(await provider(services, data, request))
    return found


def _builtin() -> None:
    """Features shipped with Suivi register here (imported late: they use this module)."""
    from suivi_server.engagement.sections import engagement_extras

    PROVIDERS.append(engagement_extras)

    from suivi_server.recommendations.pages import recommendations_extra

    PROVIDERS.append(recommendations_extra)

    from suivi_server.surveys.pages import survey_extra

    PROVIDERS.append(survey_extra)


_builtin()
