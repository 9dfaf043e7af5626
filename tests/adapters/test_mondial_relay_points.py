"""Mondial Relay Point Relais described by WSI4_PointRelais_Recherche, through the Tracker."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import time

import httpx
import pytest
import respx

from suivi import OpeningDay, OpeningSpan, RetryPolicy, Tracker, errors
from suivi.toolkit import RawResponse
from suivi_adapters.mondial_relay import MondialRelayAdapter, MondialRelaySettings
from tests.conftest import fixture_bytes
from tests.sdk.helpers import RecordingSleep

CARRIER = "mondial_relay"
SETTINGS = MondialRelaySettings(merchant_code="BDTEST13", private_key="PrivateK")
URL = "https://api.mondialrelay.com/Web_Services.asmx"
ACTION = "http://www.mondialrelay.fr/webservice/"
MORNING, AFTERNOON = (
    OpeningSpan(opens=time(9, 30), closes=time(12, 30)),
    OpeningSpan(opens=time(14), closes=time(19)),
)


def answers(points: httpx.Response) -> respx.Route:
    """Tracing answers delivered.xml (collected at Point Relais 075321); `points` the rest."""

    def reply(request: httpx.Request) -> httpx.Response:
        if request.headers["SOAPAction"].strip('"') == ACTION + "WSI2_TracingColisDetaille":
            return httpx.Response(200, content=fixture_bytes(CARRIER, "delivered.xml"))
        return points

    return respx.post(URL).mock(side_effect=reply)


def tracker() -> Tracker:
    return Tracker(
        settings={CARRIER: SETTINGS},
        retry=RetryPolicy(max_attempts=1),
        sleep=RecordingSleep(),
    )


@pytest.mark.anyio
@respx.mock
async def test_the_point_relais_is_described_by_its_number() -> None:
    route = answers(httpx.Response(200, content=fixture_bytes(CARRIER, "point_details.xml")))
    async with tracker() as client:
        tracking = await client.track(CARRIER, "31415926")
    point = tracking.pickup_point
    assert point is not None
    assert (point.identifier, point.name, point.country) == ("075321", "LE PETIT BAZAR", "FR")
    assert (point.address, point.postcode, point.city) == (
        "48 RUE DE LA REPUBLIQUE",
        "69002",
        "LYON",
    )
    assert point.week == (
        OpeningDay(weekday=0, spans=(AFTERNOON,)),
        *(OpeningDay(weekday=d, spans=(MORNING, AFTERNOON)) for d in (1, 2, 3, 4)),
        OpeningDay(weekday=5, spans=(OpeningSpan(opens=time(9, 30), closes=time(19)),)),
        OpeningDay(weekday=6, spans=()),
    )
    assert point.deadline is None  # collected: nothing left to wait for
    assert point.url is not None
    assert "num=075321" in point.url
    call = ET.fromstring(route.calls.last.request.content).find(".//{*}WSI4_PointRelais_Recherche")
    assert call is not None
    fields = {child.tag.rpartition("}")[2]: child.text for child in call}
    assert fields == {
        "Enseigne": "BDTEST13",
        "Pays": "FR",
        "NumPointRelais": "075321",
        "Security": hashlib.md5(b"BDTEST13FR075321PrivateK").hexdigest().upper(),
    }


@pytest.mark.anyio
@respx.mock
async def test_a_point_described_once_is_not_asked_again() -> None:
    route = answers(httpx.Response(200, content=fixture_bytes(CARRIER, "point_details.xml")))
    async with tracker() as client:
        await client.track(CARRIER, "31415926")
        tracking = await client.track(CARRIER, "31415926")
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.city == "LYON"
    assert route.call_count == 3  # two tracings, one description


@pytest.mark.anyio
@respx.mock
async def test_a_failed_description_keeps_the_parcel_news() -> None:
    answers(httpx.Response(503, text="Service Unavailable"))
    async with tracker() as client:
        tracking = await client.track(CARRIER, "31415926")
    assert tracking.pickup_point is not None
    assert (tracking.pickup_point.name, tracking.pickup_point.address) == ("LE PETIT BAZAR", None)


@pytest.mark.anyio
@respx.mock
async def test_points_of_one_number_in_two_countries_are_two_points() -> None:
    """Mondial Relay numbers its Point Relais per country: 075321 in France is not Belgium's."""
    in_france = fixture_bytes(CARRIER, "delivered.xml")
    in_belgium = in_france.replace(b"<Relais_Pays>FR<", b"<Relais_Pays>BE<")
    details = fixture_bytes(CARRIER, "point_details.xml")

    def reply(request: httpx.Request) -> httpx.Response:
        number = ET.fromstring(request.content).find(".//{*}Expedition")
        if number is None:
            return httpx.Response(200, content=details)
        return httpx.Response(200, content=in_belgium if number.text == "27182818" else in_france)

    route = respx.post(URL).mock(side_effect=reply)
    async with tracker() as client:
        await client.track_many([(CARRIER, "31415926"), (CARRIER, "27182818")])
    asked = [ET.fromstring(call.request.content).find(".//{*}Pays") for call in route.calls]
    assert sorted(pays.text or "" for pays in asked if pays is not None) == ["BE", "FR"]


def test_an_unknown_point_is_a_request_error() -> None:
    body = fixture_bytes(CARRIER, "point_details.xml")
    start, end = body.index(b"<STAT>0"), body.index(b"</WSI4_PointRelais_RechercheResult>")
    refused = body[:start] + b"<STAT>70</STAT>" + body[end:]
    with pytest.raises(errors.CarrierResponseInvalid, match="STAT 70"):
        MondialRelayAdapter(SETTINGS).parse_point(RawResponse(body=refused))


def test_no_point_in_the_answer_describes_nothing() -> None:
    body = fixture_bytes(CARRIER, "point_details.xml")
    start, end = body.index(b"<PointsRelais>"), body.index(b"</PointsRelais>") + 15
    empty = body[:start] + b"<PointsRelais />" + body[end:]
    assert MondialRelayAdapter(SETTINGS).parse_point(RawResponse(body=empty)) is None
