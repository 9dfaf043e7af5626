"""Chronopost pickup points described by PointRelaisServiceWS, through the Tracker."""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from datetime import time

import httpx
import pytest
import respx

from suivi import OpeningDay, OpeningSpan, RetryPolicy, Tracker, errors
from suivi.toolkit import RawResponse
from suivi_adapters.chronopost import ChronopostAdapter, ChronopostSettings
from tests.conftest import fixture_bytes
from tests.sdk.helpers import ManualClock, RecordingSleep

CARRIER = "chronopost"
NUMBER = "XP696982485FR"
SETTINGS = ChronopostSettings(account_number="19869502", password="FAKEPASS")
TRACK_URL = "https://ws.chronopost.fr/tracking-cxf/TrackingServiceWS"
POINTS_URL = "https://ws.chronopost.fr/recherchebt-ws-cxf/PointRelaisServiceWS"
WHERE = "LE PETIT BAZAR - 48 RUE DE LA REPUBLIQUE - 69002 - LYON - FR"
MORNING, AFTERNOON = (
    OpeningSpan(opens=time(9, 30), closes=time(12, 30)),
    OpeningSpan(opens=time(14), closes=time(19)),
)


def waiting_at_the_point(scanned: str = "2026-06-27T10:00:00+02:00") -> bytes:
    """An AB scan ("available at the pickup point") naming the point as Chronopost does."""
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<ns2:trackSkybillV2Response xmlns:ns2="http://cxf.tracking.soap.chronopost.fr/">'
        "<return><errorCode>0</errorCode><listEventInfoComp><events><code>AB </code>"
        f"<eventDate>{scanned}</eventDate>"
        "<eventLabel>Colis mis à disposition au point de retrait</eventLabel>"
        "<NPC>69</NPC><officeLabel>LYON</officeLabel><zipCode>69002</zipCode>"
        "<infoCompList><name>Type de retrait</name><value>Relais CHRONOPOST</value></infoCompList>"
        f"<infoCompList><name>Point de retrait</name><value>{WHERE}</value></infoCompList>"
        f"</events><skybillNumber>{NUMBER}</skybillNumber></listEventInfoComp></return>"
        "</ns2:trackSkybillV2Response></soap:Body></soap:Envelope>"
    ).encode()


def answers(points: httpx.Response, tracked: bytes | None = None) -> respx.Route:
    tracked = tracked or waiting_at_the_point()
    respx.post(TRACK_URL).mock(return_value=httpx.Response(200, content=tracked))
    return respx.post(POINTS_URL).mock(return_value=points)


def tracker(clock: ManualClock | None = None) -> Tracker:
    return Tracker(
        settings={CARRIER: SETTINGS},
        retry=RetryPolicy(max_attempts=1),
        sleep=RecordingSleep(),
        clock=clock or ManualClock(),
    )


async def asked_after(route: respx.Route, *moments: float) -> list[int]:
    """The directory's call count after a poll of the parcel at each moment (seconds)."""
    clock = ManualClock()
    counts = []
    async with tracker(clock) as client:
        for moment in moments:
            clock.now = moment
            await client.track(CARRIER, NUMBER)
            counts.append(route.call_count)
    return counts


def listed() -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes(CARRIER, "point_details.xml"))


@pytest.mark.anyio
@respx.mock
async def test_the_point_is_the_one_of_its_name_near_its_address() -> None:
    route = answers(listed())
    async with tracker() as client:
        tracking = await client.track(CARRIER, NUMBER)
    point = tracking.pickup_point
    assert point is not None
    assert (point.identifier, point.name, point.country) == ("7802P", "LE PETIT BAZAR", "FR")
    assert (point.address, point.postcode, point.city) == (
        "48 RUE DE LA REPUBLIQUE",
        "69002",
        "LYON",
    )
    assert point.week == (
        OpeningDay(weekday=0, spans=(AFTERNOON,)),
        *(OpeningDay(weekday=d, spans=(MORNING, AFTERNOON)) for d in (1, 2, 3, 4)),
        OpeningDay(weekday=5, spans=(OpeningSpan(opens=time(9, 30), closes=time(19)),)),
        OpeningDay(weekday=6, spans=()),  # "00:00-00:00": closed
    )
    call = ET.fromstring(route.calls.last.request.content).find(
        ".//{*}recherchePointChronopostInter"
    )
    assert call is not None
    fields = {child.tag: child.text for child in call}
    assert {k: fields[k] for k in ("accountNumber", "password", "address", "zipCode")} == {
        "accountNumber": "19869502",
        "password": "FAKEPASS",
        "address": "48 RUE DE LA REPUBLIQUE",
        "zipCode": "69002",
    }
    assert (fields["city"], fields["countryCode"], fields["type"]) == ("LYON", "FR", "P")


