"""What every response gets on its way out, in one pure-ASGI layer: security headers and gzip.

Security (pages/headers.py): the strict CSP and `X-Frame-Options: DENY` unless the response set
its own CSP (the widget frame, with the merchant's `frame-ancestors`), no referrer unless it
chose one (the dashboard), `nosniff`, HSTS over HTTPS. The header lines are built once, here;
a response only has its own header names scanned.

Compression: Starlette's gzip responder compresses when the client accepts it and the body is
big enough to gain; a client that does not accept gzip gets the bytes as they are, nothing held
back. Every response says `Vary: Accept-Encoding` (a 304 too, as its 200 would). The responder
drops ASGI messages it does not know, among them `http.response.debug` (how test clients learn
which template rendered), so those go around it. Compressed or not, a response keeps its ETag;
a strong ETag (a cached page's) turns weak when its body is compressed, since those bytes are
no longer the ones it names, and If-None-Match compares weakly (pages/cache.py), so both forms
revalidate.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suivi_server.pages.headers import DEFAULT_CSP, HSTS

MINIMUM_BYTES = 500  # below this, compressing saves less than it costs
LEVEL = 6  # zlib's default: nearly the size of 9 for much less CPU

Raw = list[tuple[bytes, bytes]]
_FRAMING: Raw = [(b"content-security-policy", DEFAULT_CSP.encode()), (b"x-frame-options", b"DENY")]
_REFERRER: Raw = [(b"referrer-policy", b"no-referrer")]
_ALWAYS: Raw = [(b"x-content-type-options", b"nosniff")]
_HTTPS: Raw = [(b"strict-transport-security", HSTS.encode())]
_VARY: Raw = [(b"vary", b"Accept-Encoding")]
_REPLACED = frozenset(name for name, _ in _ALWAYS + _HTTPS)  # ours, whatever the response said


def secured(headers: Raw, https: bool) -> Raw:
    """The response's headers with the security headers and `Vary: Accept-Encoding` added, the
    ETag weakened if gzipped."""
    names = {name for name, _ in headers}
    gzipped = b"content-encoding" in names
    out = [
        (name, _own_value(name, value, gzipped)) for name, value in headers if name not in _REPLACED
    ]
    if b"vary" not in names:
        out += _VARY
    if b"content-security-policy" not in names:
        out += _FRAMING
    if b"referrer-policy" not in names:
        out += _REFERRER
    return out + _ALWAYS + (_HTTPS if https else [])


def _own_value(name: bytes, value: bytes, gzipped: bool) -> bytes:
    if name == b"etag" and gzipped and not value.startswith(b"W/"):
        return b"W/" + value
    if name == b"vary" and b"accept-encoding" not in value.lower():
        return value + b", Accept-Encoding"
    return value


def accepts_gzip(scope: Scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])


class Outbound:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def leave(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(list(message.get("headers", ())), https)
            await send(message)

        if not accepts_gzip(scope):
            await self.app(scope, receive, leave)  # the bytes as they are: nothing to hold back
            return

        async def inner(scope: Scope, receive: Receive, compressing: Send) -> None:
            async def route(message: Message) -> None:
                await (send if message["type"] == "http.response.debug" else compressing)(message)

            await self.app(scope, receive, route)

        await GZipResponder(inner, MINIMUM_BYTES, compresslevel=LEVEL)(scope, receive, leave)
