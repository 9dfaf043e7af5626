"""A bound on what a dashboard write may send, enforced before anything reads the body.

The shell parses the form (its CSRF token) before the feature's handler runs, and a multipart
form is spooled whole while it is parsed: without a bound, any signed-in request could make the
server write gigabytes to disk. A declared Content-Length over the route's bound is refused
without reading a byte; a body sent without one (chunked) or lying about it is cut off as soon
as it passes the bound, wherever it is read from.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import Message

MAX_FORM_BYTES = 64 * 1024  # every form of the dashboard but an upload


class BodyTooLarge(Exception):
    """The request body passed its route's bound while it was being read."""


def declared_over(request: Request, limit: int) -> bool:
    """The client announces more than `limit` bytes (a malformed length is left to the cap)."""
    declared = request.headers.get("content-length", "")
    if re.fullmatch(r"[0-9]+", declared) is None:  # str.isdigit() takes "²" too
        return False
    digits = declared.lstrip("0")
    return len(digits) > len(str(limit)) or int(digits or "0") > limit


def bounded(request: Request, limit: int) -> Request:
    """The same request, whose body raises `BodyTooLarge` once more than `limit` bytes came."""
    receive = request.receive
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return Request(request.scope, receive=capped)
