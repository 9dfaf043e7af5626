"""UPS answers read as a whole: reasons (status.code), sequences, labels per language, packages."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from suivi import Status, Substatus, Tracking, errors
from suivi.toolkit import RawResponse
from suivi_adapters.ups import UpsAdapter, UpsSettings
from tests.conftest import fixture_bytes

ADAPTER = UpsAdapter(UpsSettings())


def read_push(body: bytes) -> Tracking:
    """A push read through the webhook the adapter declares, as the server reads it."""
    assert UpsAdapter.webhook is not None
    [tracking] = UpsAdapter.webhook.parse(body)
    return tracking


NUMBER = "1Z999AA10123456784"
S, Sub = Status, Substatus


def parse(body: bytes | dict[str, Any]) -> list[Tracking]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return ADAPTER.parse(RawResponse(body=raw, status_code=200, requested=(NUMBER,)))


def scenario(name: str) -> Tracking:
    [tracking] = parse(fixture_bytes("ups", name))
    return tracking


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_bytes("ups", name))
    return data


def newest(**status: str) -> tuple[Status, Substatus | None]:
    """The state of the in-transit sample once its newest activity has these status fields."""
    data = sample("in_transit.json")
    data["trackResponse"]["shipment"][0]["package"][0]["activity"][0]["status"] = status
    [tracking] = parse(data)
    return tracking.events[0].status, tracking.events[0].substatus


# -- sequences ---------------------------------------------------------------------------------


def test_collection_at_an_access_point_is_not_a_home_delivery() -> None:
    tracking = scenario("collected_at_access_point.json")
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)
    reminder = tracking.events[1]
    assert (reminder.code, reminder.affects_status) == ("013", False)  # 5G keeps it available
    assert tracking.events[3].substatus is Sub.TO_PICKUP_POINT  # ZS: to the point, not home


def test_plain_delivered_after_the_access_point_scan_is_a_collection() -> None:
    tracking = scenario("delivered_after_access_point.json")
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)


def test_failed_attempt_announcing_an_access_point_stays_failed_until_the_point_scans() -> None:
    tracking = scenario("failed_attempt_to_access_point.json")
    assert (tracking.status, tracking.substatus) == (S.ATTEMPT_FAILED, None)
    assert [e.status for e in tracking.events[:3]] == [
        S.ATTEMPT_FAILED,
        S.ATTEMPT_FAILED,
        S.OUT_FOR_DELIVERY,
    ]


def test_refusal_carries_into_the_return_and_type_d_at_the_shipper_is_returned() -> None:
    tracking = scenario("refused_returned_to_shipper.json")
    assert (tracking.status, tracking.substatus) == (S.RETURNED, None)
    assert tracking.delivered_at is None
    states = [(e.code, e.status, e.substatus) for e in tracking.events[:4]]
    assert states == [
        ("011", S.RETURNED, None),
        ("036", S.RETURNING, Sub.REFUSED),
        ("035", S.RETURNING, Sub.REFUSED),
        ("013", S.EXCEPTION, Sub.REFUSED),
    ]


def test_not_collected_at_the_access_point_returns_with_its_reason() -> None:
    tracking = scenario("not_collected_returned.json")
    assert tracking.status is S.RETURNED
    assert [(e.status, e.substatus) for e in tracking.events[1:3]] == [
        (S.RETURNING, Sub.NOT_COLLECTED),
        (S.RETURNING, Sub.NOT_COLLECTED),
    ]


def test_each_package_of_a_shipment_gets_its_own_tracking() -> None:
    first, second = parse(fixture_bytes("ups", "multi_package.json"))
    assert (first.tracking_number, first.status) == (NUMBER, S.DELIVERED)
    assert (second.tracking_number, second.status) == ("1Z999AA10123456793", S.AVAILABLE_FOR_PICKUP)
    assert second.pickup_point is not None
    assert first.pickup_point is None


# -- reasons (status.code) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        # a reason decides over a generic status code or a bare activity type
        ({"type": "X", "statusCode": "013", "code": "KR"}, (S.EXCEPTION, Sub.REFUSED)),
        ({"type": "X", "code": "KT"}, (S.EXCEPTION, Sub.REFUSED)),
        ({"type": "X", "statusCode": "013", "code": "3N"}, (S.RETURNING, Sub.NOT_COLLECTED)),
        ({"type": "X", "statusCode": "069", "code": "A7"}, (S.EXCEPTION, Sub.ADDRESS_PROBLEM)),
        (
            {"type": "X", "statusCode": "060", "code": "C4"},
            (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ),
        ({"type": "X", "statusCode": "013", "code": "1N"}, (S.AVAILABLE_FOR_PICKUP, Sub.LOCKER)),
        ({"type": "X", "statusCode": "013", "code": "S9"}, (S.EXCEPTION, Sub.LOST)),
        (
            {"type": "D", "statusCode": "011", "code": "2W"},
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        ({"type": "D", "statusCode": "011", "code": "3H"}, (S.DELIVERED, Sub.TO_NEIGHBOUR)),
        ({"type": "D", "statusCode": "011", "code": "B0"}, (S.RETURNED, None)),
        ({"type": "I", "statusCode": "021", "code": "ZS"}, (S.IN_TRANSIT, Sub.TO_PICKUP_POINT)),
        # agreeing on the status, the reason is more precise
        ({"type": "I", "statusCode": "035", "code": "8H"}, (S.RETURNING, Sub.REFUSED)),
        # a precise status code is never overruled by a reason that disagrees
        ({"type": "D", "statusCode": "034", "code": "KR"}, (S.RETURNED, None)),
        (
            {"type": "X", "statusCode": "161", "code": "KP"},
            (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        ),
        # codes the reason page reuses with other meanings stay out (UA: also "Updated Arrival")
        ({"type": "I", "statusCode": "005", "code": "UA"}, (S.IN_TRANSIT, None)),
        # an unknown reason leaves the status code in charge
        ({"type": "D", "statusCode": "011", "code": "KB"}, (S.DELIVERED, Sub.TO_RECIPIENT)),
    ],
)
def test_reason_codes(status: dict[str, str], expected: tuple[Status, Substatus | None]) -> None:
    assert newest(description="Label", **status) == expected


def test_reason_codes_are_read_space_padded_and_lower_case() -> None:
    assert newest(type="X", statusCode="013", code=" kr ") == (S.EXCEPTION, Sub.REFUSED)


def test_a_reminder_at_the_access_point_is_a_notice() -> None:
    data = sample("in_transit.json")
    status = {"type": "X", "statusCode": "013", "code": "5G", "description": "reminder"}
    data["trackResponse"]["shipment"][0]["package"][0]["activity"][0]["status"] = status
    [tracking] = parse(data)
    assert tracking.events[0].affects_status is False


# -- label words per language (code 011 depends on its label) ----------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("DELIVERED TO NEIGHBOUR", Sub.TO_NEIGHBOUR),
        ("Delivered to neighbourhood office", Sub.TO_RECIPIENT),
        ("Delivered to a neighbor", Sub.TO_NEIGHBOUR),
        ("Delivered, neighborhood front door", Sub.TO_RECIPIENT),
        ("Livré chez un voisin", Sub.TO_NEIGHBOUR),
        ("Livré au voisinage de l'entrée", Sub.TO_RECIPIENT),
        ("Beim Nachbarn zugestellt", Sub.TO_NEIGHBOUR),
        ("Nicht beim Nachbarn zugestellt", Sub.TO_RECIPIENT),
        ("Entregado a un vecino", Sub.TO_NEIGHBOUR),
        ("Entregado en el vecindario", Sub.TO_RECIPIENT),
        ("Afgeleverd bij de buren", Sub.TO_NEIGHBOUR),
        ("Niet bij de buren afgeleverd", Sub.TO_RECIPIENT),
        ("DELIVERED: The receiver picked up the package", Sub.COLLECTED_AT_PICKUP_POINT),
        ("DELIVERED: not the receiver picked up", Sub.TO_RECIPIENT),
        ("Package Picked Up At UPS Access Point™", Sub.COLLECTED_AT_PICKUP_POINT),
        ("Colis retiré par le destinataire", Sub.COLLECTED_AT_PICKUP_POINT),
        ("Colis non retiré par le destinataire", Sub.TO_RECIPIENT),
        ("Vom Empfänger abgeholt", Sub.COLLECTED_AT_PICKUP_POINT),
        ("Nicht vom Empfänger abgeholt", Sub.TO_RECIPIENT),
        ("DELIVERED", Sub.TO_RECIPIENT),
    ],
)
def test_delivery_words(label: str, expected: Substatus) -> None:
    assert newest(type="D", statusCode="011", description=label) == (S.DELIVERED, expected)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("DELIVERED TO UPS ACCESS POINT™", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
        ("Livré au UPS Access Point™", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
        ("DELIVERED: left at the access gate", (S.DELIVERED, Sub.TO_RECIPIENT)),
        ("DELIVERED, no UPS Access Point™ used", (S.DELIVERED, Sub.TO_RECIPIENT)),
    ],
)
def test_access_point_words(label: str, expected: tuple[Status, Substatus]) -> None:
    assert newest(type="D", statusCode="011", description=label) == expected


# -- unreadable activities -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    [
        {"date": None, "gmtDate": None},
        {"gmtDate": "2026-05-20"},
        {"status": "D"},
    ],
)
def test_an_unreadable_activity_is_skipped_logged_and_the_others_kept(
    broken: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    data = sample("in_transit.json")
    activities = data["trackResponse"]["shipment"][0]["package"][0]["activity"]
    activities[0].update(broken)
    with caplog.at_level(logging.WARNING, logger="suivi_adapters.ups.adapter"):
        [tracking] = parse(data)
    assert len(tracking.events) == len(activities) - 1
    assert "1 of 4 activities skipped" in caplog.text


def test_an_answer_whose_activities_are_all_unreadable_is_invalid() -> None:
    data = sample("in_transit.json")
    package = data["trackResponse"]["shipment"][0]["package"][0]
    package["activity"] = [{"status": None}, None]
    with pytest.raises(errors.CarrierResponseInvalid, match="none of the 2 activities"):
        parse(data)


# -- Track Alert maps the same way -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            {"type": "D", "code": "2W", "descriptionCode": "011"},
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        ({"type": "X", "code": "KR", "descriptionCode": "013"}, (S.EXCEPTION, Sub.REFUSED)),
        ({"type": "X", "code": "3N", "descriptionCode": "013"}, (S.RETURNING, Sub.NOT_COLLECTED)),
        ({"type": "D", "code": "B0", "descriptionCode": "011"}, (S.RETURNED, None)),
    ],
)
def test_pushed_events_read_their_reason_like_polled_ones(
    status: dict[str, str], expected: tuple[Status, Substatus | None]
) -> None:
    alert = json.loads(fixture_bytes("ups", "track_alert_delivered.json"))
    alert["activityStatus"] = {"description": "Label", **status}
    pushed = read_push(json.dumps(alert).encode())
    polled = newest(type=status["type"], statusCode=status["descriptionCode"], code=status["code"])
    assert (pushed.status, pushed.substatus) == expected == polled
