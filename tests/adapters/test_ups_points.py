"""UPS Access Points described by the Locator API, through the Tracker."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

import httpx
import pytest
import respx

from suivi import OpeningDay, OpeningSpan, RetryPolicy, Tracker, errors
from suivi.toolkit import RawResponse
from suivi_adapters.ups import UpsAdapter, UpsSettings
from tests.conftest import fixture_bytes
from tests.sdk.helpers import RecordingSleep

CARRIER = "ups"
NUMBER = "1Z999AA10123456784"
BASE = "https://onlinetools.ups.com"
TOKEN_URL = f"{BASE}/security/v1/oauth/token"
TRACK_URL = f"{BASE}/api/track/v1/details/{NUMBER}"
LOCATOR_URL = f"{BASE}/api/locations/v3/search/availabilities/64"
SETTINGS = UpsSettings(client_id="client-x", client_secret="secret-y")
MORNING, AFTERNOON = (
    OpeningSpan(opens=time(9, 30), closes=time(12, 30)),
    OpeningSpan(opens=time(14), closes=time(19)),
)
ALL_DAY = OpeningSpan(opens=time(0), closes=time(23, 59))


def waiting_at_the_access_point() -> bytes:
    """The in-transit sample, delivered to an Access Point named as the Track API names it."""
    data: dict[str, Any] = json.loads(fixture_bytes(CARRIER, "in_transit.json"))
    package = data["trackResponse"]["shipment"][0]["package"][0]
    package["activity"][0]["status"] = {
        "type": "X",
        "statusCode": "161",
        "code": "2Q",
        "description": "Delivered to UPS Access Point™",
    }
    package["accessPointInformation"] = {"pickupByDate": "20260704"}
    package["packageAddress"].append(
        {
            "type": "DELIVERY",
            "name": "LE PETIT BAZAR",
            "address": {
                "addressLine1": "48 RUE DE LA REPUBLIQUE",
                "city": "LYON",
                "postalCode": "69002",
                "countryCode": "FR",
            },
        }
    )
    return json.dumps(data).encode()


def locations() -> bytes:
    return fixture_bytes(CARRIER, "point_details.json")


def answers(points: httpx.Response) -> respx.Route:
    token = httpx.Response(200, content=fixture_bytes(CARRIER, "oauth_token.json"))
    respx.post(TOKEN_URL).mock(return_value=token)
    tracked = httpx.Response(200, content=waiting_at_the_access_point())
    respx.get(TRACK_URL).mock(return_value=tracked)
    return respx.post(LOCATOR_URL).mock(return_value=points)


def tracker() -> Tracker:
    return Tracker(
        settings={CARRIER: SETTINGS}, retry=RetryPolicy(max_attempts=1), sleep=RecordingSleep()
    )


def listed(body: bytes | None = None) -> httpx.Response:
    return httpx.Response(200, content=body or locations())


def described(body: bytes, name: str, postcode: str) -> Any:
    raw = RawResponse(body=body, requested=(name, postcode))
    return UpsAdapter(SETTINGS).parse_point(raw)


@pytest.mark.anyio
@respx.mock
async def test_the_access_point_is_the_one_of_its_name_near_its_address() -> None:
    route = answers(listed())
    async with tracker() as client:
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.status == "available_for_pickup"
    point = tracking.pickup_point
    assert point is not None
    assert (point.identifier, point.name, point.country) == ("U69002045", "LE PETIT BAZAR", "FR")
    assert (point.address, point.postcode, point.city) == (
        "48 RUE DE LA REPUBLIQUE",
        "69002",
        "LYON",
    )
    assert point.deadline == date(2026, 7, 4)
    assert point.week == (
        OpeningDay(weekday=0, spans=(AFTERNOON,)),
        *(OpeningDay(weekday=d, spans=(MORNING, AFTERNOON)) for d in (1, 2, 3, 4)),
        OpeningDay(weekday=5, spans=(OpeningSpan(opens=time(9, 30), closes=time(19)),)),
        OpeningDay(weekday=6, spans=()),  # Day 1, Sunday: ClosedIndicator
    )
    request = route.calls.last.request
    assert request.headers["Authorization"].startswith("Bearer eyJ")
    assert request.headers["transactionSrc"] == "suivi"
    assert len(request.headers["transId"]) == 32
    asked = json.loads(request.content)["LocatorRequest"]
    assert asked["OriginAddress"]["AddressKeyFormat"] == {
        "AddressLine": "48 RUE DE LA REPUBLIQUE",
        "PoliticalDivision2": "LYON",
        "PostcodePrimaryLow": "69002",
        "CountryCode": "FR",
    }
    assert asked["Request"] == {"RequestAction": "Locator"}
    assert asked["LocationSearchCriteria"]["AccessPointSearch"] == {"AccessPointStatus": "01"}
    assert asked["Translate"] == {"Locale": "fr_FR"}


@pytest.mark.anyio
@respx.mock
async def test_an_access_point_described_once_is_not_asked_again() -> None:
    route = answers(listed())
    async with tracker() as client:
        await client.track(CARRIER, NUMBER)
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.identifier == "U69002045"
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_a_failed_description_keeps_the_parcel_news() -> None:
    answers(httpx.Response(503, json={"response": {"errors": [{"code": "503", "message": "x"}]}}))
    async with tracker() as client:
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.status == "available_for_pickup"
    point = tracking.pickup_point
    assert point is not None
    assert (point.name, point.address, point.identifier, point.week) == (
        "LE PETIT BAZAR",
        "48 RUE DE LA REPUBLIQUE",
        None,
        (),
    )
    assert point.deadline is not None


@pytest.mark.anyio
@respx.mock
async def test_an_expired_token_is_renewed_for_the_locator_too() -> None:
    route = answers(listed())
    expired = httpx.Response(401, json={"response": {"errors": [{"code": "250002"}]}})
    route.side_effect = [expired, listed()]
    async with tracker() as client:
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.identifier == "U69002045"
    assert route.call_count == 2


def test_an_access_point_not_listed_near_its_address_describes_nothing() -> None:
    assert described(locations(), "RELAIS INCONNU", "69002") is None
    assert described(locations(), "LE PETIT BAZAR", "75011") is None  # same name, elsewhere


def test_an_answer_listing_no_access_point_describes_nothing() -> None:
    body = json.dumps({"LocatorResponse": {"Response": {"ResponseStatusCode": "1"}}}).encode()
    assert described(body, "LE PETIT BAZAR", "69002") is None


def test_names_match_whatever_their_case_and_spacing() -> None:
    point = described(locations(), "Le  Petit Bazar ", "69002")
    assert point is not None
    assert point.identifier == "U69002045"


def test_day_1_is_sunday_and_day_7_saturday() -> None:
    data = json.loads(locations())
    days = data["LocatorResponse"]["SearchResults"]["DropLocation"][1]["OperatingHours"]
    days["StandardHours"][1]["DayOfWeek"] = [
        {"Day": "1", "OpenHours": "1000", "CloseHours": "1200"},
        {"Day": "7", "OpenHours": "800", "CloseHours": "0"},
    ]
    point = described(json.dumps(data).encode(), "LE PETIT BAZAR", "69002")
    assert point is not None
    by_day = {day.weekday: day.spans for day in point.week}
    assert by_day[6] == (OpeningSpan(opens=time(10), closes=time(12)),)  # Sunday
    assert by_day[5] == (OpeningSpan(opens=time(8), closes=time(23, 59)),)  # "0": midnight
    assert all(by_day[d] == () for d in range(5))  # not listed: closed


def test_a_locker_open_24_hours_is_open_all_day_every_day() -> None:
    point = described(locations(), "CASIER UPS PART-DIEU", "69003")
    assert point is not None
    assert point.identifier == "U69003871"
    assert point.week == tuple(OpeningDay(weekday=d, spans=(ALL_DAY,)) for d in range(7))


def test_the_regular_hours_are_read_not_the_drop_off_ones() -> None:
    point = described(locations(), "LE PETIT BAZAR", "69002")
    assert point is not None
    assert point.week[1].spans == (MORNING, AFTERNOON)  # HoursType 10, not 50's drop-off times


def test_a_v1_answer_with_single_objects_reads_the_same() -> None:
    data = json.loads(locations())
    results = data["LocatorResponse"]["SearchResults"]
    only = results["DropLocation"][1]
    only["OperatingHours"]["StandardHours"] = only["OperatingHours"]["StandardHours"][1]
    results["DropLocation"] = only
    point = described(json.dumps(data).encode(), "LE PETIT BAZAR", "69002")
    assert point == described(locations(), "LE PETIT BAZAR", "69002")


def test_a_locator_error_is_a_typed_error() -> None:
    body = json.dumps({"response": {"errors": [{"code": "E1", "message": "refused"}]}}).encode()
    with pytest.raises(errors.CarrierResponseInvalid, match="E1 refused"):
        described(body, "LE PETIT BAZAR", "69002")


def test_an_unreadable_answer_is_a_typed_error() -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        described(b'{"unexpected": true}', "LE PETIT BAZAR", "69002")
