"""DPD France Pickup relays described by the mypudo GetPudoDetails service, through the Tracker."""

from __future__ import annotations

import logging
from datetime import time

import httpx
import pytest
import respx

from suivi import OpeningDay, OpeningSpan, RetryPolicy, Tracker, errors
from suivi.toolkit import RawResponse
from suivi_adapters.dpd import DpdAdapter, DpdSettings
from tests.conftest import fixture_bytes
from tests.sdk.helpers import ManualClock, RecordingSleep

CARRIER = "dpd"
NUMBER = "250069112345678901"
SETTINGS = DpdSettings(
    user_id="FAKEUSER",
    password="FAKEPASSWORD",
    customer_center="13",
    customer_number="12345",
    pudo_key="FAKEKEY",
)
TRACE_URL = "https://webtrace.dpd.fr/trace-service/Webtrace_Service.asmx"
PUDO_URL = "https://mypudo.pickup-services.com/mypudo/mypudo.asmx/GetPudoDetails"
LINK = "http://www.dpd.fr/dpdrelais/id_P22895"
MORNING, AFTERNOON = (
    OpeningSpan(opens=time(9, 30), closes=time(12, 30)),
    OpeningSpan(opens=time(14), closes=time(19)),
)


def traced_at_relay() -> bytes:
    """The delivered sample, as DPD sends it for a parcel collected at a Pickup relay."""
    body = fixture_bytes(CARRIER, "delivered.xml")
    body = body.replace(
        b"<PointRelaisName></PointRelaisName>", b"<PointRelaisName>LE PETIT BAZAR</PointRelaisName>"
    )
    return body.replace(
        b"<PointRelaisLink></PointRelaisLink>",
        f"<PointRelaisLink>{LINK}</PointRelaisLink>".encode(),
    )


def answers(details: httpx.Response) -> respx.Route:
    respx.post(TRACE_URL).mock(return_value=httpx.Response(200, content=traced_at_relay()))
    return respx.get(PUDO_URL).mock(return_value=details)


def tracker() -> Tracker:
    return Tracker(
        settings={CARRIER: SETTINGS}, retry=RetryPolicy(max_attempts=1), sleep=RecordingSleep()
    )


@pytest.mark.anyio
@respx.mock
async def test_the_relay_is_described_by_the_id_in_its_link() -> None:
    route = answers(httpx.Response(200, content=fixture_bytes(CARRIER, "point_details.xml")))
    async with tracker() as client:
        tracking = await client.track(CARRIER, NUMBER)
    point = tracking.pickup_point
    assert point is not None
    assert (point.identifier, point.name, point.country) == ("P22895", "LE PETIT BAZAR", "FR")
    assert (point.address, point.postcode, point.city) == (
        "48 RUE DE LA REPUBLIQUE",
        "69002",
        "LYON",
    )
    assert point.week == (
        OpeningDay(weekday=0, spans=(AFTERNOON,)),
        *(OpeningDay(weekday=d, spans=(MORNING, AFTERNOON)) for d in (1, 2, 3, 4)),
        OpeningDay(weekday=5, spans=(OpeningSpan(opens=time(9, 30), closes=time(19)),)),
        OpeningDay(weekday=6, spans=()),  # no OPENING_HOURS_ITEM on Sunday: closed
    )
    assert point.url == LINK  # the tracking's own link stays
    assert point.deadline is None
    assert dict(route.calls.last.request.url.params) == {
        "carrier": "EXA",
        "key": "FAKEKEY",
        "pudo_id": "P22895",
    }


