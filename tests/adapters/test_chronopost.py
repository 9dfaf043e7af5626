"""Chronopost adapter: sample parsing, code table, numbers, and the SOAP call through Tracker."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, time, timedelta
from importlib.metadata import EntryPoint
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from suivi import ENTRY_POINT_GROUP, Registry, RetryPolicy, Status, Substatus, Tracker, Tracking
from suivi.cli import main
from suivi.errors import (
    CarrierAuthError,
    CarrierResponseInvalid,
    CarrierUnavailable,
    ShipmentNotFound,
    TrackingNumberInvalid,
)
from suivi.toolkit import RawResponse
from suivi_adapters.chronopost import ChronopostAdapter, ChronopostSettings, codes
from tests.conftest import SHARED, fixture_bytes, samples_dir
from tests.sdk.helpers import RecordingSleep

ADAPTER = ChronopostAdapter(ChronopostSettings())
RESPONSES = (
    "delivered.xml",
    "in_transit.xml",
    "attempt_failed_absent.xml",
    "not_found.xml",
    "system_error.xml",
)
URL = "https://ws.chronopost.fr/tracking-cxf/TrackingServiceWS"
NS = "{http://cxf.tracking.soap.chronopost.fr/}"
VALID = "XP696982485FR"  # S10 check digit 5
PEERS = SHARED / "peer-samples" / "karrio" / "chronopost"
S, Sub = Status, Substatus


def parse(body: bytes, requested: tuple[str, ...] = ()) -> list[Tracking]:
    return ADAPTER.parse(RawResponse(body=body, requested=requested))


def sample(name: str) -> Tracking:
    [tracking] = parse(fixture_bytes("chronopost", name))
    return tracking


def answer(*events: tuple[str, str, str, dict[str, str]], number: str = VALID) -> bytes:
    """A trackSkybillV2Response with events given oldest first, as the service sends them."""
    rendered = "".join(
        f"<events><code>{code}</code><eventDate>{at}</eventDate><eventLabel>{label}</eventLabel>"
        "<NPC>75</NPC><officeLabel>PARIS CHRONOPOST</officeLabel><zipCode>75013</zipCode>"
        + "".join(
            f"<infoCompList><name>{n}</name><value>{v}</value></infoCompList>"
            for n, v in infos.items()
        )
        + "</events>"
        for code, at, label, infos in events
    )
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<ns2:trackSkybillV2Response xmlns:ns2="http://cxf.tracking.soap.chronopost.fr/">'
        f"<return><errorCode>0</errorCode><listEventInfoComp>{rendered}"
        f"<skybillNumber>{number}</skybillNumber></listEventInfoComp></return>"
        "</ns2:trackSkybillV2Response></soap:Body></soap:Envelope>"
    ).encode()


def scan(
    code: str, hour: int, label: str = "x", **infos: str
) -> tuple[str, str, str, dict[str, str]]:
    return (
        code,
        f"2026-06-27T{hour:02d}:00:00+02:00",
        label,
        {k.replace("_", " "): v for k, v in infos.items()},
    )


def one(*events: tuple[str, str, str, dict[str, str]]) -> Tracking:
    [tracking] = parse(answer(*events))
    return tracking


# -- the sample files ------------------------------------------------------------------------


def test_delivered_sample_is_delivered_with_signer_and_events_newest_first() -> None:
    tracking = sample("delivered.xml")
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, None)
    assert tracking.tracking_number == "XX260420001FR"
    assert [e.code for e in tracking.events] == ["D", "TA", "SD", "TS", "SC", "DC"]
    assert all(e.timestamp.utcoffset() == timedelta(hours=2) for e in tracking.events)
    assert tracking.signed_by == "L. MARTIN"
    assert tracking.delivered_at is not None
    assert tracking.delivered_at.isoformat() == "2026-04-21T10:27:00+02:00"
    latest = tracking.events[0]
    assert latest.location is not None
    assert (latest.location.city, latest.location.postcode, latest.location.name) == (
        "BORDEAUX",
        "33000",
        "BORDEAUX CHRONOPOST",
    )
    assert tracking.events[-1].location is not None
    assert tracking.events[-1].location.postcode is None
    assert (tracking.events[-1].status, tracking.events[-1].substatus) == (
        S.INFO_RECEIVED,
        Sub.LABEL_CREATED,
    )
    assert tracking.estimate is None
    assert tracking.pickup_point is None


def test_in_transit_sample_is_in_transit_at_the_hub() -> None:
    tracking = sample("in_transit.xml")
    assert (tracking.status, tracking.substatus) == (S.IN_TRANSIT, None)
    assert [e.code for e in tracking.events] == ["TS", "SC", "DB", "DC"]
    assert tracking.events[0].location is not None
    assert tracking.events[0].location.city == "CHILLY MAZARIN"
    assert tracking.events[2].substatus is Sub.PICKED_UP
    assert tracking.delivered_at is None
    assert tracking.signed_by is None


def test_attempt_failed_sample_trims_the_padded_code_and_keeps_the_label() -> None:
    tracking = sample("attempt_failed_absent.xml")
    assert (tracking.status, tracking.substatus) == (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT)
    assert tracking.events[0].code == "P"
    assert tracking.events[0].label == "Echec de livraison suite à l'absence du destinataire."
    assert len(tracking.events) == 6


def test_not_found_sample_has_no_events() -> None:
    tracking = sample("not_found.xml")
    assert tracking.status is S.NOT_FOUND
    assert tracking.events == ()
    assert tracking.tracking_number == "XX000000000FR"


def test_system_error_sample_is_a_retryable_outage() -> None:
    with pytest.raises(CarrierUnavailable, match="System Error") as caught:
        sample("system_error.xml")
    assert caught.value.should_retry
    negative = fixture_bytes("chronopost", "system_error.xml").replace(b">1<", b">-1<")
    with pytest.raises(CarrierUnavailable):
        parse(negative)


def test_a_request_body_is_not_a_response() -> None:
    with pytest.raises(CarrierResponseInvalid):
        sample("request_example.xml")


@pytest.mark.parametrize("name", RESPONSES)
def test_every_truncation_is_a_typed_invalid_response(name: str) -> None:
    body = fixture_bytes("chronopost", name).rstrip()
    for size in range(len(body)):
        with pytest.raises(CarrierResponseInvalid):
            parse(body[:size])


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        answer(("TS", "yesterday", "x", {})),
        answer(("", "2026-06-27T10:00:00+02:00", "x", {})),
        answer().replace(b"<errorCode>0</errorCode>", b"<errorCode>zero</errorCode>"),
        answer().replace(b"<skybillNumber>" + VALID.encode() + b"</skybillNumber>", b""),
    ],
)
def test_unexpected_bodies_are_invalid_responses(body: bytes) -> None:
    with pytest.raises(CarrierResponseInvalid):
        parse(body)


def test_soap_faults_are_typed() -> None:
    def fault(code: str) -> bytes:
        return (
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>boom</faultstring>"
            "</soap:Fault></soap:Body></soap:Envelope>"
        ).encode()

    with pytest.raises(CarrierResponseInvalid, match="boom"):
        parse(fault("Client"))
    with pytest.raises(CarrierUnavailable, match="boom"):
        parse(fault("Server"))


# -- CLI -------------------------------------------------------------------------------------


def test_cli_parse_prints_the_normalized_json() -> None:
    import json

    result = CliRunner().invoke(
        main, ["parse", "chronopost", str(samples_dir("chronopost") / "delivered.xml")]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"carrier", "tracking_number", "status", "substatus", "events", "estimate"} <= set(data)
    assert (data["carrier"], data["status"], len(data["events"])) == ("chronopost", "delivered", 6)


def test_cli_parse_of_a_truncated_body_exits_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(fixture_bytes("chronopost", "delivered.xml")[:500])
    result = CliRunner().invoke(main, ["parse", "chronopost", str(broken)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "chronopost" in result.output
    assert "XML" in result.output


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [VALID, "XG953488284JB", "xp 696-982-485 fr", "89108749065090"])
def test_valid_numbers_are_accepted_and_normalized(number: str) -> None:
    assert ADAPTER.validate(number) == ADAPTER.normalize(number)


@pytest.mark.parametrize(
    "number", ["XP696982484FR", "XY123456789FR", "X1696982485FR", "8910874906509", "ABC"]
)
def test_bad_shapes_and_check_digits_are_rejected(number: str) -> None:
    with pytest.raises(TrackingNumberInvalid, match="Chronopost"):
        ADAPTER.validate(number)


def test_check_digit_scores_above_shape_only() -> None:
    assert ADAPTER.match_score(VALID) == 2
    assert ADAPTER.match_score("89108749065090") == 1
    assert ADAPTER.match_score("XP696982484FR") == 0


def test_detect_recognizes_a_chronopost_skybill() -> None:
    assert "chronopost" in tracker(RecordingSleep()).detect("XG953488284JB")
    assert tracker(RecordingSleep()).detect("XG953488285JB") == []


# -- the code table --------------------------------------------------------------------------

DOCUMENTED = {  # carrier-samples/chronopost/CODES.md: code → (status, substatus)
    "DC": (S.INFO_RECEIVED, Sub.LABEL_CREATED),
    "EA": (S.INFO_RECEIVED, Sub.LABEL_CREATED),
    "PC": (S.IN_TRANSIT, Sub.PICKED_UP),
    "DB": (S.IN_TRANSIT, Sub.PICKED_UP),
    "DY": (S.IN_TRANSIT, Sub.PICKED_UP),
    "SC": (S.IN_TRANSIT, None),
    "EC": (S.IN_TRANSIT, None),
    "TS": (S.IN_TRANSIT, None),
    "O": (S.IN_TRANSIT, None),
    "TP": (S.IN_TRANSIT, None),
    "T": (S.IN_TRANSIT, None),
    "RO": (S.IN_TRANSIT, None),
    "EI": (S.IN_TRANSIT, None),
    "SJ": (S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
    "ST": (S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
    "SD": (S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),
    "IA": (S.IN_TRANSIT, Sub.DELAYED),
    "ZA": (S.IN_TRANSIT, Sub.DELAYED),
    "ZT": (S.IN_TRANSIT, Sub.DELAYED),
    "ZC": (S.IN_TRANSIT, Sub.DELAYED),
    "A2": (S.IN_TRANSIT, Sub.DELAYED),
    "AT": (S.IN_TRANSIT, Sub.DELAYED),
    "I": (S.IN_TRANSIT, Sub.DELAYED),
    "IS": (S.IN_TRANSIT, Sub.DELAYED),
    "TA": (S.OUT_FOR_DELIVERY, None),
    "RB": (S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
    "AB": (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
    "RI": (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    "D": (S.DELIVERED, None),
    "P": (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
    "NA": (S.ATTEMPT_FAILED, None),
    "SK": (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
    "R": (S.RETURNING, None),
    "TT": (S.IN_TRANSIT, None),
    "I2": (S.EXCEPTION, None),
}


def test_every_documented_code_is_mapped_to_its_status() -> None:
    assert codes.STATUS_MAP.codes == set(DOCUMENTED) | set(NOTICES)
    for code, expected in DOCUMENTED.items():
        mapping = codes.STATUS_MAP.lookup(code.ljust(3), "x")
        assert (mapping.status, mapping.substatus, mapping.affects_status) == (*expected, True), (
            code
        )


NOTICES = ("CL", "SM", "CT", "H")


@pytest.mark.parametrize("code", NOTICES)
def test_notices_never_change_the_current_status(code: str) -> None:
    tracking = one(scan("TA", 8), scan(code, 9, "Destinataire informé par SMS ou mail"))
    assert tracking.status is S.OUT_FOR_DELIVERY
    assert tracking.events[0].code == code
    assert not tracking.events[0].affects_status


def test_unknown_code_is_an_unknown_exception_keeping_the_label() -> None:
    tracking = one(scan("TS", 8), scan("QQ", 9, "Message inédit"))
    assert (tracking.status, tracking.substatus) == (S.EXCEPTION, Sub.UNKNOWN)
    assert tracking.events[0].label == "Message inédit"


@pytest.mark.parametrize(
    ("label", "status", "substatus"),
    [
        ("Colis refusé par le destinataire", S.EXCEPTION, Sub.REFUSED),
        ("Colis endommagé", S.EXCEPTION, Sub.DAMAGED),
        ("Avarie constatée", S.EXCEPTION, Sub.DAMAGED),
        ("Colis remis au gardien", S.DELIVERED, Sub.TO_NEIGHBOUR),
        ("Livré chez un voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
        ("Colis en retour vers l'expéditeur", S.RETURNING, None),
        ("Colis retenu en douane", S.EXCEPTION, Sub.CUSTOMS_HOLD),
        ("Colis dédouané", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
        ("Absence du destinataire", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ("Avis de passage déposé", S.ATTEMPT_FAILED, None),
    ],
)
def test_unknown_codes_fall_back_to_label_keywords(
    label: str, status: Status, substatus: Substatus | None
) -> None:
    tracking = one(scan("ZZ", 9, label))
    assert (tracking.status, tracking.substatus) == (status, substatus)


@pytest.mark.parametrize(
    ("code", "label", "status", "substatus"),
    [
        ("SD ", "Livraison reportée de 24h", S.IN_TRANSIT, Sub.DELAYED),
        (
            "SD ",
            "Tri effectué dans l'agence de distribution",
            S.IN_TRANSIT,
            Sub.ARRIVED_AT_DELIVERY_SITE,
        ),
        ("P  ", "Echec de livraison suite au refus du destinataire.", S.EXCEPTION, Sub.REFUSED),
        ("D  ", "Livraison effectuée chez un voisin", S.DELIVERED, Sub.TO_NEIGHBOUR),
        ("TS ", "Colis en cours d'acheminement vers la douane", S.IN_TRANSIT, None),
    ],
)
def test_label_dependent_codes_read_the_label_first(
    code: str, label: str, status: Status, substatus: Substatus | None
) -> None:
    tracking = one(scan(code, 9, label))
    assert (tracking.status, tracking.substatus) == (status, substatus)


def test_delivery_after_pickup_point_arrival_is_a_collection() -> None:
    tracking = one(scan("AB", 8), scan("D  ", 12, "Livraison effectuée"))
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)
    assert one(scan("RI", 12)).substatus is Sub.COLLECTED_AT_PICKUP_POINT


def test_return_after_pickup_point_is_not_collected_and_its_delivery_is_returned() -> None:
    returning = one(scan("AB", 8), scan("R", 10))
    assert (returning.status, returning.substatus) == (S.RETURNING, Sub.NOT_COLLECTED)
    returned = one(scan("AB", 8), scan("R", 10), scan("D", 12))
    assert (returned.status, returned.substatus) == (S.RETURNED, None)


def test_pickup_point_comes_from_the_info_comps() -> None:
    point = "TABAC LE BALTO - 12 RUE OBERKAMPF - 75011 - PARIS - FR"
    tracking = one(scan("AB", 8, Type_de_retrait="Relais CHRONOPOST", Point_de_retrait=point))
    assert (tracking.status, tracking.substatus) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)
    assert tracking.pickup_point is not None
    assert (
        tracking.pickup_point.name,
        tracking.pickup_point.address,
        tracking.pickup_point.postcode,
        tracking.pickup_point.city,
        tracking.pickup_point.country,
    ) == ("TABAC LE BALTO", "12 RUE OBERKAMPF", "75011", "PARIS", "FR")
    locker = one(scan("AB", 8, Type_de_retrait="Consigne Pickup", Point_de_retrait="GARE DE LYON"))
    assert locker.substatus is Sub.LOCKER
    assert locker.pickup_point is not None
    assert locker.pickup_point.name == "GARE DE LYON"


def test_delivery_point_gives_destination_postcode_and_country() -> None:
    tracking = one(scan("DC", 8, Point_de_livraison="SHOP - 1 STRASSE - 10115 - BERLIN - DE"))
    assert (tracking.destination_postcode, tracking.destination_country) == ("10115", "DE")


def test_appointment_window_is_a_carrier_estimate() -> None:
    window = {"Début_créneau_RDV": "27/06/2026 10:00", "Fin_créneau_RDV": "27/06/2026 12:00:00"}
    estimate = one(scan("TA", 8, **window)).estimate
    assert estimate is not None
    assert (estimate.earliest, estimate.latest, estimate.source) == (
        date(2026, 6, 27),
        date(2026, 6, 27),
        "carrier",
    )
    assert (estimate.start_time, estimate.end_time) == (time(10), time(12))


def test_redelivery_day_is_an_estimate_until_delivery() -> None:
    instruction = scan("CL", 9, "Instruction de livraison reçue", Date_de_relivraison="29/06/2026")
    estimate = one(scan("P", 8), instruction).estimate
    assert estimate is not None
    assert estimate.earliest == date(2026, 6, 29)
    assert one(scan("P", 8), instruction, scan("D", 10)).estimate is None
    assert one(scan("DC", 8, Date_de_relivraison="31/02/2026")).estimate is None


# -- HTTP through Tracker --------------------------------------------------------------------


def tracker(sleep: RecordingSleep, **settings: str) -> Tracker:
    point = EntryPoint(
        "chronopost", "suivi_adapters.chronopost:ChronopostAdapter", ENTRY_POINT_GROUP
    )
    return Tracker(
        registry=Registry([point]),
        settings={"chronopost": ChronopostSettings.model_validate(settings)},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0),
        sleep=sleep,
    )


def shape(element: ET.Element) -> list[tuple[str, str]]:
    return [
        (e.tag, (e.text or "").strip())
        for e in element.iter()
        if e.tag.startswith(NS) or "}" not in e.tag
    ]


DELIVERED = fixture_bytes("chronopost", "delivered.xml")


@pytest.mark.anyio
@respx.mock
async def test_the_request_is_the_real_trackskybillv2_call() -> None:
    route = respx.post(URL).respond(200, content=DELIVERED, headers={"Content-Type": "text/xml"})
    async with tracker(RecordingSleep()) as client:
        tracking = await client.track("chronopost", "xp 696982485 FR")
    assert tracking.status is S.DELIVERED
    request = route.calls.last.request
    assert request.headers["Content-Type"].startswith("text/xml")
    assert request.headers["SOAPAction"] == '""'
    expected = fixture_bytes("chronopost", "request_example.xml").replace(
        b"XX260420001FR", VALID.encode()
    )
    assert shape(ET.fromstring(request.content)) == shape(ET.fromstring(expected))
    assert ET.fromstring(request.content).find(f".//{NS}trackSkybillV2") is not None


@pytest.mark.anyio
@respx.mock
async def test_the_language_setting_is_sent() -> None:
    route = respx.post(URL).respond(200, content=DELIVERED)
    async with tracker(RecordingSleep(), language="en_GB") as client:
        await client.track("chronopost", VALID)
    assert b"<language>en_GB</language>" in route.calls.last.request.content


@pytest.mark.anyio
@respx.mock
async def test_unknown_number_raises_shipment_not_found() -> None:
    respx.post(URL).respond(200, content=fixture_bytes("chronopost", "not_found.xml"))
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(ShipmentNotFound):
            await client.track("chronopost", VALID)


@pytest.mark.anyio
@respx.mock
async def test_refused_access_is_an_auth_error() -> None:
    respx.post(URL).respond(401, text="Unauthorized")
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(CarrierAuthError):
            await client.track("chronopost", VALID)


@pytest.mark.anyio
@respx.mock
async def test_rate_limit_waits_what_retry_after_says() -> None:
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, content=DELIVERED),
        ]
    )
    sleep = RecordingSleep()
    async with tracker(sleep) as client:
        tracking = await client.track("chronopost", VALID)
    assert tracking.status is S.DELIVERED
    assert route.call_count == 2
    assert sleep.waits == [7.0]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, text="Service Unavailable"),
        httpx.Response(
            500,
            content=b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            b"<soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>down"
            b"</faultstring></soap:Fault></soap:Body></soap:Envelope>",
        ),
        httpx.Response(200, content=fixture_bytes("chronopost", "system_error.xml")),
    ],
)
@respx.mock
async def test_outages_are_retried_until_success(failure: httpx.Response) -> None:
    route = respx.post(URL).mock(side_effect=[failure, httpx.Response(200, content=DELIVERED)])
    sleep = RecordingSleep()
    async with tracker(sleep) as client:
        tracking = await client.track("chronopost", VALID)
    assert tracking.status is S.DELIVERED
    assert route.call_count == 2
    assert len(sleep.waits) == 1


@pytest.mark.anyio
@respx.mock
async def test_a_client_fault_is_not_retried() -> None:
    fault = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b"<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Unmarshalling Error"
        b"</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    )
    route = respx.post(URL).respond(500, content=fault)
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(CarrierResponseInvalid, match="Unmarshalling"):
            await client.track("chronopost", VALID)
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_one_call_per_number_and_one_unknown_number_fails_alone() -> None:
    other = "XG953488284JB"

    def reply(request: httpx.Request) -> httpx.Response:
        known = VALID.encode() in request.content
        body = answer(scan("TS", 8), number=VALID) if known else answer(number=other)
        return httpx.Response(200, content=body)

    route = respx.post(URL).mock(side_effect=reply)
    async with tracker(RecordingSleep()) as client:
        results = await client.track_many(
            [("chronopost", VALID), ("chronopost", other), ("chronopost", "bad")]
        )
    assert route.call_count == 2
    assert results[0].tracking is not None
    assert results[0].tracking.status is S.IN_TRANSIT
    assert isinstance(results[1].error, ShipmentNotFound)
    assert isinstance(results[2].error, TrackingNumberInvalid)


# -- karrio's samples, read in place ---------------------------------------------------------


def peer(name: str) -> bytes:
    if not PEERS.is_dir():
        pytest.skip("karrio peer samples are not available")
    return (PEERS / name).read_bytes()


def test_karrio_tracking_response_is_delivered() -> None:
    [tracking] = parse(peer("karrio_tracking_response.xml"))
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, None)
    assert tracking.tracking_number == "89108749065090"
    assert tracking.signed_by == "SOLVAREA"
    assert [e.code for e in tracking.events][:2] == ["D", "TA"]
    assert len(tracking.events) == 9


def test_karrio_error_response_is_an_outage() -> None:
    with pytest.raises(CarrierUnavailable):
        parse(peer("karrio_error_response.xml"))
