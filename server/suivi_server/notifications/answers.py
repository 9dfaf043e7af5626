"""The one place an HTTP answer (or its absence) becomes a channel outcome.

Throttling (429), server errors (5xx), timeouts and broken connections are worth another try,
after the provider's `Retry-After` when it gives one; any other refusal is final, with the
provider's own words so the delivery log says what to fix.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from suivi.toolkit import retry_after_seconds
from suivi_server.notifications.channels import Accepted, Outcome, Rejected, TryLater

REASON_CHARS = 200


def for_response(
    response: httpx.Response,
    *,
    provider_id: str | None = None,
    reason: str | None = None,
    retry_after: float | None = None,
) -> Outcome:
    """Accepted on 2xx; `reason` is the provider's explanation of a refusal, when it has one;
    `retry_after` (seconds) replaces `Retry-After` for providers that say it another way."""
    status = response.status_code
    said = (reason or response.text or response.reason_phrase)[:REASON_CHARS]
    if 200 <= status < 300:
        return Accepted(provider_id, f"{status} {response.text[:REASON_CHARS]}".rstrip())
    if status == 429 or status >= 500:
        seconds = retry_after if retry_after is not None else retry_after_seconds(response.headers)
        after = timedelta(seconds=seconds) if seconds is not None else None
        return TryLater(f"{status} {said}".rstrip(), after)
    return Rejected(f"{status} {said}".rstrip())


async def send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response | TryLater:
    """The response, or TryLater when none came (timeout, refused or broken connection)."""
    try:
        return await client.send(request)
    except httpx.TimeoutException:
        return TryLater(f"no answer from {request.url.host} in time")
    except httpx.TransportError as exc:
        return TryLater(f"could not reach {request.url.host}: {str(exc) or type(exc).__name__}")
