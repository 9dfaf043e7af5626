"""Real local HTTP receivers for the SMS and webhook channels, served by uvicorn in a thread.

`SmsEndpoint` stands for a generic SMS provider; `WebhookReceiver` for a merchant's endpoint
and verifies each signature with standardwebhooks' `Webhook.verify`, as a merchant would.
Both answer from a script (status, JSON body, headers), then with success.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Recorder:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[Answer] = []

    def answer(self, *answers: Answer) -> None:
        self.script.extend(answers)

    async def _next(self, request: Request, default: Answer) -> Response:
        body = await request.body()
        self.received.append(Received(dict(request.headers), body))
        answer = self.script.pop(0) if self.script else default
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.body is None:
            return Response(status_code=answer.status, headers=answer.headers)
        return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


class SmsEndpoint(_Recorder):
    """POST /sms; succeeds with {"result": {"id": "sms-<n>"}}."""

    def app(self) -> Starlette:
        async def sms(request: Request) -> Response:
            default = Answer(200, {"result": {"id": f"sms-{len(self.received) + 1}"}})
            return await self._next(request, default)

        return Starlette(routes=[Route("/sms", sms, methods=["POST"])])


class WebhookReceiver(_Recorder):
    """POST /hooks; 401 when the signature does not verify, else the scripted answer or 204."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.verified: list[Any] = []
        self._webhook = Webhook(secret)

    def app(self) -> Starlette:
        async def hooks(request: Request) -> Response:
            body = await request.body()
            try:
                payload = self._webhook.verify(body, dict(request.headers))
            except WebhookVerificationError as exc:
                self.received.append(Received(dict(request.headers), body))
                return JSONResponse({"error": str(exc)}, status_code=401)
            self.verified.append(payload)
            return await self._next(request, Answer(204))

        async def elsewhere(request: Request) -> Response:
            self.received.append(Received(dict(request.headers), await request.body()))
            return Response(status_code=204)

        return Starlette(
            routes=[
                Route("/hooks", hooks, methods=["POST"]),
                Route("/elsewhere", elsewhere, methods=["POST"]),
            ]
        )


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """`app` on 127.0.0.1 at a port the system picks; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local receiver did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
