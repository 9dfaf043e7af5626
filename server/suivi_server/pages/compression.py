"""Responses leave gzip-compressed when the client accepts it and they are big enough to gain.

Starlette's GZipMiddleware does the work. It drops ASGI messages it does not know, among them
`http.response.debug` (how test clients learn which template rendered), so those go around it.
Compressed or not, a response keeps its ETag and gets `Vary: Accept-Encoding`; a strong ETag
(a cached page's) turns weak when its body is compressed, since those bytes are no longer the
ones it names, and If-None-Match compares weakly (pages/cache.py), so both forms revalidate.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MINIMUM_BYTES = 500  # below this, compressing saves less than it costs
LEVEL = 6  # zlib's default: nearly the size of 9 for much less CPU


class Compression:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def inner(scope: Scope, receive: Receive, compressing_send: Send) -> None:
            async def route(message: Message) -> None:
                target = send if message["type"] == "http.response.debug" else compressing_send
                await target(message)

            await self.app(scope, receive, route)

        async def weaken(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                etag = headers.get("etag")
                if etag and not etag.startswith("W/") and "content-encoding" in headers:
                    headers["ETag"] = "W/" + etag
            await send(message)

        gzip = GZipMiddleware(inner, minimum_size=MINIMUM_BYTES, compresslevel=LEVEL)
        await gzip(scope, receive, weaken)
