"""Tracker behaviour over HTTP, with the fake carrier and respx: retries, limits, batches."""

from __future__ import annotations

import httpx
import pytest
import respx

from suivi import RetryPolicy, Status, SyncTracker, errors
from tests.sdk.helpers import BASE, VALID, RecordingSleep, make_tracker, parcel

pytestmark = pytest.mark.anyio

URL = f"{BASE}/v1/parcels"
DELIVERED = parcel(
    VALID[0], ("LBL", "2026-11-20T09:00:00+01:00"), ("DLV", "2026-11-21T10:00:00+01:00")
)


@respx.mock
async def test_track_sends_credentials_and_returns_normalized_tracking() -> None:
    route = respx.get(URL).respond(json={"parcels": [DELIVERED]})
    async with make_tracker(RecordingSleep()) as tracker:
        tracking = await tracker.track("fake", "fk 1000-0008")
    assert tracking.status is Status.DELIVERED
    assert tracking.tracking_number == VALID[0]
    request = route.calls.last.request
    assert request.headers["X-Api-Key"] == "k-123"
    assert request.url.params["numbers"] == VALID[0]


@respx.mock
async def test_server_errors_are_retried_until_success() -> None:
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(502),
            httpx.Response(200, json={"parcels": [DELIVERED]}),
        ]
    )
    sleep = RecordingSleep()
    async with make_tracker(sleep) as tracker:
        tracking = await tracker.track("fake", VALID[0])
    assert tracking.status is Status.DELIVERED
    assert route.call_count == 3
    assert len(sleep.waits) == 2
    assert all(0 < wait <= 1.0 for wait in sleep.waits)


@respx.mock
async def test_rate_limit_waits_for_retry_after() -> None:
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"parcels": [DELIVERED]}),
        ]
    )
    sleep = RecordingSleep()
    async with make_tracker(sleep) as tracker:
        await tracker.track("fake", VALID[0])
    assert route.call_count == 2
    assert sleep.waits == [7.0]


@respx.mock
async def test_retry_after_is_capped_by_the_policy() -> None:
    respx.get(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3600"}),
            httpx.Response(200, json={"parcels": [DELIVERED]}),
        ]
    )
    sleep = RecordingSleep()
    policy = RetryPolicy(max_attempts=2, max_retry_after=30.0)
    async with make_tracker(sleep, retry=policy) as tracker:
        await tracker.track("fake", VALID[0])
    assert sleep.waits == [30.0]


@respx.mock
async def test_rate_limit_that_persists_raises_with_retry_after() -> None:
    respx.get(URL).respond(429, headers={"Retry-After": "2"})
    async with make_tracker(RecordingSleep()) as tracker:
        with pytest.raises(errors.CarrierRateLimited) as caught:
            await tracker.track("fake", VALID[0])
    assert caught.value.retry_after == 2.0
    assert caught.value.carrier == "fake"


@respx.mock
async def test_timeouts_become_carrier_unavailable_after_all_attempts() -> None:
    route = respx.get(URL).mock(side_effect=httpx.ReadTimeout("slow"))
    async with make_tracker(RecordingSleep()) as tracker:
        with pytest.raises(errors.CarrierUnavailable, match="timed out") as caught:
            await tracker.track("fake", VALID[0])
    assert route.call_count == 3
    assert caught.value.number == VALID[0]


@respx.mock
async def test_connection_errors_are_retried() -> None:
    route = respx.get(URL).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(200, json={"parcels": [DELIVERED]}),
        ]
    )
    async with make_tracker(RecordingSleep()) as tracker:
        assert (await tracker.track("fake", VALID[0])).status is Status.DELIVERED
    assert route.call_count == 2


@respx.mock
async def test_auth_failure_is_not_retried() -> None:
    route = respx.get(URL).respond(401, json={"error": "bad key"})
    async with make_tracker(RecordingSleep()) as tracker:
        with pytest.raises(errors.CarrierAuthError) as caught:
            await tracker.track("fake", VALID[0])
    assert route.call_count == 1
    assert caught.value.http_status == 401
    assert "bad key" in (caught.value.body_excerpt or "")


