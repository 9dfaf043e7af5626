"""Mondial Relay adapter: samples, STAT table, label mapping, numbers and the SOAP call."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from suivi import RetryPolicy, Status, Substatus, Tracker, Tracking, errors
from suivi.cli import main
from suivi.toolkit import RawResponse
from suivi_adapters.mondial_relay import MondialRelayAdapter, MondialRelaySettings
from suivi_adapters.mondial_relay.adapter import security_key, slug
from suivi_adapters.mondial_relay.codes import (
    LABEL_ROWS,
    PICKUP_DAYS,
    STAT_CODES,
    STATUS_MAP,
    StatKind,
)
from tests.conftest import SHARED, fixture_bytes, samples_dir
from tests.sdk.helpers import RecordingSleep

CARRIER = "mondial_relay"
NUMBER = "31415926"
SETTINGS = MondialRelaySettings(merchant_code="BDTEST13", private_key="PrivateK")
URL = "https://api.mondialrelay.com/Web_Services.asmx"
RESPONSES = ("delivered.xml", "in_transit.xml", "exception_anomaly.xml", "not_found.xml")
ALL_SAMPLES = (*RESPONSES, "invalid_security_key.xml")


def adapter() -> MondialRelayAdapter:
    return MondialRelayAdapter(SETTINGS)


def parse(body: bytes, number: str = NUMBER) -> Tracking:
    [tracking] = adapter().parse(RawResponse(body=body, requested=(number,)))
    return tracking


def sample(name: str) -> Tracking:
    return parse(fixture_bytes(CARRIER, name))


def row(label: str, day: str = "04/03/2026", hour: str = "10:05", relay: str = "") -> str:
    return (
        f"<ret_WSI2_sub_TracingColisDetaille><Libelle>{label}</Libelle><Date>{day}</Date>"
        f"<Heure>{hour}</Heure><Emplacement>LE PETIT BAZAR</Emplacement>"
        f"<Relais_Num>{relay}</Relais_Num><Relais_Pays>FR</Relais_Pays>"
        "</ret_WSI2_sub_TracingColisDetaille>"
    )


def answer(stat: int | str, *rows: str, headline: str = "", relay: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<WSI2_TracingColisDetailleResponse xmlns="http://www.mondialrelay.fr/webservice/">'
        f"<WSI2_TracingColisDetailleResult><STAT>{stat}</STAT><Libelle01>{headline}</Libelle01>"
        f"<Relais_Libelle></Relais_Libelle><Relais_Num>{relay}</Relais_Num>"
        f"<Tracing>{''.join(rows)}</Tracing>"
        "</WSI2_TracingColisDetailleResult></WSI2_TracingColisDetailleResponse>"
        "</soap:Body></soap:Envelope>"
    ).encode()


# -- samples -------------------------------------------------------------------------------


def test_delivered_sample_is_collected_at_the_point_relais() -> None:
    tracking = sample("delivered.xml")
    assert (tracking.status, tracking.substatus) == (
        Status.DELIVERED,
        Substatus.COLLECTED_AT_PICKUP_POINT,
    )
    assert [e.code for e in tracking.events] == [
        "COLIS_LIVRE",
        "COLIS_DISPONIBLE_AU_POINT_RELAIS",
        "COLIS_EN_COURS_D_ACHEMINEMENT",
        "PRISE_EN_CHARGE_EN_AGENCE",
    ]
    latest = tracking.events[0]
    assert latest.label == "COLIS LIVRÉ"
    assert latest.timestamp.isoformat() == "2026-03-06T17:48:00+01:00"
    assert latest.location is not None
    assert latest.location.name == "LE PETIT BAZAR"
    assert tracking.delivered_at == latest.timestamp
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.identifier == "075321"
    assert tracking.pickup_point.name == "LE PETIT BAZAR"
    assert tracking.pickup_point.country == "FR"
    assert tracking.pickup_point.deadline is None
    assert tracking.estimate is None
    assert tracking.tracking_number == NUMBER


def test_in_transit_sample_keeps_summer_offset_and_order() -> None:
    tracking = sample("in_transit.xml")
    assert (tracking.status, tracking.substatus) == (Status.IN_TRANSIT, None)
    assert len(tracking.events) == 3
    assert [e.timestamp.utcoffset() for e in tracking.events] == [timedelta(hours=2)] * 3
    assert tracking.events[-1].code == "ANNONCE_EXPEDITION"
    assert tracking.events[-1].status is Status.INFO_RECEIVED
    assert tracking.events[1].substatus is Substatus.PICKED_UP
    assert tracking.events[0].location is not None
    assert tracking.events[0].location.name == "HUB DE BONNEUIL"
    assert tracking.pickup_point is None


def test_anomaly_sample_shows_the_damage_then_the_return() -> None:
    tracking = sample("exception_anomaly.xml")
    assert (tracking.status, tracking.substatus) == (Status.RETURNING, None)
    damaged = tracking.events[1]
    assert (damaged.status, damaged.substatus) == (Status.EXCEPTION, Substatus.DAMAGED)
    assert damaged.code == "ANOMALIE_COLIS_ENDOMMAGE"
    assert tracking.is_problem


def test_not_found_sample_is_a_not_found_tracking() -> None:
    tracking = sample("not_found.xml")
    assert tracking.status is Status.NOT_FOUND
    assert tracking.events == ()
    assert tracking.tracking_number == NUMBER


def test_invalid_security_key_sample_is_an_auth_error() -> None:
    with pytest.raises(errors.CarrierAuthError, match="STAT 97"):
        sample("invalid_security_key.xml")


def test_request_matches_the_sample_request() -> None:
    request = adapter().request(NUMBER)
    sent = ET.fromstring(request.content).find(".//{*}WSI2_TracingColisDetaille")
    example = ET.fromstring(fixture_bytes(CARRIER, "request_example.xml"))
    expected = example.find(".//{*}WSI2_TracingColisDetaille")
    assert sent is not None
    assert expected is not None
    assert (
        sent.tag
        == expected.tag
        == "{http://www.mondialrelay.fr/webservice/}WSI2_TracingColisDetaille"
    )
    assert [c.tag for c in sent] == [c.tag for c in expected]
    assert [c.text for c in sent][:3] == [c.text for c in expected][:3]


def test_a_request_body_is_not_a_response() -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        sample("request_example.xml")


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_every_truncation_raises_a_typed_error(name: str) -> None:
    body = fixture_bytes(CARRIER, name).rstrip()
    for end in range(len(body)):
        with pytest.raises(errors.CarrierResponseInvalid):
            parse(body[:end])


# -- STAT table and decisions ------------------------------------------------------------


ERRORS = {
    StatKind.AUTH: errors.CarrierAuthError,
    StatKind.NUMBER: errors.TrackingNumberInvalid,
    StatKind.UNAVAILABLE: errors.CarrierUnavailable,
    StatKind.CONFIG: errors.ConfigurationError,
    StatKind.REQUEST: errors.CarrierResponseInvalid,
}


@pytest.mark.parametrize(("stat", "kind"), [(s, k) for s, (_, k) in STAT_CODES.items()])
def test_every_stat_value_has_its_meaning(stat: int, kind: StatKind) -> None:
    body = answer(stat)
    if kind in ERRORS:
        with pytest.raises(ERRORS[kind], match=f"STAT {stat}:"):
            parse(body)
    else:
        expected = (
            Status.NOT_FOUND if kind is StatKind.NOT_FOUND else STATUS_MAP.lookup(stat).status
        )
        assert parse(body).status is expected


@pytest.mark.parametrize(
    ("stat", "status", "substatus"),
    [
        (80, Status.INFO_RECEIVED, Substatus.LABEL_CREATED),
        (81, Status.IN_TRANSIT, None),
        (82, Status.DELIVERED, Substatus.COLLECTED_AT_PICKUP_POINT),
        (83, Status.EXCEPTION, Substatus.UNKNOWN),
    ],
)
def test_stat_decides_when_there_are_no_events(
    stat: int, status: Status, substatus: Substatus | None
) -> None:
    tracking = parse(answer(stat))
    assert (tracking.status, tracking.substatus) == (status, substatus)
    assert tracking.delivered_at is None


def test_headline_refines_a_vague_stat() -> None:
    tracking = parse(answer(81, headline="COLIS DISPONIBLE AU POINT RELAIS"))
    assert tracking.status is Status.AVAILABLE_FOR_PICKUP


@pytest.mark.parametrize("stat", ["", "8x", "-1", "100", "²", "٨٢"])
def test_unreadable_or_unknown_stat_is_invalid(stat: str) -> None:
    with pytest.raises(errors.CarrierResponseInvalid, match="STAT"):
        parse(answer(stat))


def test_unknown_label_is_kept_as_exception_unknown_and_stat_decides() -> None:
    tracking = parse(answer(81, row("FLUX 42 SANS LIBELLE CONNU")))
    [event] = tracking.events
    assert (event.status, event.substatus) == (Status.EXCEPTION, Substatus.UNKNOWN)
    assert event.label == "FLUX 42 SANS LIBELLE CONNU"
    assert event.code == "FLUX_42_SANS_LIBELLE_CONNU"
    assert tracking.status is Status.IN_TRANSIT


def test_delivered_stat_beats_a_lagging_event() -> None:
    tracking = parse(answer(82, row("COLIS DISPONIBLE AU POINT RELAIS", relay="075321")))
    assert (tracking.status, tracking.substatus) == (
        Status.DELIVERED,
        Substatus.COLLECTED_AT_PICKUP_POINT,
    )
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.deadline is None


def test_returned_events_are_not_overridden_by_a_delivered_stat() -> None:
    tracking = parse(answer(82, row("COLIS RETOURNÉ À L'EXPÉDITEUR")))
    assert tracking.status is Status.RETURNED


def test_home_delivery_is_to_recipient() -> None:
    tracking = parse(answer(82, row("COLIS LIVRÉ À DOMICILE")))
    assert (tracking.status, tracking.substatus) == (Status.DELIVERED, Substatus.TO_RECIPIENT)


def test_available_parcel_has_a_fourteen_day_deadline() -> None:
    body = answer(81, row("COLIS DISPONIBLE AU POINT RELAIS", relay="075321"), relay="075321")
    tracking = parse(body)
    assert tracking.status is Status.AVAILABLE_FOR_PICKUP
    point = tracking.pickup_point
    assert point is not None
    assert point.identifier == "075321"
    assert point.name == "LE PETIT BAZAR"
    assert point.deadline == date(2026, 3, 4) + timedelta(days=PICKUP_DAYS)
    assert point.deadline == date(2026, 3, 18)


def test_blank_filler_rows_are_skipped() -> None:
    blank = row("", day="", hour="")
    tracking = parse(answer(81, blank, row("PRISE EN CHARGE EN AGENCE"), blank))
    assert [e.code for e in tracking.events] == ["PRISE_EN_CHARGE_EN_AGENCE"]


def test_a_date_without_time_is_midnight_paris() -> None:
    [event] = parse(answer(81, row("PRISE EN CHARGE EN AGENCE", hour=""))).events
    assert event.timestamp.isoformat() == "2026-03-04T00:00:00+01:00"


def test_an_answer_whose_only_date_is_unreadable_falls_back_to_the_stat() -> None:
    tracking = parse(answer(81, row("PRISE EN CHARGE EN AGENCE", day="31/02/2026")))
    assert tracking.events == ()
    assert (tracking.status, tracking.substatus) == (Status.IN_TRANSIT, None)


@pytest.mark.parametrize("encoding", ["utf-6", "utf-16"])
def test_declared_encoding_that_cannot_be_read_is_invalid(encoding: str) -> None:
    body = fixture_bytes(CARRIER, "delivered.xml").replace(b"utf-8", encoding.encode(), 1)
    with pytest.raises(errors.CarrierResponseInvalid, match="XML"):
        parse(body)


@pytest.mark.parametrize(
    ("code", "kind"),
    [("soap:Server", errors.CarrierUnavailable), ("soap:Client", errors.CarrierResponseInvalid)],
)
def test_soap_faults_are_typed(code: str, kind: type[errors.SuiviError]) -> None:
    body = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f"<soap:Fault><faultcode>{code}</faultcode><faultstring>boom</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    ).encode()
    with pytest.raises(kind, match="boom"):
        parse(body)


# -- code table ----------------------------------------------------------------------------


def test_every_code_in_the_table_maps_to_a_known_status() -> None:
    for code in STATUS_MAP.codes:
        mapping = STATUS_MAP.lookup(code)
        assert mapping.known
        assert mapping.status in Status
    assert {
        str(s) for s, (_, k) in STAT_CODES.items() if k is StatKind.TRACKING
    } <= STATUS_MAP.codes


def test_label_rows_are_slugs_of_labels() -> None:
    assert all(isinstance(code, str) and slug(code) == code for code, *_ in LABEL_ROWS)


@pytest.mark.parametrize(
    ("label", "status", "substatus"),
    [
        ("Colis pris en charge par Mondial Relay", Status.IN_TRANSIT, Substatus.PICKED_UP),
        ("Colis en cours de livraison", Status.OUT_FOR_DELIVERY, None),
        ("Colis disponible au Point Relais®", Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT),
        ("Colis disponible en Locker", Status.AVAILABLE_FOR_PICKUP, Substatus.LOCKER),
        ("Colis livré au Point Relais", Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT),
        ("Colis livré", Status.DELIVERED, Substatus.COLLECTED_AT_PICKUP_POINT),
        ("Colis non retiré - retour expéditeur", Status.RETURNING, Substatus.NOT_COLLECTED),
        ("Colis refusé", Status.EXCEPTION, Substatus.REFUSED),
        ("Anomalie : colis abîmé, avarie", Status.EXCEPTION, Substatus.DAMAGED),
        ("Anomalie", Status.EXCEPTION, Substatus.UNKNOWN),
        ("Colis retourné à l'expéditeur", Status.RETURNED, None),
    ],
)
def test_keyword_rules_read_label_variants(
    label: str, status: Status, substatus: Substatus | None
) -> None:
    mapping = STATUS_MAP.lookup(slug(label), label)
    assert (mapping.status, mapping.substatus) == (status, substatus)


def test_slug_folds_accents_and_punctuation() -> None:
    assert slug("ANOMALIE : COLIS ENDOMMAGÉ") == "ANOMALIE_COLIS_ENDOMMAGE"
    assert slug("colis en cours d'acheminement") == "COLIS_EN_COURS_D_ACHEMINEMENT"


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["31415926", "3141 5926", "3141592653", "314159265358"])
def test_valid_numbers(number: str) -> None:
    assert adapter().validate(number) == number.replace(" ", "")


@pytest.mark.parametrize("number", ["3141592", "314159265", "31415926535897", "AB415926", ""])
def test_invalid_numbers(number: str) -> None:
    with pytest.raises(errors.TrackingNumberInvalid, match="8-digit"):
        adapter().validate(number)


def test_detect_ranks_mondial_relay_for_eight_digits() -> None:
    assert Tracker().detect("31415926")[0] == CARRIER
    assert CARRIER not in Tracker().detect("1Z999AA10123456784")


# -- CLI -----------------------------------------------------------------------------------


def test_cli_parse_prints_the_tracking_as_json() -> None:
    result = CliRunner().invoke(
        main, ["parse", CARRIER, str(samples_dir(CARRIER) / "delivered.xml")]
    )
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert {"carrier", "tracking_number", "status", "substatus", "events", "estimate"} <= set(
        payload
    )
    assert (payload["carrier"], payload["status"]) == (CARRIER, "delivered")


def test_cli_parse_of_a_truncated_body_fails_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(fixture_bytes(CARRIER, "delivered.xml")[:400])
    result = CliRunner().invoke(main, ["parse", CARRIER, str(broken)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: ")


# -- over HTTP (respx) ---------------------------------------------------------------------


def tracker(sleep: RecordingSleep) -> Tracker:
    return Tracker(
        settings={CARRIER: SETTINGS},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0),
        sleep=sleep,
    )


def ok(name: str = "in_transit.xml") -> httpx.Response:
    return httpx.Response(
        200, content=fixture_bytes(CARRIER, name), headers={"Content-Type": "text/xml"}
    )


@pytest.mark.anyio
@respx.mock
async def test_request_is_the_signed_soap_call() -> None:
    route = respx.post(URL).mock(return_value=ok())
    async with tracker(RecordingSleep()) as client:
        tracking = await client.track(CARRIER, "3141-5926")
    assert tracking.status is Status.IN_TRANSIT
    request = route.calls.last.request
    assert (
        request.headers["SOAPAction"]
        == '"http://www.mondialrelay.fr/webservice/WSI2_TracingColisDetaille"'
    )
    assert request.headers["Content-Type"].startswith("text/xml")
    call = ET.fromstring(request.content).find(".//{*}WSI2_TracingColisDetaille")
    assert call is not None
    fields = {child.tag.rpartition("}")[2]: child.text for child in call}
    signature = hashlib.md5(b"BDTEST1331415926FRPrivateK").hexdigest().upper()
    assert fields == {
        "Enseigne": "BDTEST13",
        "Expedition": NUMBER,
        "Langue": "FR",
        "Security": signature,
    }
    assert security_key("BDTEST13", NUMBER, "FR", "PrivateK") == signature


@pytest.mark.anyio
@respx.mock
async def test_unknown_parcel_raises_shipment_not_found() -> None:
    respx.post(URL).mock(return_value=ok("not_found.xml"))
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(errors.ShipmentNotFound) as caught:
            await client.track(CARRIER, NUMBER)
    assert caught.value.number == NUMBER


@pytest.mark.anyio
@respx.mock
async def test_bad_security_key_is_an_auth_error_without_retry() -> None:
    route = respx.post(URL).mock(return_value=ok("invalid_security_key.xml"))
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(errors.CarrierAuthError):
            await client.track(CARRIER, NUMBER)
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_rate_limit_waits_for_retry_after() -> None:
    route = respx.post(URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), ok()]
    )
    sleep = RecordingSleep()
    async with tracker(sleep) as client:
        assert (await client.track(CARRIER, NUMBER)).status is Status.IN_TRANSIT
    assert route.call_count == 2
    assert sleep.waits == [7.0]


@pytest.mark.anyio
@respx.mock
async def test_server_error_then_success() -> None:
    route = respx.post(URL).mock(side_effect=[httpx.Response(503), ok()])
    sleep = RecordingSleep()
    async with tracker(sleep) as client:
        assert (await client.track(CARRIER, NUMBER)).status is Status.IN_TRANSIT
    assert route.call_count == 2
    assert len(sleep.waits) == 1


@pytest.mark.anyio
@respx.mock
async def test_service_unavailable_stat_is_retried() -> None:
    route = respx.post(URL).mock(side_effect=[httpx.Response(200, content=answer(98)), ok()])
    async with tracker(RecordingSleep()) as client:
        assert (await client.track(CARRIER, NUMBER)).status is Status.IN_TRANSIT
    assert route.call_count == 2


@pytest.mark.anyio
@respx.mock
async def test_client_fault_in_http_500_is_not_retried() -> None:
    fault = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b"<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Server was unable to read "
        b"request.</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    )
    route = respx.post(URL).mock(return_value=httpx.Response(500, content=fault))
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(errors.CarrierResponseInvalid, match="soap:Client"):
            await client.track(CARRIER, NUMBER)
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_one_call_per_number_and_one_unknown_does_not_fail_the_other() -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if b"WSI4_PointRelais_Recherche" in request.content:
            return ok("point_details.xml")
        return ok("delivered.xml" if NUMBER.encode() in request.content else "not_found.xml")

    route = respx.post(URL).mock(side_effect=reply)
    async with tracker(RecordingSleep()) as client:
        results = await client.track_many([(CARRIER, NUMBER), (CARRIER, "27182818")])
    assert route.call_count == 3  # a tracing per number, then the delivered one's Point Relais
    assert sum(r.ok for r in results) == 1
    assert sum(isinstance(r.error, errors.ShipmentNotFound) for r in results) == 1


@pytest.mark.anyio
async def test_missing_credentials_name_the_variable() -> None:
    client = Tracker(settings={CARRIER: MondialRelaySettings()})
    async with client:
        with pytest.raises(errors.ConfigurationError, match="SUIVI_MONDIAL_RELAY_MERCHANT_CODE"):
            await client.track(CARRIER, NUMBER)


# -- peer samples ----------------------------------------------------------------------------


def test_peer_samples_parse_when_present() -> None:
    folder = SHARED / "peer-samples" / "karrio" / CARRIER
    if not folder.is_dir():
        pytest.skip("no karrio samples for Mondial Relay (karrio has no Mondial Relay connector)")
    for path in sorted(folder.iterdir()):
        try:
            tracking = parse(path.read_bytes())
        except errors.SuiviError:
            continue
        assert tracking.status in Status