@pytest.mark.anyio
@respx.mock
async def test_a_relay_described_once_is_not_asked_again() -> None:
    route = answers(httpx.Response(200, content=fixture_bytes(CARRIER, "point_details.xml")))
    async with tracker() as client:
        await client.track(CARRIER, NUMBER)
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.city == "LYON"
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_a_failed_description_keeps_the_parcel_news() -> None:
    answers(httpx.Response(503, text="Service Unavailable"))
    async with tracker() as client:
        tracking = await client.track(CARRIER, NUMBER)
    assert tracking.status == "delivered"
    point = tracking.pickup_point
    assert point is not None
    assert (point.name, point.identifier, point.address, point.week) == (
        "LE PETIT BAZAR",
        "P22895",
        None,
        (),
    )


@pytest.mark.anyio
@respx.mock
async def test_a_description_of_the_wrong_type_keeps_the_parcel_news(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A directory's bug (its parser gives a dict) is logged; the parcel is still tracked."""
    answers(httpx.Response(200, content=fixture_bytes(CARRIER, "point_details.xml")))
    monkeypatch.setattr(DpdAdapter, "parse_point", lambda self, raw: {"name": "LE PETIT BAZAR"})
    with caplog.at_level(logging.WARNING, logger="suivi"):
        async with tracker() as client:
            tracking = await client.track(CARRIER, NUMBER)
    assert tracking.status == "delivered"
    assert tracking.pickup_point is not None
    assert (tracking.pickup_point.name, tracking.pickup_point.address) == ("LE PETIT BAZAR", None)
    assert any("not a PickupPoint" in r.getMessage() for r in caplog.records)


@pytest.mark.anyio
@respx.mock
async def test_a_relay_the_directory_does_not_know_is_asked_again_six_hours_later() -> None:
    empty = b'<RESPONSE quality="1"><REQUEST_ID /><PUDO_ITEMS /></RESPONSE>'
    route = answers(httpx.Response(200, content=empty))
    clock = ManualClock()
    counts = []
    client = Tracker(
        settings={CARRIER: SETTINGS},
        retry=RetryPolicy(max_attempts=1),
        sleep=RecordingSleep(),
        clock=clock,
    )
    async with client:
        for moment in (0, 60, 6 * 3600 - 1, 6 * 3600):
            clock.now = moment
            await client.track(CARRIER, NUMBER)
            counts.append(route.call_count)
    assert counts == [1, 1, 1, 2]


@pytest.mark.anyio
@respx.mock
async def test_without_a_pudo_key_relays_are_not_asked_about_nor_warned_of(
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = answers(httpx.Response(200, content=fixture_bytes(CARRIER, "point_details.xml")))
    keyless = SETTINGS.model_copy(update={"pudo_key": None})
    client = Tracker(
        settings={CARRIER: keyless}, retry=RetryPolicy(max_attempts=1), sleep=RecordingSleep()
    )
    with caplog.at_level(logging.INFO, logger="suivi"):
        async with client:
            await client.track(CARRIER, NUMBER)
            tracking = await client.track(CARRIER, NUMBER)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.identifier == "P22895"
    assert route.call_count == 0
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("suivi")]
    assert said == [
        (logging.INFO, "dpd pickup points are not described: SUIVI_DPD_PUDO_KEY not set")
    ]


def test_a_refusal_is_an_invalid_response() -> None:
    body = b'<?xml version="1.0"?><RESPONSE quality="0"><ERROR>Invalid key</ERROR></RESPONSE>'
    with pytest.raises(errors.CarrierResponseInvalid, match="Invalid key"):
        DpdAdapter(SETTINGS).parse_point(RawResponse(body=body))


def test_no_relay_in_the_answer_describes_nothing() -> None:
    body = b'<RESPONSE quality="1"><REQUEST_ID /><PUDO_ITEMS /></RESPONSE>'
    assert DpdAdapter(SETTINGS).parse_point(RawResponse(body=body)) is None


def test_a_link_without_a_relay_id_names_no_point_to_look_up() -> None:
    body = traced_at_relay().replace(LINK.encode(), b"https://www.dpd.fr/")
    [tracking] = DpdAdapter(SETTINGS).parse(RawResponse(body=body))
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.identifier is None
