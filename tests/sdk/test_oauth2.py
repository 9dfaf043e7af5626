"""OAuth 2.0 client credentials as an httpx.Auth: one token, cached, shared, renewed once."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Sequence
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import httpx
import pytest
import respx

from suivi import ENTRY_POINT_GROUP, Registry, Tracker, errors
from suivi.toolkit import (
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    NumberPattern,
    OAuth2ClientCredentials,
    RawResponse,
    Status,
    StatusMap,
    Tracking,
)

TOKEN_URL = "https://auth.example/oauth/token"
API_URL = "https://api.example/track/1"

CONTEXT = ssl.create_default_context()  # loaded once: each client would load it again
pytestmark = pytest.mark.anyio


def http(auth: httpx.Auth) -> httpx.AsyncClient:
    return httpx.AsyncClient(auth=auth, verify=CONTEXT)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def oauth(clock: FakeClock | None = None, **options: Any) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        TOKEN_URL, "client-x", "secret-y", carrier="acme", clock=clock or FakeClock(), **options
    )


def token(value: str = "tok-1", expires_in: Any = 3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": value, "expires_in": expires_in})


def bearers(route: respx.Route) -> list[str]:
    return [call.request.headers["Authorization"] for call in route.calls]


@respx.mock
async def test_the_token_is_asked_with_basic_credentials_and_reused() -> None:
    token_route = respx.post(TOKEN_URL).mock(return_value=token())
    api = respx.get(API_URL).respond(200)
    async with http(oauth()) as client:
        for _ in range(3):
            await client.get(API_URL)
    [asked] = token_route.calls
    basic = base64.b64encode(b"client-x:secret-y").decode()
    assert asked.request.headers["Authorization"] == f"Basic {basic}"
    assert asked.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert asked.request.content == b"grant_type=client_credentials"
    assert bearers(api) == ["Bearer tok-1"] * 3


@respx.mock
async def test_scope_and_extra_form_fields_travel_in_the_token_request() -> None:
    token_route = respx.post(TOKEN_URL).mock(return_value=token())
    respx.get(API_URL).respond(200)
    auth = oauth(scope="track read", form={"audience": "eu"})
    async with http(auth) as client:
        await client.get(API_URL)
    content = token_route.calls.last.request.content
    assert content == b"grant_type=client_credentials&scope=track+read&audience=eu"


@respx.mock
async def test_a_token_is_renewed_its_margin_before_it_expires() -> None:
    token_route = respx.post(TOKEN_URL).mock(side_effect=[token("tok-1", "600"), token("tok-2")])
    api = respx.get(API_URL).respond(200)
    clock = FakeClock()
    async with http(oauth(clock, margin=60)) as client:
        await client.get(API_URL)
        clock.now += 539  # 61 s left: still used
        await client.get(API_URL)
        clock.now += 2  # 59 s left: renewed
        await client.get(API_URL)
    assert token_route.call_count == 2
    assert bearers(api) == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


@pytest.mark.parametrize("expires_in", [60, 30])
@respx.mock
async def test_a_token_living_no_longer_than_the_margin_is_reused_half_its_life(
    expires_in: int,
) -> None:
    token_route = respx.post(TOKEN_URL).mock(
        side_effect=[token("tok-1", expires_in), token("tok-2", expires_in)]
    )
    api = respx.get(API_URL).respond(200)
    clock = FakeClock()
    async with http(oauth(clock, margin=60)) as client:
        await client.get(API_URL)
        clock.now += expires_in / 2 - 1  # before half its life: still used
        await client.get(API_URL)
        clock.now += 1  # half its life: renewed
        await client.get(API_URL)
    assert token_route.call_count == 2
    assert bearers(api) == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


@respx.mock
async def test_without_expires_in_the_token_lasts_until_refused() -> None:
    token_route = respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(200, json={"access_token": "forever"})
    )
    respx.get(API_URL).respond(200)
    clock = FakeClock()
    async with http(oauth(clock)) as client:
        await client.get(API_URL)
        clock.now += 10**7
        await client.get(API_URL)
    assert token_route.call_count == 1


@respx.mock
async def test_requests_starting_together_share_one_token_fetch() -> None:
    released = asyncio.Event()

    async def slow_token(request: httpx.Request) -> httpx.Response:
        await released.wait()
        return token()

    token_route = respx.post(TOKEN_URL).mock(side_effect=slow_token)
    api = respx.get(API_URL).respond(200)
    async with http(oauth()) as client:
        calls = [asyncio.create_task(client.get(API_URL)) for _ in range(5)]
        await asyncio.sleep(0.01)  # every request is now waiting for a token
        released.set()
        await asyncio.gather(*calls)
    assert token_route.call_count == 1
    assert bearers(api) == ["Bearer tok-1"] * 5


@respx.mock
async def test_a_401_renews_the_token_and_sends_again_once() -> None:
    token_route = respx.post(TOKEN_URL).mock(side_effect=[token("old"), token("new")])
    api = respx.get(API_URL).mock(side_effect=[httpx.Response(401), httpx.Response(200)])
    async with http(oauth()) as client:
        response = await client.get(API_URL)
    assert response.status_code == 200
    assert token_route.call_count == 2
    assert bearers(api) == ["Bearer old", "Bearer new"]


@respx.mock
async def test_a_second_401_is_the_answer() -> None:
    token_route = respx.post(TOKEN_URL).mock(side_effect=[token("old"), token("new")])
    api = respx.get(API_URL).respond(401)
    async with http(oauth()) as client:
        response = await client.get(API_URL)
    assert response.status_code == 401
    assert (token_route.call_count, api.call_count) == (2, 2)


@respx.mock
async def test_many_401s_to_one_token_renew_it_once() -> None:
    released = asyncio.Event()

    async def old_refused_once_released(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer old":
            await released.wait()
            return httpx.Response(401)
        return httpx.Response(200)

    token_route = respx.post(TOKEN_URL).mock(side_effect=[token("old"), token("new")])
    respx.get(API_URL).mock(side_effect=old_refused_once_released)
    async with http(oauth()) as client:
        calls = [asyncio.create_task(client.get(API_URL)) for _ in range(4)]
        await asyncio.sleep(0.01)  # all four were sent with "old"
        released.set()
        answers = await asyncio.gather(*calls)
    assert [answer.status_code for answer in answers] == [200] * 4
    assert token_route.call_count == 2  # "old", then one renewal for all four


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (httpx.Response(401, json={"error": "invalid_client"}), "invalid_client"),
        (
            httpx.Response(
                400, json={"error": "invalid_grant", "error_description": "unknown client"}
            ),
            "invalid_grant: unknown client",
        ),
        (httpx.Response(403, text="<html>\n  Forbidden\n</html>"), "<html> Forbidden </html>"),
        (httpx.Response(400), "empty answer"),
    ],
)
@respx.mock
async def test_a_refused_token_request_is_an_auth_error_naming_the_carrier(
    answer: httpx.Response, message: str
) -> None:
    respx.post(TOKEN_URL).mock(return_value=answer)
    api = respx.get(API_URL).respond(200)
    async with http(oauth()) as client:
        with pytest.raises(errors.CarrierAuthError, match=message) as raised:
            await client.get(API_URL)
    assert (raised.value.carrier, raised.value.http_status) == ("acme", answer.status_code)
    assert api.call_count == 0


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(503), errors.CarrierUnavailable),
        (httpx.Response(429, headers={"Retry-After": "9"}), errors.CarrierRateLimited),
    ],
)
@respx.mock
async def test_a_token_endpoint_outage_keeps_its_retryable_error(
    answer: httpx.Response, error: type[errors.CarrierError]
) -> None:
    respx.post(TOKEN_URL).mock(return_value=answer)
    async with http(oauth()) as client:
        with pytest.raises(error) as raised:
            await client.get(API_URL)
    assert raised.value.should_retry


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3600}),
        httpx.Response(200, json={"access_token": 42}),
        httpx.Response(200, json=["access_token"]),
        httpx.Response(200, json={"access_token": "t", "expires_in": "soon"}),
    ],
)
@respx.mock
async def test_an_unusable_token_answer_is_an_invalid_response(answer: httpx.Response) -> None:
    respx.post(TOKEN_URL).mock(return_value=answer)
    async with http(oauth()) as client:
        with pytest.raises(errors.CarrierResponseInvalid) as raised:
            await client.get(API_URL)
    assert raised.value.carrier == "acme"


def test_a_sync_client_is_refused_rather_than_sent_without_a_token() -> None:
    client = httpx.Client(auth=oauth(), verify=CONTEXT)
    with client, pytest.raises(RuntimeError, match="AsyncClient"):
        client.get(API_URL)


# -- through the Tracker: CarrierHTTP sends with the adapter's auth --------------------------


class TokenSettings(AdapterSettings):
    client_id: str | None = None


class TokenCarrier(Adapter):
    """A carrier whose every call needs a bearer token."""

    name: ClassVar[str] = "tokencarrier"
    display_name: ClassVar[str] = "Token Carrier"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (NumberPattern(r"\d+", "digits"),)
    default_base_url: ClassVar[str] = "https://api.example"
    settings_model: ClassVar[type[AdapterSettings]] = TokenSettings
    status_map: ClassVar[StatusMap] = StatusMap("tokencarrier", [("OK", Status.DELIVERED, None)])
    auth_calls: ClassVar[int] = 0

    def auth(self) -> httpx.Auth:
        type(self).auth_calls += 1
        return OAuth2ClientCredentials(
            TOKEN_URL, self.require("client_id"), "secret", carrier=self.name
        )

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        request = httpx.Request("GET", f"{self.base_url}/track/{numbers[0]}")
        return await http.send(request, requested=tuple(numbers))

    def parse(self, raw: RawResponse) -> list[Tracking]:
        return [Tracking.from_events(self.name, raw.requested[0], [])]


def token_tracker(**settings: Any) -> Tracker:
    point = EntryPoint("tokencarrier", f"{__name__}:TokenCarrier", ENTRY_POINT_GROUP)
    return Tracker(
        registry=Registry([point]),
        settings={"tokencarrier": TokenSettings(**settings)},
    )


@respx.mock
async def test_every_call_of_a_carrier_is_sent_with_the_auth_it_declares() -> None:
    TokenCarrier.auth_calls = 0
    token_route = respx.post(TOKEN_URL).mock(return_value=token())
    api = respx.get(url__startswith="https://api.example/track/").respond(200)
    async with token_tracker(client_id="client-x") as tracker:
        await tracker.track_many([("tokencarrier", "1"), ("tokencarrier", "2")])
        await tracker.track_many([("tokencarrier", "3")])
    assert bearers(api) == ["Bearer tok-1"] * 3
    assert (TokenCarrier.auth_calls, token_route.call_count) == (1, 1)


async def test_a_missing_credential_is_reported_by_the_call_that_needs_it() -> None:
    async with token_tracker() as tracker:
        with pytest.raises(errors.ConfigurationError, match="SUIVI_TOKENCARRIER_CLIENT_ID"):
            await tracker.track("tokencarrier", "1")
