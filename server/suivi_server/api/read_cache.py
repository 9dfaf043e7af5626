"""GET answers of the merchant API reused for SUIVI_PAGE_RECHECK_SECONDS, with their ETag.

A merchant's system asks for the same shipment again and again. Its answer is kept by caller
and request (the merchant's id, the path, the query string) in the recent reads the pages'
versions use (suivi_server/recent_reads.py): a hit opens no connection; a write of this
process (a PATCH or refresh through the API, a webhook, the embedded worker) drops every kept
answer at once, a change made by another process (a separate worker, another web process, the
CLI) shows within the interval. The merchant is in the key, so one merchant never gets another
merchant's answer; the API key itself is checked before (api/auth.py), so a revoked key stops
within the same bound. `If-None-Match` with the answer's ETag gets a 304. From half the
interval on, a hit starts the next read in the background: a steady stream of requests never
waits for the database (each wait held every connection's request, the p99).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.pages.cache import etag_of, matches
from suivi_server.recent_reads import RecentReads
from suivi_server.services import Services

ANSWERS_KEPT = 4096  # a shipment's answer is about 1.5 kB: a few MB per process at most
HEADERS = {"Cache-Control": "private, no-cache"}

Key = tuple[int, str, bytes]


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    media_type: str | None
    headers: dict[str, str]  # with its ETag


class ReusedAnswers:
    """The recent 200 answers of one GET operation, per merchant and request."""

    def __init__(self, services: Services) -> None:
        self._answers: RecentReads[Key, Answer] = services.recent_reads(ANSWERS_KEPT)

    async def respond(
        self, request: Request, merchant_id: int, read: Callable[[], Awaitable[Response]]
    ) -> Response:
        """The kept answer, else `read()`'s (run on its own, shared by the requests waiting on
        it; an error it raises, or an answer other than 200, reaches each of them and nothing
        is kept)."""
        key = (merchant_id, request.scope["path"], request.scope["query_string"])
        try:
            answer = await self._answers.get(key, lambda: _answer(read))
        except _NotKept as not_kept:
            return not_kept.response()
        assert answer is not None  # _answer never gives None
        if matches(request.headers.get("if-none-match"), answer.headers["ETag"]):
            return Response(status_code=304, headers=answer.headers)
        return Response(answer.body, headers=answer.headers, media_type=answer.media_type)


class _NotKept(Exception):
    """An answer other than 200: given as it is to each request that waited for it, each its
    own copy (middlewares edit a response's headers as they send it)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self._status, self._body = response.status_code, bytes(response.body)
        self._headers = list(response.raw_headers)

    def response(self) -> Response:
        copy = Response(self._body, status_code=self._status)
        copy.raw_headers = list(self._headers)
        return copy


async def _answer(read: Callable[[], Awaitable[Response]]) -> Answer:
    response = await read()
    if response.status_code != 200:
        raise _NotKept(response)
    body = bytes(response.body)
    return Answer(body, response.media_type, {**HEADERS, "ETag": etag_of(body)})