@pytest.mark.anyio
@respx.mock
@pytest.mark.parametrize(
    ("scanned", "day"),
    [("2026-06-27T10:00:00+02:00", "27/06/2026"), ("2026-06-27T23:30:00+00:00", "28/06/2026")],
)
async def test_the_search_is_for_the_day_of_the_latest_scan_in_paris(
    scanned: str, day: str
) -> None:
    route = answers(listed(), tracked=waiting_at_the_point(scanned))
    async with tracker() as client:
        await client.track(CARRIER, NUMBER)
    call = ET.fromstring(route.calls.last.request.content).find(".//{*}shippingDate")
    assert call is not None
    assert call.text == day


@pytest.mark.anyio
@respx.mock
async def test_a_point_described_once_is_not_asked_again() -> None:
    route = answers(listed())
    async with tracker() as client:
        await client.track(CARRIER, NUMBER)
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.identifier == "7802P"
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_a_described_point_is_asked_again_the_next_day_for_changed_hours() -> None:
    route = answers(listed())
    assert await asked_after(route, 0, 3600, 24 * 3600 - 1, 24 * 3600) == [1, 1, 1, 2]


@pytest.mark.anyio
@respx.mock
async def test_a_failed_description_is_asked_again_an_hour_later_not_at_every_poll() -> None:
    route = answers(httpx.Response(500, text="Internal Server Error"))
    assert await asked_after(route, 0, 60, 3599, 3600) == [1, 1, 1, 2]


@pytest.mark.anyio
@respx.mock
async def test_a_point_the_search_does_not_list_is_asked_again_six_hours_later() -> None:
    route = answers(listed(), tracked=waiting_at_the_point().replace(b"PETIT", b"GRAND"))
    assert await asked_after(route, 0, 3600, 6 * 3600 - 1, 6 * 3600) == [1, 1, 1, 2]


@pytest.mark.anyio
@respx.mock
async def test_parcels_waiting_at_one_point_share_one_search() -> None:
    async def answered_later(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # the other parcel's poll reaches the point meanwhile
        return listed()

    route = answers(listed())
    route.side_effect = answered_later
    async with tracker() as client:
        results = await client.track_many([(CARRIER, NUMBER), (CARRIER, "12345678901234")])
    points = [r.tracking.pickup_point for r in results if r.tracking]
    assert [p.identifier for p in points if p] == ["7802P", "7802P"]
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_a_failed_description_keeps_the_parcel_news() -> None:
    answers(httpx.Response(500, text="Internal Server Error"))
    async with tracker() as client:
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.status == "available_for_pickup"
    point = tracking.pickup_point
    assert point is not None
    assert (point.name, point.address, point.week) == (
        "LE PETIT BAZAR",
        "48 RUE DE LA REPUBLIQUE",
        (),
    )


@pytest.mark.anyio
@respx.mock
async def test_without_an_account_the_tracking_is_kept_and_nothing_is_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = answers(listed())
    client = Tracker(
        settings={CARRIER: ChronopostSettings()},
        retry=RetryPolicy(max_attempts=1),
        sleep=RecordingSleep(),
    )
    assert not client.adapter(CARRIER).describes_points
    with caplog.at_level(logging.INFO, logger="suivi"):
        async with client:
            await client.track(CARRIER, NUMBER)
            tracking = await client.track(CARRIER, NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.week == ()
    assert route.call_count == 0
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("suivi")]
    assert said == [
        (
            logging.INFO,
            "chronopost pickup points are not described: "
            "SUIVI_CHRONOPOST_ACCOUNT_NUMBER, SUIVI_CHRONOPOST_PASSWORD not set",
        )
    ]


def test_a_point_not_listed_near_its_address_describes_nothing() -> None:
    raw = RawResponse(
        body=fixture_bytes(CARRIER, "point_details.xml"), requested=("RELAIS INCONNU", "69002")
    )
    assert ChronopostAdapter(SETTINGS).parse_point(raw) is None


def test_a_refused_search_is_a_typed_error() -> None:
    body = fixture_bytes(CARRIER, "point_details.xml").replace(
        b"<errorCode>0</errorCode>", b"<errorCode>3</errorCode>"
    )
    with pytest.raises(errors.CarrierError, match="errorCode 3"):
        ChronopostAdapter(SETTINGS).parse_point(RawResponse(body=body, requested=("X", "1")))
