"""Bearer API keys: every merchant endpoint runs as exactly one merchant, in one transaction.

Handlers receive the authenticated merchant and the connection; they never see a request that
failed authentication, and every query they make is scoped to that merchant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.api.errors import ApiError
from suivi_server.services import Services
from suivi_server.storage.merchants import Merchant, merchant_for_api_key


@dataclass(frozen=True, slots=True)
class Caller:
    merchant: Merchant
    conn: AsyncConnection
    services: Services


Handler = Callable[[Request, Caller], Awaitable[Response]]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


async def authenticate(conn: AsyncConnection, request: Request) -> Merchant:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthorized("send the API key as 'Authorization: Bearer <key>'")
    merchant = await merchant_for_api_key(conn, key.strip())
    if merchant is None:
        raise _unauthorized("invalid or revoked API key")
    return merchant


def merchant_endpoint(
    services: Services, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        async with services.engine.begin() as conn:
            merchant = await authenticate(conn, request)
            return await handler(request, Caller(merchant, conn, services))

    return endpoint
