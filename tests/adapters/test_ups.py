"""UPS adapter: Track API parsing, status table, numbers, OAuth token handling and fetch."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import date, time, timedelta
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner

from suivi import (
    ENTRY_POINT_GROUP,
    Registry,
    RetryPolicy,
    Status,
    Substatus,
    Tracker,
    Tracking,
    errors,
)
from suivi.cli import main
from suivi.toolkit import RawResponse
from suivi_adapters.ups import UpsAdapter, UpsSettings
from suivi_adapters.ups.codes import STATUS_MAP
from tests.conftest import SHARED, fixture_bytes, samples_dir
from tests.sdk.helpers import RecordingSleep

ADAPTER = UpsAdapter(UpsSettings())
BASE = "https://onlinetools.ups.com"
TOKEN_URL = f"{BASE}/security/v1/oauth/token"
NUMBER = "1Z999AA10123456784"
TRACK_URL = f"{BASE}/api/track/v1/details/{NUMBER}"
SETTINGS = UpsSettings(client_id="client-x", client_secret="secret-y")
SAMPLES = sorted(p.name for p in samples_dir("ups").glob("*.json") if p.stem != "expected")
PEERS = SHARED / "peer-samples" / "karrio" / "ups"
REFERENCE = SHARED / "carrier-samples" / "ups" / "REFERENCE_codes.md"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_bytes("ups", name))
    return data


def parse(body: bytes | dict[str, Any], *requested: str, status: int = 200) -> list[Tracking]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return ADAPTER.parse(RawResponse(body=raw, status_code=status, requested=requested))


def parse_one(body: bytes | dict[str, Any], *requested: str) -> Tracking:
    [tracking] = parse(body, *requested)
    return tracking


def package_of(data: dict[str, Any]) -> dict[str, Any]:
    package: dict[str, Any] = data["trackResponse"]["shipment"][0]["package"][0]
    return package


def with_activity(**status: str) -> dict[str, Any]:
    """The in-transit sample whose newest activity has the given status fields."""
    data = sample("in_transit.json")
    package_of(data)["activity"][0]["status"] = {"description": "Some label", **status}
    return data


# -- samples ---------------------------------------------------------------------------------


def test_delivered_sample() -> None:
    tracking = parse_one(fixture_bytes("ups", "delivered.json"))
    assert (tracking.status, tracking.substatus) == (Status.DELIVERED, Substatus.TO_RECIPIENT)
    assert tracking.tracking_number == NUMBER
    assert [e.code for e in tracking.events] == ["011", "021", "071", "005", "038", "003"]
    newest = tracking.events[0]
    assert newest.timestamp.isoformat() == "2026-04-15T14:32:05+02:00"
    assert newest.label == "DELIVERED"
    assert newest.location is not None
    assert (newest.location.city, newest.location.postcode) == ("LYON", "69003")
    assert tracking.events[-1].status is Status.INFO_RECEIVED
    assert tracking.events[-2].substatus is Substatus.PICKED_UP
    assert tracking.delivered_at == newest.timestamp
    assert tracking.signed_by == "DUPONT"
    assert tracking.service == "UPS Standard"
    assert tracking.weight_kg == 2.3
    assert (tracking.destination_country, tracking.destination_postcode) == ("FR", "69003")
    assert tracking.origin_country == "FR"
    assert tracking.estimate is not None
    assert tracking.estimate.earliest == tracking.estimate.latest == date(2026, 4, 15)
    assert tracking.estimate.end_time == time(14, 32, 5)
    assert tracking.estimate.source == "carrier"


def test_in_transit_sample() -> None:
    tracking = parse_one(fixture_bytes("ups", "in_transit.json"))
    assert (tracking.status, tracking.substatus) == (Status.IN_TRANSIT, None)
    assert len(tracking.events) == 4
    timestamps = [e.timestamp for e in tracking.events]
    assert timestamps == sorted(timestamps, reverse=True)
    assert all(t.utcoffset() == timedelta(hours=2) for t in timestamps)
    assert tracking.events[0].location is not None
    assert tracking.events[0].location.country == "DE"
    assert (tracking.destination_country, tracking.destination_postcode) == ("DE", "10115")
    assert tracking.estimate is not None
    assert tracking.estimate.earliest == date(2026, 5, 22)
    assert (tracking.estimate.start_time, tracking.estimate.end_time) == (None, time(23, 59))
    assert tracking.signed_by is None
    assert tracking.pickup_point is None


def test_address_problem_sample_uses_the_rescheduled_date() -> None:
    tracking = parse_one(fixture_bytes("ups", "exception_address_problem.json"))
    assert (tracking.status, tracking.substatus) == (Status.EXCEPTION, Substatus.ADDRESS_PROBLEM)
    assert tracking.events[0].code == "050"
    assert tracking.estimate is not None
    assert tracking.estimate.earliest == date(2026, 10, 8)


def test_not_found_warning_gives_a_not_found_tracking() -> None:
    tracking = parse_one(fixture_bytes("ups", "not_found.json"))
    assert tracking.status is Status.NOT_FOUND
    assert tracking.tracking_number == "1Z999AA10000000001"
    assert tracking.events == ()


def test_not_found_as_404_error_uses_the_requested_number() -> None:
    body = {"response": {"errors": [{"code": "TW0001", "message": "Not Found"}]}}
    [tracking] = parse(body, NUMBER, status=404)
    assert (tracking.status, tracking.tracking_number) == (Status.NOT_FOUND, NUMBER)


def test_invalid_number_sample_raises_tracking_number_invalid() -> None:
    with pytest.raises(errors.TrackingNumberInvalid, match="TV1002"):
        parse(fixture_bytes("ups", "invalid_number.json"), NUMBER, status=400)


def test_oauth_error_sample_raises_auth_error() -> None:
    with pytest.raises(errors.CarrierAuthError, match="ClientId is Invalid"):
        parse(fixture_bytes("ups", "oauth_error.json"))


def test_token_answer_is_not_a_tracking_answer() -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        parse(fixture_bytes("ups", "oauth_token.json"))


def test_unknown_error_code_is_an_invalid_response() -> None:
    body = {"response": {"errors": [{"code": "XX9999", "message": "Something odd"}]}}
    with pytest.raises(errors.CarrierResponseInvalid, match="XX9999"):
        parse(body, NUMBER, status=400)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_truncation_is_a_typed_error(name: str) -> None:
    body = fixture_bytes("ups", name).rstrip()
    for end in range(len(body)):
        with pytest.raises(errors.CarrierResponseInvalid):
            parse(body[:end], NUMBER)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: package_of(d).update(activity=[None]),
        lambda d: d["trackResponse"].update(shipment=["x"]),
        lambda d: d["trackResponse"].update(shipment=None),
        lambda d: d.update(trackResponse=[]),
    ],
)
def test_broken_structures_are_invalid_responses(mutate: Any) -> None:
    data = sample("in_transit.json")
    mutate(data)
    with pytest.raises(errors.CarrierResponseInvalid):
        parse(data, NUMBER)


@pytest.mark.parametrize("body", [b"[]", b"42", b'"text"', b"null", b"{}"])
def test_bodies_of_the_wrong_shape_are_invalid_responses(body: bytes) -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        parse(body, NUMBER)


def test_placeholder_metadata_is_ignored_not_fatal() -> None:
    data = sample("in_transit.json")
    package = package_of(data)
    package.update(weight={"weight": "n/a"}, deliveryDate=[{"type": "SDD", "date": "soon"}])
    tracking = parse_one(data)
    assert (tracking.weight_kg, tracking.estimate) == (None, None)
    assert tracking.status is Status.IN_TRANSIT


# -- CLI -------------------------------------------------------------------------------------


def test_cli_parse_prints_the_normalized_json() -> None:
    result = CliRunner().invoke(main, ["parse", "ups", str(samples_dir("ups") / "delivered.json")])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert {"carrier", "tracking_number", "status", "substatus", "events", "estimate"} <= set(
        payload
    )
    assert (payload["carrier"], payload["status"]) == ("ups", "delivered")
    assert payload["estimate"]["earliest"] == "2026-04-15"


def test_cli_parse_of_a_truncated_body_exits_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(fixture_bytes("ups", "delivered.json")[:300])
    result = CliRunner().invoke(main, ["parse", "ups", str(broken)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


# -- status table ----------------------------------------------------------------------------


def test_every_code_in_the_table_maps_to_a_known_status() -> None:
    for code in STATUS_MAP.codes:
        mapping = STATUS_MAP.lookup(code)
        assert mapping.known, code
        assert mapping.status in Status


def test_every_reference_status_code_and_type_is_mapped() -> None:
    if not REFERENCE.exists():
        pytest.skip("shared carrier samples not available")
    lines = REFERENCE.read_text(encoding="utf-8").split("## ")
    [types] = [part for part in lines if part.startswith("Package activity types")]
    [status_codes] = [part for part in lines if part.startswith("Status/description codes")]
    found = re.findall(r"^\| ([A-Z]{1,2}) \|", types, re.M) + [
        c.zfill(3) for c in re.findall(r"^\| (\d+) \|", status_codes, re.M)
    ]
    assert len(found) == 170
    assert [code for code in found if code not in STATUS_MAP] == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"statusCode": "011", "type": "D"}, (Status.DELIVERED, Substatus.TO_RECIPIENT, "011")),
        ({"statusCode": "34", "type": "D"}, (Status.RETURNED, None, "034")),
        ({"statusCode": "048", "type": "X"}, (Status.IN_TRANSIT, Substatus.DELAYED, "048")),
        (
            {"statusCode": "161", "type": "X"},
            (Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT, "161"),
        ),
        ({"statusCode": "999", "type": "I"}, (Status.IN_TRANSIT, None, "I")),
        ({"type": "M"}, (Status.INFO_RECEIVED, Substatus.LABEL_CREATED, "M")),
        ({"statusCode": "064", "type": "X"}, (Status.EXCEPTION, Substatus.REFUSED, "064")),
    ],
)
def test_status_code_decides_and_type_is_the_fallback(
    status: dict[str, str], expected: tuple[Status, Substatus | None, str]
) -> None:
    event = parse_one(with_activity(**status)).events[0]
    assert (event.status, event.substatus, event.code) == expected


def test_unknown_code_and_type_give_exception_unknown_with_the_label_kept() -> None:
    event = parse_one(with_activity(statusCode="999", type="ZZ", description="Odd scan")).events[0]
    assert (event.status, event.substatus) == (Status.EXCEPTION, Substatus.UNKNOWN)
    assert (event.code, event.label) == ("999", "Odd scan")


@pytest.mark.parametrize(
    ("label", "substatus"),
    [
        ("DELIVERED TO NEIGHBOUR", Substatus.TO_NEIGHBOUR),
        ("Livré chez un voisin", Substatus.TO_NEIGHBOUR),
        ("DELIVERED: The receiver picked up the package", Substatus.COLLECTED_AT_PICKUP_POINT),
        ("DELIVERED", Substatus.TO_RECIPIENT),
    ],
)
def test_delivery_wording_refines_code_011(label: str, substatus: Substatus) -> None:
    tracking = parse_one(with_activity(statusCode="011", type="D", description=label))
    assert (tracking.status, tracking.substatus) == (Status.DELIVERED, substatus)


def test_notices_do_not_change_the_current_status() -> None:
    tracking = parse_one(with_activity(statusCode="154", type="I"))
    assert tracking.events[0].affects_status is False
    assert tracking.status is Status.IN_TRANSIT


# -- times, weight, pickup point ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "iso"),
    [
        (
            {"gmtDate": "20260520", "gmtTime": "74700", "gmtOffset": "-05:00"},
            "2026-05-20T02:47:00-05:00",
        ),
        (
            {"gmtDate": "20260520", "gmtTime": "21:15:00", "gmtOffset": "+0100"},
            "2026-05-20T22:15:00+01:00",
        ),
        ({"gmtDate": "", "gmtTime": "", "gmtOffset": "+02:00"}, "2026-05-20T23:15:00+02:00"),
        ({"gmtDate": None, "gmtTime": None, "gmtOffset": None}, "2026-05-20T23:15:00+02:00"),
        ({"date": "20270120", "gmtOffset": ""}, "2027-01-20T23:15:00+01:00"),
    ],
)
def test_timestamps_are_exact_and_aware(fields: dict[str, Any], iso: str) -> None:
    data = sample("in_transit.json")
    package_of(data)["activity"][0].update(fields)
    assert parse_one(data).events[0].timestamp.isoformat() == iso


def test_pounds_are_converted_to_kilograms() -> None:
    data = sample("in_transit.json")
    package_of(data)["weight"] = {"unitOfMeasurement": "LBS", "weight": "10.0"}
    assert parse_one(data).weight_kg == 4.536


def test_access_point_information_gives_the_pickup_point() -> None:
    data = sample("in_transit.json")
    package = package_of(data)
    package["accessPointInformation"] = {"pickupByDate": "20260530"}
    package["packageAddress"].append(
        {
            "type": "DELIVERY",
            "name": "TABAC LE BALTO",
            "address": {
                "addressLine1": "12 RUE OBERKAMPF",
                "city": "PARIS",
                "postalCode": "75011",
                "countryCode": "FR",
            },
        }
    )
    point = parse_one(data).pickup_point
    assert point is not None
    assert (point.name, point.address, point.postcode, point.city) == (
        "TABAC LE BALTO",
        "12 RUE OBERKAMPF",
        "75011",
        "PARIS",
    )
    assert point.deadline == date(2026, 5, 30)


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "score"),
    [
        ("1Z999AA10123456784", 2),
        ("1z 999 aa1 0123 4567 84", 2),
        ("1Z999AA10123456785", 0),  # wrong check digit
        ("1Z999AA1012345678", 0),  # too short
        ("T1234567890", 1),
        ("123456789", 1),
        ("12345678", 0),
    ],
)
def test_number_shapes_and_check_digit(number: str, score: int) -> None:
    assert ADAPTER.match_score(number) == score


def test_validate_names_the_accepted_shapes() -> None:
    assert ADAPTER.validate("1z999aa10123456784") == NUMBER
    with pytest.raises(errors.TrackingNumberInvalid, match="1Z"):
        ADAPTER.validate("1Z999AA10123456785")


def test_detect_finds_ups_numbers() -> None:
    registry = Registry([EntryPoint("ups", "suivi_adapters.ups:UpsAdapter", ENTRY_POINT_GROUP)])
    tracker = Tracker(registry=registry)
    assert tracker.detect("1Z999AA10123456784") == ["ups"]
    assert tracker.detect("1Z999AA10123456785") == []


# -- fetch through the Tracker (respx) ---------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_answer(token: str = "tok-1", expires_in: str = "14399") -> httpx.Response:
    body = json.loads(fixture_bytes("ups", "oauth_token.json"))
    return httpx.Response(200, json=body | {"access_token": token, "expires_in": expires_in})


def delivered() -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes("ups", "delivered.json"))


def make_tracker(sleep: RecordingSleep | None = None, **settings: Any) -> Tracker:
    registry = Registry([EntryPoint("ups", "suivi_adapters.ups:UpsAdapter", ENTRY_POINT_GROUP)])
    return Tracker(
        registry=registry,
        settings={"ups": SETTINGS.model_copy(update=settings)},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0),
        sleep=sleep or RecordingSleep(),
    )


@pytest.mark.anyio
@respx.mock
async def test_requests_are_exactly_what_ups_expects() -> None:
    token_route = respx.post(TOKEN_URL).mock(return_value=token_answer())
    track_route = respx.get(TRACK_URL).mock(return_value=delivered())
    async with make_tracker() as tracker:
        tracking = await tracker.track("ups", "1z999aa10123456784")
        await tracker.track("ups", NUMBER)
    assert tracking.status is Status.DELIVERED
    token_request = token_route.calls.last.request
    assert (
        token_request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"client-x:secret-y").decode()
    )
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_request.content == b"grant_type=client_credentials"
    first, second = (call.request for call in track_route.calls)
    assert first.url.path == f"/api/track/v1/details/{NUMBER}"
    assert dict(first.url.params) == {
        "locale": "fr_FR",
        "returnSignature": "false",
        "returnMilestones": "false",
        "returnPOD": "false",
    }
    assert first.headers["Authorization"] == "Bearer tok-1"
    assert first.headers["transactionSrc"] == "suivi"
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["transId"])
    assert first.headers["transId"] != second.headers["transId"]
    assert token_route.call_count == 1  # the token is cached between calls


@pytest.mark.anyio
@respx.mock
async def test_locale_setting_is_sent() -> None:
    respx.post(TOKEN_URL).mock(return_value=token_answer())
    route = respx.get(TRACK_URL).mock(return_value=delivered())
    async with make_tracker(locale="en_US") as tracker:
        await tracker.track("ups", NUMBER)
    assert route.calls.last.request.url.params["locale"] == "en_US"


@pytest.mark.anyio
@respx.mock
async def test_token_is_renewed_shortly_before_it_expires() -> None:
    token_route = respx.post(TOKEN_URL).mock(
        side_effect=[token_answer("tok-1", "600"), token_answer("tok-2", "600")]
    )
    track_route = respx.get(TRACK_URL).mock(return_value=delivered())
    clock = FakeClock()
    async with make_tracker() as tracker:
        adapter = tracker.adapter("ups")
        assert isinstance(adapter, UpsAdapter)
        adapter.auth().clock = clock
        await tracker.track("ups", NUMBER)
        clock.now += 530  # still valid: 70 s left, more than the 60 s margin
        await tracker.track("ups", NUMBER)
        clock.now += 20  # 50 s left: renewed
        await tracker.track("ups", NUMBER)
    assert token_route.call_count == 2
    bearers = [call.request.headers["Authorization"] for call in track_route.calls]
    assert bearers == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


@pytest.mark.anyio
@respx.mock
async def test_a_401_renews_the_token_and_retries_once() -> None:
    token_route = respx.post(TOKEN_URL).mock(side_effect=[token_answer("old"), token_answer("new")])
    unauthorized = {"response": {"errors": [{"code": "250002", "message": "Invalid Auth"}]}}
    track_route = respx.get(TRACK_URL).mock(
        side_effect=[httpx.Response(401, json=unauthorized), delivered()]
    )
    async with make_tracker() as tracker:
        tracking = await tracker.track("ups", NUMBER)
    assert tracking.status is Status.DELIVERED
    assert token_route.call_count == 2
    assert track_route.calls.last.request.headers["Authorization"] == "Bearer new"


@pytest.mark.anyio
@respx.mock
async def test_a_second_401_is_an_auth_error() -> None:
    token_route = respx.post(TOKEN_URL).mock(return_value=token_answer())
    unauthorized = {"response": {"errors": [{"code": "250002", "message": "Invalid Auth"}]}}
    track_route = respx.get(TRACK_URL).respond(401, json=unauthorized)
    async with make_tracker() as tracker:
        with pytest.raises(errors.CarrierAuthError, match="250002"):
            await tracker.track("ups", NUMBER)
    assert (token_route.call_count, track_route.call_count) == (2, 2)


@pytest.mark.anyio
@respx.mock
async def test_token_endpoint_errors_are_auth_errors() -> None:
    respx.post(TOKEN_URL).respond(401, content=fixture_bytes("ups", "oauth_error.json"))
    track_route = respx.get(TRACK_URL).mock(return_value=delivered())
    async with make_tracker() as tracker:
        with pytest.raises(errors.CarrierAuthError, match="ClientId is Invalid"):
            await tracker.track("ups", NUMBER)
    assert track_route.call_count == 0


@pytest.mark.anyio
@respx.mock
async def test_token_refused_with_400_is_an_auth_error() -> None:
    body = {"response": {"errors": [{"code": "10400", "message": "Invalid grant_type"}]}}
    respx.post(TOKEN_URL).respond(400, json=body)
    async with make_tracker() as tracker:
        with pytest.raises(errors.CarrierAuthError, match="10400"):
            await tracker.track("ups", NUMBER)


@pytest.mark.anyio
async def test_missing_credentials_are_a_configuration_error() -> None:
    async with make_tracker(client_id=None) as tracker:
        with pytest.raises(errors.ConfigurationError, match="SUIVI_UPS_CLIENT_ID"):
            await tracker.track("ups", NUMBER)


@pytest.mark.anyio
@respx.mock
async def test_concurrent_tracks_share_one_token_request() -> None:
    token_route = respx.post(TOKEN_URL).mock(return_value=token_answer())
    respx.get(url__regex=rf"{BASE}/api/track/v1/details/.*").mock(return_value=delivered())
    async with make_tracker() as tracker:
        await asyncio.gather(*(tracker.track("ups", NUMBER) for _ in range(4)))
    assert token_route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_not_found_answers_raise_shipment_not_found() -> None:
    respx.post(TOKEN_URL).mock(return_value=token_answer())
    not_found = {"response": {"errors": [{"code": "TW0001", "message": "Not Found"}]}}
    respx.get(TRACK_URL).mock(
        side_effect=[
            httpx.Response(404, json=not_found),
            httpx.Response(200, content=fixture_bytes("ups", "not_found.json")),
        ]
    )
    async with make_tracker() as tracker:
        for _ in range(2):
            with pytest.raises(errors.ShipmentNotFound):
                await tracker.track("ups", NUMBER)


@pytest.mark.anyio
@respx.mock
async def test_invalid_inquiry_number_raises_tracking_number_invalid() -> None:
    respx.post(TOKEN_URL).mock(return_value=token_answer())
    respx.get(TRACK_URL).respond(400, content=fixture_bytes("ups", "invalid_number.json"))
    async with make_tracker() as tracker:
        with pytest.raises(errors.TrackingNumberInvalid):
            await tracker.track("ups", NUMBER)


@pytest.mark.anyio
@respx.mock
async def test_rate_limit_waits_for_retry_after_then_succeeds() -> None:
    respx.post(TOKEN_URL).mock(return_value=token_answer())
    too_many = {"response": {"errors": [{"code": "429", "message": "Too Many Requests"}]}}
    route = respx.get(TRACK_URL).mock(
        side_effect=[httpx.Response(429, json=too_many, headers={"Retry-After": "7"}), delivered()]
    )
    sleep = RecordingSleep()
    async with make_tracker(sleep) as tracker:
        tracking = await tracker.track("ups", NUMBER)
    assert tracking.status is Status.DELIVERED
    assert route.call_count == 2
    assert sleep.waits == [7.0]


@pytest.mark.anyio
@respx.mock
async def test_server_error_then_success() -> None:
    respx.post(TOKEN_URL).mock(return_value=token_answer())
    unavailable = {"response": {"errors": [{"code": "503", "message": "Unavailable"}]}}
    route = respx.get(TRACK_URL).mock(
        side_effect=[httpx.Response(503, json=unavailable), delivered()]
    )
    sleep = RecordingSleep()
    async with make_tracker(sleep) as tracker:
        tracking = await tracker.track("ups", NUMBER)
    assert tracking.status is Status.DELIVERED
    assert route.call_count == 2
    assert len(sleep.waits) == 1


@pytest.mark.anyio
@respx.mock
async def test_persistent_outage_is_carrier_unavailable() -> None:
    respx.post(TOKEN_URL).mock(return_value=token_answer())
    route = respx.get(TRACK_URL).respond(503, json={"response": {"errors": []}})
    async with make_tracker() as tracker:
        with pytest.raises(errors.CarrierUnavailable):
            await tracker.track("ups", NUMBER)
    assert route.call_count == 3


@pytest.mark.anyio
@respx.mock
async def test_one_request_per_number_and_one_bad_number_does_not_fail_the_others() -> None:
    other = "1Z999AA10123456793"
    respx.post(TOKEN_URL).mock(return_value=token_answer())
    first = respx.get(TRACK_URL).mock(return_value=delivered())
    second = respx.get(f"{BASE}/api/track/v1/details/{other}").respond(
        404, json={"response": {"errors": [{"code": "TW0001", "message": "Not Found"}]}}
    )
    async with make_tracker() as tracker:
        results = await tracker.track_many([("ups", NUMBER), ("ups", other), ("ups", "1Z0")])
    assert results[0].tracking is not None
    assert results[0].tracking.status is Status.DELIVERED
    assert isinstance(results[1].error, errors.ShipmentNotFound)
    assert isinstance(results[2].error, errors.TrackingNumberInvalid)
    assert (first.call_count, second.call_count) == (1, 1)


# -- peer samples (read in place, never copied) ------------------------------------------------

PEER_EXPECTATIONS: dict[str, Status | type[errors.SuiviError]] = {
    "karrio_tracking_response.json": Status.INFO_RECEIVED,  # statusCode 003 decides over type X
    "karrio_tracking_number_not_found.json": Status.NOT_FOUND,
    "karrio_invalid_tracking_number.json": errors.TrackingNumberInvalid,
    "karrio_auth_error.json": errors.CarrierAuthError,
}


@pytest.mark.parametrize("name", sorted(PEER_EXPECTATIONS))
def test_karrio_peer_samples(name: str) -> None:
    path = PEERS / name
    if not path.exists():
        pytest.skip("karrio peer samples not available")
    expected = PEER_EXPECTATIONS[name]
    if isinstance(expected, Status):
        [tracking] = parse(path.read_bytes(), NUMBER)
        assert tracking.status is expected
    else:
        with pytest.raises(expected):
            parse(path.read_bytes(), NUMBER)
