"""One carrier's view of the shared HTTP client: rate limit, concurrency cap and retries.

Retried: timeouts, connection errors, 5xx and 429 (waiting what `Retry-After` says, capped).
Not retried: everything else. The wait between attempts is exponential with full jitter.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from suivi._adapter import RawResponse
from suivi.errors import CarrierError, CarrierRateLimited, CarrierUnavailable

if TYPE_CHECKING:
    from suivi._adapter import Adapter
    from suivi._ratelimit import Limiter

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long a failed carrier call is retried: exponential backoff with
    jitter, and a carrier's own `Retry-After` honoured up to `max_retry_after` seconds."""

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0

    def wait(self, attempt: int, error: BaseException | None) -> float:
        """Seconds before retry `attempt` (1 first): the carrier's Retry-After when it sent
        one, else a random wait in the upper half of the backoff: callers do not retry in step."""
        if isinstance(error, CarrierRateLimited) and error.retry_after is not None:
            return min(error.retry_after, self.max_retry_after)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


def should_retry(error: BaseException) -> bool:
    """The one retry predicate: carrier errors that say they are transient."""
    return isinstance(error, CarrierError) and error.should_retry


class CarrierHTTP:
    """What an adapter's `fetch` receives: `send` a request, get a checked RawResponse."""

    def __init__(
        self,
        adapter: Adapter,
        client: httpx.AsyncClient,
        *,
        policy: RetryPolicy,
        bucket: Limiter,
        semaphore: asyncio.Semaphore,
        sleep: Sleep,
    ) -> None:
        self.adapter = adapter
        self.client = client
        self._policy = policy
        self._bucket = bucket
        self._semaphore = semaphore
        self._sleep = sleep
        self.attempts = 0

    @cached_property
    def auth(self) -> httpx.Auth | None:
        """The adapter's `auth()`, asked once, at the first send: a missing credential is
        then reported by the call that needs it."""
        return self.adapter.auth()

    async def send(self, request: httpx.Request, *, requested: tuple[str, ...] = ()) -> RawResponse:
        """Send with retries; raise the typed error of the final failed attempt."""
        auth = self.auth

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self._policy.wait(state.attempt_number, error)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._policy.max_attempts),
            wait=wait,
            retry=retry_if_exception(should_retry),
            sleep=self._sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._send_once(request, requested, auth)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _send_once(
        self, request: httpx.Request, requested: tuple[str, ...], auth: httpx.Auth | None
    ) -> RawResponse:
        name = self.adapter.name
        number = ",".join(requested) or None
        if "timeout" not in request.extensions:
            request.extensions["timeout"] = httpx.Timeout(self.adapter.settings.timeout).as_dict()
        await self._bucket.acquire()
        async with self._semaphore:
            self.attempts += 1
            try:
                response = await self.client.send(request, auth=auth)
                body = await response.aread()
            except httpx.TimeoutException as exc:
                raise CarrierUnavailable(
                    f"timed out ({type(exc).__name__})", carrier=name, number=number
                ) from exc
            except httpx.TransportError as exc:
                raise CarrierUnavailable(
                    f"connection failed ({exc})", carrier=name, number=number
                ) from exc
        raw = RawResponse(
            body=body,
            status_code=response.status_code,
            headers=dict(response.headers),
            requested=requested,
        )
        error = self.adapter.error_for(raw)
        if error is not None:
            raise error
        return raw


def monotonic() -> float:
    return time.monotonic()
