"""Example Express's request, parser and push signature, with the carrier's HTTP mocked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
import respx
from suivi import RetryPolicy, Status, Tracker, errors
from suivi.toolkit import RawResponse

from suivi_carrier_example import ExampleAdapter, ExampleSettings
from suivi_carrier_example.webhook import authenticate, signature

pytestmark = pytest.mark.anyio

BASE = "https://api.test"
KEY = "key-0123"
Sample = Callable[[type[ExampleAdapter] | str, str], bytes]


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def tracker() -> AsyncIterator[Tracker]:
    settings = ExampleSettings(api_key=KEY, base_url=BASE)
    async with Tracker(
        settings={"example": settings}, retry=RetryPolicy(max_attempts=1), sleep=no_sleep
    ) as tracker:
        yield tracker


def reader() -> ExampleAdapter:
    return ExampleAdapter(ExampleSettings())


async def test_a_batch_is_one_post_with_the_key_header(tracker: Tracker, sample: Sample) -> None:
    with respx.mock(assert_all_called=True) as carrier:
        route = carrier.post(f"{BASE}/v1/track").respond(
            200, content=sample(ExampleAdapter, "two_parcels.json")
        )
        found, unknown = await tracker.track_many(
            [("example", "ex 2611 2300 75"), ("example", "EX2611239993")]
        )

    assert route.call_count == 1
    sent = route.calls.last.request
    assert sent.headers["X-Api-Key"] == KEY
    assert json.loads(sent.content) == json.loads(sample(ExampleAdapter, "request.json"))
    assert found.tracking is not None
    assert found.tracking.status is Status.OUT_FOR_DELIVERY
    assert isinstance(unknown.error, errors.ShipmentNotFound)


def test_times_are_read_on_lisbons_wall_clock(sample: Sample) -> None:
    raw = RawResponse(sample(ExampleAdapter, "delivered.json"))
    [tracking] = reader().parse(raw)
    # 11:47 in Lisbon, which is UTC in November (in Paris it would be 10:47 UTC).
    assert tracking.delivered_at == datetime(2026, 11, 24, 11, 47, tzinfo=UTC)
    assert [e.code for e in tracking.events][:3] == ["DLV", "SMS", "OFD"]


def test_a_summer_time_is_an_hour_ahead_of_utc() -> None:
    body = {
        "results": [
            {
                "parcel": "EX2611230018",
                "found": True,
                "events": [{"code": "COL", "time": "2026-07-14 10:00", "text": "Collected"}],
            }
        ]
    }
    [tracking] = reader().parse(RawResponse(json.dumps(body).encode()))
    assert tracking.events[0].timestamp == datetime(2026, 7, 14, 9, 0, tzinfo=UTC)


def test_the_sms_notice_does_not_hide_the_delivery(sample: Sample) -> None:
    [tracking] = reader().parse(RawResponse(sample(ExampleAdapter, "delivered.json")))
    sms = next(e for e in tracking.events if e.code == "SMS")
    assert sms.affects_status is False
    assert tracking.status is Status.DELIVERED


@pytest.mark.parametrize(
    ("number", "valid"),
    [("EX2611230018", True), ("ex-2611-2300-18", True), ("EX2611230017", False), ("EX261", False)],
)
def test_numbers_carry_a_luhn_check_digit(number: str, valid: bool) -> None:
    adapter = reader()
    if valid:
        assert adapter.validate(number) == "EX2611230018"
    else:
        with pytest.raises(errors.TrackingNumberInvalid, match="EX \\+ 10 digits"):
            adapter.validate(number)


async def test_without_a_key_nothing_is_sent_and_the_variable_is_named() -> None:
    async with Tracker(settings={"example": ExampleSettings(base_url=BASE)}) as tracker:
        with respx.mock(assert_all_called=False) as carrier:
            route = carrier.post(f"{BASE}/v1/track")
            result = (await tracker.track_many([("example", "EX2611230018")]))[0]
    assert isinstance(result.error, errors.ConfigurationError)
    assert "SUIVI_EXAMPLE_API_KEY" in result.error.message
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {}, errors.CarrierAuthError),
        (429, {"Retry-After": "30"}, errors.CarrierRateLimited),
        (503, {}, errors.CarrierUnavailable),
        (400, {}, errors.CarrierResponseInvalid),
    ],
)
async def test_http_errors_are_typed(
    tracker: Tracker, status: int, headers: dict[str, str], error: type[errors.SuiviError]
) -> None:
    with respx.mock() as carrier:
        carrier.post(f"{BASE}/v1/track").respond(
            status, json={"error": "too_many_parcels"}, headers=headers
        )
        with pytest.raises(error):
            await tracker.track("example", "EX2611230018")


def test_a_push_signed_with_the_secret_is_authentic(sample: Sample) -> None:
    body = sample(ExampleAdapter, "push_delivered.json")
    headers = {"X-Example-Signature": signature("s3cret", body)}
    assert authenticate("s3cret", headers, body)


@pytest.mark.parametrize("tamper", ["body", "secret", "header"])
def test_a_push_not_signed_with_the_secret_is_refused(sample: Sample, tamper: str) -> None:
    body = sample(ExampleAdapter, "push_delivered.json")
    headers = {"X-Example-Signature": signature("other" if tamper == "secret" else "s3cret", body)}
    if tamper == "header":
        headers = {"X-Signature": headers["X-Example-Signature"]}
    sent = body.replace(b"NBR", b"DLV") if tamper == "body" else body
    assert not authenticate("s3cret", headers, sent)
