"""OAuth 2.0 client credentials (RFC 6749 §4.4) as an `httpx.Auth`, for carriers that need it.

An adapter returns one instance from `Adapter.auth()`; `CarrierHTTP` hands it to every request
it sends, so all of a carrier's calls (tracking, point directory…) share one token. The token
is fetched once however many requests start together, kept until `expires_in` minus a margin,
and renewed once when the API answers 401 to it: a carrier may revoke a token early.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from suivi._adapter import RawResponse, error_for_status
from suivi.errors import CarrierAuthError, CarrierResponseInvalid

_DETAIL_CHARS = 300
_BLANKS = re.compile(r"\s+")


class OAuth2ClientCredentials(httpx.Auth):
    """Bearer tokens from `token_url`, asked with HTTP Basic client credentials.

    `scope` and `form` add fields to the token request's form; `margin` (seconds) renews a
    token that long before it expires, at most half its lifetime (a carrier's short-lived token
    is still reused); `clock` (monotonic seconds) is injectable for tests.
    A refused token request raises CarrierAuthError (429 and 5xx keep their retryable
    errors); an answer without a usable `access_token` raises CarrierResponseInvalid.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        carrier: str,
        scope: str | None = None,
        form: Mapping[str, str] | None = None,
        margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.carrier = carrier
        self.margin = margin
        self.clock = clock
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._authorization = f"Basic {basic}"
        fields = {"grant_type": "client_credentials"}
        if scope:
            fields["scope"] = scope
        self._form = urlencode(fields | dict(form or {})).encode()
        self._token: tuple[str, float] | None = None  # (access token, renew at clock time)
        self._lock = asyncio.Lock()

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Refused: the token cache is guarded by an asyncio lock."""
        raise RuntimeError("OAuth2ClientCredentials needs an httpx.AsyncClient")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with the current token; on a 401, renew it (once for all callers) and resend
        once. A second 401 is the caller's answer: the credentials themselves are wrong."""
        refused: str | None = None
        for _ in range(2):
            token = self._current(refused)
            if token is None:
                async with self._lock:  # the first caller fetches; the others wait for it
                    token = self._current(refused)
                    if token is None:
                        answer = yield self._token_request(request)
                        await answer.aread()
                        token = self._store(answer)
            request.headers["Authorization"] = f"Bearer {token}"
            response = yield request
            if response.status_code != 401:
                return
            refused = token

    def _current(self, refused: str | None) -> str | None:
        """The cached token while it is fresh and not the one just refused."""
        if self._token is None:
            return None
        token, renew_at = self._token
        if token == refused or self.clock() >= renew_at:
            self._token = None
            return None
        return token

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        token_request = httpx.Request(
            "POST",
            self.token_url,
            headers={
                "Authorization": self._authorization,
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            content=self._form,
        )
        if "timeout" in request.extensions:
            token_request.extensions["timeout"] = request.extensions["timeout"]
        return token_request

    def _store(self, response: httpx.Response) -> str:
        """The answer's token, cached; the typed error of a refusal or an unusable answer."""
        raw = RawResponse(
            body=response.content,
            status_code=response.status_code,
            headers=dict(response.headers),
        )
        if not response.is_success:
            error = error_for_status(self.carrier, raw)
            if error is not None and not isinstance(error, CarrierAuthError):
                raise error  # quota or outage: retried like any other call
            raise CarrierAuthError(
                f"token request refused (HTTP {raw.status_code}): {_detail(raw.body)}",
                carrier=self.carrier,
                http_status=raw.status_code,
                body=raw.body,
            )
        token, lifetime = self._read(raw)
        if lifetime is None:
            renew_at = float("inf")
        else:
            renew_at = self.clock() + lifetime - min(self.margin, lifetime / 2)
        self._token = (token, renew_at)
        return token

    def _read(self, raw: RawResponse) -> tuple[str, float | None]:
        """`access_token` and `expires_in` (seconds; absent: valid until refused)."""
        try:
            data: Any = json.loads(raw.body)
        except (ValueError, RecursionError):
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise self._invalid("token answer without access_token", raw)
        expires_in = data.get("expires_in")
        if expires_in is None:
            return token, None
        try:
            return token, float(expires_in)
        except (TypeError, ValueError):
            raise self._invalid(f"token answer with expires_in {expires_in!r}", raw) from None

    def _invalid(self, message: str, raw: RawResponse) -> CarrierResponseInvalid:
        return CarrierResponseInvalid(
            message, carrier=self.carrier, http_status=raw.status_code, body=raw.body
        )


def _detail(body: bytes) -> str:
    """What a refusal says: RFC 6749's `error` and `error_description`, else the body."""
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        described = data.get("error_description")
        return f"{data['error']}: {described}" if isinstance(described, str) else data["error"]
    text = _BLANKS.sub(" ", body.decode("utf-8", "replace")).strip()
    return text[:_DETAIL_CHARS] or "empty answer"
