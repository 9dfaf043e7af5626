"""Bearer API keys: every merchant endpoint runs as exactly one merchant, in one transaction.

Handlers receive the authenticated merchant and the connection; they never see a request that
failed authentication, and every query they make is scoped to that merchant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.api.errors import ApiError
from suivi_server.api.read_cache import ReusedAnswers
from suivi_server.recent_reads import RecentReads
from suivi_server.security import hash_api_key
from suivi_server.services import Services
from suivi_server.storage.merchants import Merchant, merchant_for_api_key


@dataclass(frozen=True, slots=True)
class Caller:
    merchant: Merchant
    conn: AsyncConnection
    services: Services


Handler = Callable[[Request, Caller], Awaitable[Response]]
_REUSED: set[Handler] = set()


def reused(handler: Handler) -> Handler:
    """Mark a GET handler whose 200 answer is reused (api/read_cache.py): it only reads, and
    answers 200 or raises ApiError."""
    _REUSED.add(handler)
    return handler


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


KEYS_KEPT = 1024  # merchants' live keys in use at once, per process


class ApiKeys:
    """Bearer key → its merchant, re-read at most every SUIVI_PAGE_RECHECK_SECONDS.

    Kept by the key's SHA-256 (never the key itself) in a bounded LRU; a key revoked by this
    process stops at once, one revoked by another process (the CLI, another web process)
    within the interval (suivi_server/recent_reads.py)."""

    def __init__(self, services: Services) -> None:
        self._engine = services.engine
        self._merchants: RecentReads[str, Merchant] = services.recent_reads(KEYS_KEPT)

    async def authenticate(self, request: Request) -> Merchant:
        """The key's merchant, read on its own connection: a refused request opens no
        transaction, and requests waiting on one read share it (recent_reads.py)."""
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise _unauthorized("send the API key as 'Authorization: Bearer <key>'")
        merchant = await self._merchants.get(hash_api_key(key), partial(self._read, key))
        if merchant is None:
            raise _unauthorized("invalid or revoked API key")
        return merchant

    async def _read(self, key: str) -> Merchant | None:
        async with self._engine.connect() as conn:
            return await merchant_for_api_key(conn, key)


def merchant_endpoint(
    services: Services, keys: ApiKeys, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request, merchant: Merchant) -> Response:
        async with services.engine.begin() as conn:
            return await handler(request, Caller(merchant, conn, services))

    async def endpoint(request: Request) -> Response:
        return await run(request, await keys.authenticate(request))

    if handler not in _REUSED:
        return endpoint
    answers = ReusedAnswers(services)

    async def reused_endpoint(request: Request) -> Response:
        """A hit opens no transaction; a miss runs the handler in one of its own."""
        merchant = await keys.authenticate(request)
        return await answers.respond(request, merchant.id, partial(run, request, merchant))

    return reused_endpoint
