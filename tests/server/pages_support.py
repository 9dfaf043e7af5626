"""Test helper for the shopper pages: a client whose responses carry `.template` and `.context`.

Starlette's TemplateResponse reports both through the `http.response.debug` ASGI extension;
this wrapper asks for it and attaches what comes back to each httpx response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TemplateCapture:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.info: dict[str, Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            extensions = {**scope.get("extensions", {}), "http.response.debug": {}}
            scope = {**scope, "extensions": extensions}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.debug":
                self.info = message["info"]
                return
            await send(message)

        await self.app(scope, receive, capture)


@asynccontextmanager
async def page_client(
    app: ASGIApp, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    capture = TemplateCapture(app)

    async def attach(response: httpx.Response) -> None:
        info, capture.info = capture.info or {}, None
        response.template = info.get("template")  # type: ignore[attr-defined]
        response.context = info.get("context")  # type: ignore[attr-defined]

    transport = httpx.ASGITransport(app=capture)
    hooks = {"response": [attach]}
    async with httpx.AsyncClient(transport=transport, base_url=base_url, event_hooks=hooks) as c:
        yield c