@respx.mock
async def test_malformed_body_is_a_typed_error() -> None:
    respx.get(URL).respond(200, content=b'{"parcels": [{"numb')
    async with make_tracker(RecordingSleep()) as tracker:
        with pytest.raises(errors.CarrierResponseInvalid):
            await tracker.track("fake", VALID[0])


@respx.mock
async def test_unknown_number_raises_shipment_not_found() -> None:
    respx.get(URL).respond(json={"parcels": []})
    async with make_tracker(RecordingSleep()) as tracker:
        with pytest.raises(errors.ShipmentNotFound) as caught:
            await tracker.track("fake", VALID[1])
    assert caught.value.number == VALID[1]


@respx.mock
async def test_batch_with_one_invalid_number_tracks_the_others() -> None:
    route = respx.get(URL).respond(
        json={"parcels": [DELIVERED, parcel(VALID[1], ("HUB", "2026-11-20T12:00:00Z"))]}
    )
    async with make_tracker(RecordingSleep()) as tracker:
        results = await tracker.track_many(
            [("fake", VALID[0]), ("fake", "FK10000009"), ("fake", VALID[1])]
        )
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, errors.TrackingNumberInvalid)
    assert results[1].tracking_number == "FK10000009"
    assert results[2].tracking is not None
    assert results[2].tracking.status is Status.IN_TRANSIT
    assert route.call_count == 1
    assert route.calls.last.request.url.params["numbers"] == f"{VALID[0]},{VALID[1]}"


@respx.mock
async def test_batches_are_split_at_max_batch_and_results_keep_input_order() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        numbers = request.url.params["numbers"].split(",")
        return httpx.Response(
            200,
            json={"parcels": [parcel(n, ("OFD", "2026-11-21T08:00:00+01:00")) for n in numbers]},
        )

    route = respx.get(URL).mock(side_effect=answer)
    async with make_tracker(RecordingSleep()) as tracker:
        results = await tracker.track_many([("fake", n) for n in reversed(VALID)])
    assert route.call_count == 2  # 5 numbers, 3 per call
    assert [r.tracking_number for r in results] == list(reversed(VALID))
    assert all(
        r.tracking is not None and r.tracking.status is Status.OUT_FOR_DELIVERY for r in results
    )


@respx.mock
async def test_a_failed_batch_reports_the_error_on_each_of_its_items() -> None:
    respx.get(URL).respond(500)
    async with make_tracker(RecordingSleep()) as tracker:
        results = await tracker.track_many([("fake", VALID[0]), ("fake", VALID[1]), ("nope", "X")])
    assert isinstance(results[0].error, errors.CarrierUnavailable)
    assert isinstance(results[1].error, errors.CarrierUnavailable)
    assert isinstance(results[2].error, errors.AdapterNotFound)


async def test_missing_credentials_name_the_environment_variable() -> None:
    async with make_tracker(RecordingSleep(), settings={}) as tracker:
        with pytest.raises(errors.ConfigurationError, match="SUIVI_FAKE_API_KEY"):
            await tracker.track("fake", VALID[0])


@respx.mock
async def test_base_url_override_points_every_adapter_elsewhere() -> None:
    route = respx.get("http://127.0.0.1:9/v1/parcels").respond(json={"parcels": [DELIVERED]})
    sleep = RecordingSleep()
    from suivi import Registry, Tracker
    from suivi.testing import FakeCarrierSettings
    from tests.sdk.helpers import fake_point

    tracker = Tracker(
        registry=Registry([fake_point()]),
        settings={"fake": FakeCarrierSettings(api_key="k")},
        base_url="http://127.0.0.1:9",
        sleep=sleep,
    )
    async with tracker:
        await tracker.track("fake", VALID[0])
    assert route.call_count == 1


@respx.mock
def test_sync_facade_tracks_without_an_event_loop() -> None:
    respx.get(URL).respond(json={"parcels": [DELIVERED]})
    from suivi import Registry
    from suivi.testing import FakeCarrierSettings
    from tests.sdk.helpers import fake_point

    with SyncTracker(
        registry=Registry([fake_point()]), settings={"fake": FakeCarrierSettings(api_key="k")}
    ) as tracker:
        assert tracker.track("fake", VALID[0]).status is Status.DELIVERED
        assert tracker.detect(VALID[0]) == ["fake"]
