"""Reading request bodies with a size cap, so a huge or malformed body is a 4xx, not a crash."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from suivi_server.api.errors import ApiError

MAX_JSON_BYTES = 1024 * 1024
MAX_IMPORT_BYTES = 32 * 1024 * 1024


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"the body exceeds {limit} bytes")


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused early from Content-Length and again while streaming (it can lie)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    return data


async def json_object(request: Request) -> dict[str, Any]:
    return parse_json_object(await read_body(request, MAX_JSON_BYTES))
