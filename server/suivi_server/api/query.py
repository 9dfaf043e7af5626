"""Query parameters read once each: a repeated parameter is refused, never silently picked."""

from __future__ import annotations

from starlette.requests import Request

from suivi_server.api.errors import ApiError


def single_values(request: Request) -> dict[str, str]:
    """The query as a dict; `?carrier=ups&carrier=dpd` is a 422 naming `carrier`."""
    params = request.query_params
    for name in params:
        if len(params.getlist(name)) > 1:
            message = f"{name}: given more than once; send it once (lists are comma-separated)"
            raise ApiError(422, "validation_error", message, field=name)
    return dict(params)
