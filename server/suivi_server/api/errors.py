"""API errors: every 4xx is JSON naming what was wrong, and bad input never becomes a 500.

Body: `{"error": code, "message": text, "field": first field or null, "fields": [...]}`.
Shopper pages share the application, so the handlers answer JSON only under /api.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

logger = logging.getLogger("suivi.api")


class ApiError(Exception):
    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        *,
        field: str | None = None,
        fields: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.message = message
        self.field = field
        self.fields = fields or []
        self.headers = headers

    def response(self) -> JSONResponse:
        body = {"error": self.error, "message": self.message, "field": self.field}
        return JSONResponse(
            {**body, "fields": self.fields}, status_code=self.status_code, headers=self.headers
        )


def field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": field_path(e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


def invalid(exc: ValidationError) -> ApiError:
    """A 422 listing every invalid field; the message starts with the first one."""
    fields = field_errors(exc)
    first = fields[0]
    return ApiError(
        422,
        "validation_error",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        fields=fields,
    )


def not_found(what: str = "shipment") -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in {204, 304}:
        return Response(status_code=exc.status_code, headers=exc.headers)
    if not is_api(request):
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    code = "not_found" if exc.status_code == 404 else "http_error"
    return ApiError(exc.status_code, code, exc.detail, headers=exc.headers).response()


async def server_error(request: Request, exc: Exception) -> Response:
    """The last resort: a bug answers a generic 500 without internals, and is logged."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not is_api(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return ApiError(500, "internal_error", "an unexpected error occurred").response()


HANDLERS: Mapping[Any, Any] = {
    ApiError: api_error,
    HTTPException: http_error,
    Exception: server_error,
}
