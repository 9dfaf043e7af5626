"""UPS Track Alert pushes: parsed through the UPS adapter's own tables, malformed → typed error."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from suivi import Location, Status, Substatus, Tracking, errors
from suivi.toolkit import RawResponse
from suivi_adapters.ups import UpsAdapter, UpsSettings
from suivi_adapters.ups.webhook import MAX_SUBSCRIPTION_NUMBERS, subscription_body
from tests.conftest import fixture_bytes

NUMBER = "1Z999AA10123456784"
PARIS_WINTER = timezone(timedelta(hours=1))
SECRET = "s3cret-from-the-subscription"


def read_push(body: bytes) -> Tracking:
    """A push read as the server reads it: through the webhook the adapter declares."""
    assert UpsAdapter.webhook is not None
    [tracking] = UpsAdapter.webhook.parse(body)
    return tracking


def alert(name: str, **changes: Any) -> bytes:
    data: dict[str, Any] = json.loads(fixture_bytes("ups", f"track_alert_{name}.json"))
    data.update(changes)
    return json.dumps(data).encode()


def test_delivered_push() -> None:
    tracking = read_push(fixture_bytes("ups", "track_alert_delivered.json"))
    assert (tracking.carrier, tracking.tracking_number) == ("ups", NUMBER)
    assert (tracking.status, tracking.substatus) == (Status.DELIVERED, Substatus.TO_RECIPIENT)
    [event] = tracking.events
    assert (event.code, event.label) == ("011", "DELIVERED")
    assert event.timestamp == datetime(2026, 11, 25, 8, 22, 5, tzinfo=UTC)
    assert event.timestamp.utcoffset() == timedelta(hours=1)  # local − GMT, as UPS sent it
    assert event.location == Location(city="LYON", postcode="69003", country="FR")
    assert tracking.delivered_at == event.timestamp
    assert tracking.estimate is not None
    assert (tracking.estimate.earliest, tracking.estimate.latest) == (date(2026, 11, 25),) * 2
    assert tracking.estimate.end_time == time(9, 22, 5)  # actualDeliveryTime
    assert tracking.estimate.source == "carrier"


def test_out_for_delivery_push_carries_the_announced_window() -> None:
    tracking = read_push(fixture_bytes("ups", "track_alert_out_for_delivery.json"))
    assert (tracking.status, tracking.substatus) == (Status.OUT_FOR_DELIVERY, None)
    assert tracking.events[0].timestamp == datetime(2026, 11, 25, 7, 11, 44, tzinfo=PARIS_WINTER)
    assert tracking.delivered_at is None
    assert tracking.estimate is not None
    assert tracking.estimate.latest == date(2026, 11, 25)  # scheduledDeliveryDate
    assert (tracking.estimate.start_time, tracking.estimate.end_time) == (time(12), time(15))


def test_exception_push_and_a_padded_number() -> None:
    tracking = read_push(fixture_bytes("ups", "track_alert_exception.json"))
    assert tracking.tracking_number == NUMBER  # UPS's own example pads it with a space
    assert (tracking.status, tracking.substatus) == (Status.EXCEPTION, Substatus.ADDRESS_PROBLEM)
    assert tracking.events[0].code == "050"
    assert tracking.estimate is not None
    assert tracking.estimate.latest == date(2026, 11, 26)


def test_same_code_and_instant_as_the_track_api_so_the_server_stores_it_once() -> None:
    polled = UpsAdapter(UpsSettings()).parse(
        RawResponse(body=fixture_bytes("ups", "delivered.json"), requested=(NUMBER,))
    )
    pushed = read_push(
        alert(
            "delivered",
            localActivityDate="20260415",
            localActivityTime="143205",
            gmtActivityDate="20260415",
            gmtActivityTime="123205",
        )
    )
    newest = polled[0].events[0]
    assert (pushed.events[0].timestamp, pushed.events[0].code) == (newest.timestamp, newest.code)


def test_documented_example_with_a_us_offset() -> None:
    """The spec's "UPS has your package" message: local 21:29 on the 22nd is 01:29 GMT."""
    body = {
        "activityLocation": {
            "city": "Hickory", "country": "US", "postalCode": "", "stateProvince": "NC"
        },
        "activityStatus": {
            "code": "OR", "description": "On the Way", "descriptionCode": "005", "type": "I"
        },
        "actualDeliveryDate": "",
        "actualDeliveryTime": "",
        "deliveryEndTime": "",
        "deliveryStartTime": "",
        "deliveryTimeDescription": "end of day",
        "gmtActivityDate": "20240423",
        "gmtActivityTime": "012901",
        "localActivityDate": "20240422",
        "localActivityTime": "212901",
        "scheduledDeliveryDate": "20240423",
        "trackingNumber": "1ZABCXYZ0112346789",
    }  # fmt: skip
    tracking = read_push(json.dumps(body).encode())
    [event] = tracking.events
    assert event.timestamp.isoformat() == "2024-04-22T21:29:01-04:00"
    assert (event.status, event.code) == (Status.IN_TRANSIT, "005")
    assert event.location == Location(city="Hickory", country="US")


def test_without_gmt_the_local_time_is_read_in_paris() -> None:
    tracking = read_push(alert("delivered", gmtActivityDate="", gmtActivityTime=""))
    assert tracking.events[0].timestamp == datetime(2026, 11, 25, 8, 22, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"type": "D", "description": "Delivered"}, (Status.DELIVERED, Substatus.TO_RECIPIENT)),
        ({"type": "I", "descriptionCode": "999", "description": "?"}, (Status.IN_TRANSIT, None)),
        (
            {"type": "X", "descriptionCode": "64", "description": "Refused"},
            (Status.EXCEPTION, Substatus.REFUSED),
        ),
        (
            {"type": "D", "descriptionCode": "011", "description": "Delivered to neighbour"},
            (Status.DELIVERED, Substatus.TO_NEIGHBOUR),
        ),
    ],
)  # fmt: skip
def test_status_goes_through_the_adapter_table(
    status: dict[str, str], expected: tuple[Status, Substatus | None]
) -> None:
    tracking = read_push(alert("delivered", activityStatus=status))
    assert (tracking.status, tracking.substatus) == expected


MALFORMED = {
    "empty": b"",
    "not json": b"<html>oops</html>",
    "not utf-8": b"\xff\xfe{",
    "a list": b"[]",
    "deeply nested": b"[" * 100_000,
    "no number": alert("delivered", trackingNumber=""),
    "not a 1Z number": alert("delivered", trackingNumber="6A12345678901"),
    "number as object": alert("delivered", trackingNumber={"id": NUMBER}),
    "no status": json.dumps({"trackingNumber": NUMBER, "gmtActivityDate": "20261125"}).encode(),
    "status not an object": alert("delivered", activityStatus="D"),
    "empty status": alert("delivered", activityStatus={"description": "?"}),
    "no date": alert("delivered", localActivityDate="", gmtActivityDate=""),
    "bad date": alert("delivered", gmtActivityDate="2026-11-25", localActivityDate="25/11/2026"),
    "bad window": alert("out_for_delivery", deliveryStartTime="990000"),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_push_is_a_typed_error(body: bytes) -> None:
    with pytest.raises(errors.CarrierResponseInvalid) as caught:
        read_push(body)
    assert caught.value.carrier == "ups"


@pytest.mark.parametrize("name", ["delivered", "out_for_delivery", "exception"])
def test_every_truncation_is_a_typed_error(name: str) -> None:
    body = fixture_bytes("ups", f"track_alert_{name}.json").rstrip()
    for end in range(len(body)):
        with pytest.raises(errors.CarrierResponseInvalid):
            read_push(body[:end])


def test_subscription_body_follows_the_documented_request() -> None:
    body = subscription_body(
        ["1z999aa1 0123456784"], "https://suivi.example/webhooks/ups", "s3cret"
    )
    assert body == {
        "locale": "fr_FR",
        "countryCode": "FR",
        "trackingNumberList": [NUMBER],
        "destination": {
            "url": "https://suivi.example/webhooks/ups",
            "credentialType": "Bearer",
            "credential": "s3cret",
        },
    }


@pytest.mark.parametrize(
    "numbers", [[], [NUMBER] * (MAX_SUBSCRIPTION_NUMBERS + 1), [NUMBER, "T1234567890"]]
)
def test_subscription_body_refuses_what_ups_would_reject(numbers: list[str]) -> None:
    with pytest.raises(ValueError, match=r"numbers|1Z"):
        subscription_body(numbers, "https://suivi.example/webhooks/ups", "s3cret")


def test_the_push_endpoint_is_configured_by_the_adapter_setting() -> None:
    assert UpsAdapter.webhook is not None
    settings = UpsAdapter.settings_from_env({"SUIVI_UPS_WEBHOOK_CREDENTIAL": SECRET})
    assert getattr(settings, UpsAdapter.webhook.secret_setting) == SECRET
    assert getattr(UpsSettings(), UpsAdapter.webhook.secret_setting) is None


@pytest.mark.parametrize(
    ("headers", "accepted"),
    [
        ({"credential": SECRET}, True),
        ({"Credential": SECRET, "User-Agent": "UPSPubSubTrackingService"}, True),
        ({"credential": SECRET[:-1]}, False),
        ({"credential": SECRET + "x"}, False),
        ({"credential": ""}, False),
        ({"authorization": SECRET}, False),
        ({}, False),
    ],
)
def test_only_the_subscription_credential_proves_the_sender(
    headers: dict[str, str], accepted: bool
) -> None:
    assert UpsAdapter.webhook is not None
    body = fixture_bytes("ups", "track_alert_delivered.json")
    assert UpsAdapter.webhook.authenticate(SECRET, headers, body) is accepted
