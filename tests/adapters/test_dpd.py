"""DPD adapter: parsing DPD France Webtrace and DPD group DELIS answers, numbers, and fetch."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from suivi import RetryPolicy, Status, Substatus, Tracker, Tracking, errors
from suivi.cli import main
from suivi.toolkit import PARIS, RawResponse
from suivi_adapters.dpd import DpdAdapter, DpdSettings
from suivi_adapters.dpd.codes import STATUS_MAP
from tests.conftest import SHARED, fixture_bytes, samples_dir
from tests.sdk.helpers import RecordingSleep

ADAPTER = DpdAdapter(DpdSettings())
URL = "https://webtrace.dpd.fr/trace-service/Webtrace_Service.asmx"
NUMBER = "250069112345678901"
SETTINGS = DpdSettings(
    user_id="FAKEUSER", password="FAKEPASSWORD", customer_center="13", customer_number="12345"
)
PEERS = SHARED / "peer-samples" / "karrio" / "dpd"
SAMPLES = sorted(p.name for p in samples_dir("dpd").glob("*.xml"))

# Every StatusNumber of DPD France's status list (README table).
README_CODES = (
    *(0, 8, 10, 230, 20, 24, 26, 27, 28, 89, 29, 97, 30, 31, 99, 32, 93, 34, 35, 36, 40, 400),
    *(44, 60, 220, 62, 160, 161, 71, 271, 273, *range(74, 80), 300, 80, 292, 88, 190, 90, 91),
    *(94, 95, *range(100, 108), 111, 112, 280, 290, 120, 121, 125, 129, 130, 135, 140, 150),
    *(170, 180, 184, 205, 211, 250, 260, 261, 263, 264, 270, *range(410, 415), 441, 442, 444),
    *(*range(450, 458), 460, 461, 462, 470, 471, *range(480, 485), 494, 498, 500),
)
DELIS_CODES = (
    *("SHIPMENT", "PickedUp", "BetweenDepots", "Depot", "Courier", "DeliveryFailure"),
    *("ParcelShop", "ReturningFromDelivery", "Delivered"),
)


def parse(body: bytes, *requested: str) -> list[Tracking]:
    return ADAPTER.parse(RawResponse(body=body, requested=requested))


def parse_one(name: str, *requested: str) -> Tracking:
    [tracking] = parse(fixture_bytes("dpd", name), *requested)
    return tracking


def with_result_fields(body: bytes, extra: str) -> bytes:
    """A sample with more fields in GetShipmentTraceSingleResult (Predict, relay point)."""
    end = b"</GetShipmentTraceSingleResult>"
    return body.replace(end, extra.encode() + end)


def without_relay_fields(body: bytes) -> bytes:
    return body.replace(b"<PointRelaisName></PointRelaisName>", b"").replace(
        b"<PointRelaisLink></PointRelaisLink>", b""
    )


# -- samples ------------------------------------------------------------------------------


def test_delivered_sample_gives_delivered_to_recipient_with_its_metadata() -> None:
    tracking = parse_one("delivered.xml")
    assert (tracking.status, tracking.substatus) == (Status.DELIVERED, Substatus.TO_RECIPIENT)
    assert tracking.tracking_number == NUMBER
    assert [e.code for e in tracking.events] == ["40", "30", "20", "10", "8"]
    latest = tracking.events[0]
    assert latest.timestamp == datetime(2026, 4, 16, 11, 23, tzinfo=PARIS)
    assert latest.timestamp.utcoffset() == timedelta(hours=2)
    assert latest.location is not None
    assert latest.location.city == "LYON"
    assert latest.label == "Livré au destinataire"
    assert tracking.delivered_at == latest.timestamp
    assert tracking.signed_by == "M DUPONT"
    assert tracking.weight_kg == 2.4
    assert (tracking.destination_country, tracking.destination_postcode) == ("FR", "69003")
    assert tracking.estimate is None
    assert tracking.pickup_point is None


def test_arrival_at_the_receiver_depot_is_the_delivery_site_and_elsewhere_a_hub() -> None:
    events = {e.code: e for e in parse_one("delivered.xml").events}
    assert events["20"].substatus is Substatus.ARRIVED_AT_DELIVERY_SITE  # LYON 69 = receiver 69
    body = fixture_bytes("dpd", "delivered.xml").replace(
        b"<ReceiverDepotNumber>69<", b"<ReceiverDepotNumber>33<"
    )
    [tracking] = parse(body)
    assert {e.code: e for e in tracking.events}["20"].substatus is Substatus.AT_HUB


def test_in_transit_sample_is_in_transit_newest_first() -> None:
    tracking = parse_one("in_transit.xml")
    assert tracking.status is Status.IN_TRANSIT
    assert tracking.substatus is Substatus.ARRIVED_AT_DELIVERY_SITE
    assert [e.code for e in tracking.events] == ["20", "170", "10", "8"]
    oldest = tracking.events[-1]
    assert (oldest.status, oldest.substatus) == (Status.INFO_RECEIVED, Substatus.LABEL_CREATED)
    assert oldest.timestamp == datetime(2026, 6, 3, 10, 2, tzinfo=PARIS)
    assert tracking.delivered_at is None
    assert tracking.signed_by is None


def test_refused_sample_is_an_exception_refused() -> None:
    tracking = parse_one("exception_refused.xml")
    assert (tracking.status, tracking.substatus) == (Status.EXCEPTION, Substatus.REFUSED)
    assert tracking.is_problem
    assert tracking.events[0].label == "Colis refusé par le destinataire sans motif exprimé"
    assert len(tracking.events) == 4


def test_not_found_fault_is_a_not_found_tracking_for_the_requested_number() -> None:
    assert parse_one("not_found.xml", NUMBER).status is Status.NOT_FOUND
    assert parse_one("not_found.xml", NUMBER).tracking_number == NUMBER
    assert parse_one("not_found.xml").tracking_number == "250000000000000000"


def test_ip_permission_fault_is_an_auth_error() -> None:
    with pytest.raises(errors.CarrierAuthError, match="No permission for this ip-Address"):
        parse_one("ip_not_whitelisted.xml")


def test_request_example_is_not_a_tracking_answer() -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        parse_one("request_example.xml")


def test_delis_sample_keeps_only_reached_statuses() -> None:
    tracking = parse_one("dpdgroup_delis_in_transit.xml", "01234567890123")
    assert (tracking.status, tracking.substatus) == (Status.IN_TRANSIT, Substatus.AT_HUB)
    assert tracking.tracking_number == "01234567890123"
    assert [e.code for e in tracking.events] == ["BETWEENDEPOTS", "PICKEDUP"]
    latest = tracking.events[0]
    assert latest.timestamp == datetime(2026, 5, 11, 19, 48, tzinfo=PARIS)
    assert latest.location is not None
    assert (latest.location.city, latest.location.country) == ("Puurs", "BE")
    assert latest.label == "The parcel is at the parcel dispatch centre."
    assert tracking.service == "DPD CLASSIC"


def test_delis_pm_times_are_read_on_a_24_hour_clock() -> None:
    picked_up = parse_one("dpdgroup_delis_in_transit.xml").events[1]
    assert picked_up.timestamp == datetime(2026, 5, 11, 16, 2, 17, tzinfo=PARIS)


# -- fields the samples do not show -------------------------------------------------------

PREDICT = (
    "<DeliveryScheduled><StartDate>05/06/2026</StartDate><EndDate>05/06/2026</EndDate>"
    "<StartTime>13:30</StartTime><EndTime>14:30</EndTime></DeliveryScheduled>"
)
RELAY = (
    "<PointRelaisName>TABAC LE BALTO</PointRelaisName>"
    "<PointRelaisLink>https://www.dpd.fr/dpdrelais/id_075123</PointRelaisLink>"
)


def test_predict_window_is_a_carrier_estimate_with_times() -> None:
    [tracking] = parse(with_result_fields(fixture_bytes("dpd", "in_transit.xml"), PREDICT))
    estimate = tracking.estimate
    assert estimate is not None
    assert estimate.source == "carrier"
    assert (estimate.earliest, estimate.latest) == (date(2026, 6, 5), date(2026, 6, 5))
    assert (estimate.start_time, estimate.end_time) == (time(13, 30), time(14, 30))


def test_predict_window_ending_before_it_starts_is_invalid() -> None:
    broken = PREDICT.replace("<EndDate>05/06/2026", "<EndDate>04/06/2026")
    with pytest.raises(errors.CarrierResponseInvalid):
        parse(with_result_fields(fixture_bytes("dpd", "in_transit.xml"), broken))


def test_relay_point_fields_give_a_pickup_point_and_delivery_becomes_a_collection() -> None:
    body = without_relay_fields(fixture_bytes("dpd", "delivered.xml"))
    [tracking] = parse(with_result_fields(body, RELAY))
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.name == "TABAC LE BALTO"
    assert tracking.pickup_point.url == "https://www.dpd.fr/dpdrelais/id_075123"
    assert tracking.substatus is Substatus.COLLECTED_AT_PICKUP_POINT


@pytest.mark.parametrize(
    ("scan_date", "scan_time"),
    [("2026-06-04", "05:31:00"), ("04.06.2026", "05:31"), ("2026-06-04T00:00:00", "05:31")],
)
def test_scan_dates_are_read_leniently(scan_date: str, scan_time: str) -> None:
    body = fixture_bytes("dpd", "in_transit.xml").replace(
        b"<ScanDate>04/06/2026</ScanDate>\n            <ScanTime>05:31</ScanTime>",
        f"<ScanDate>{scan_date}</ScanDate><ScanTime>{scan_time}</ScanTime>".encode(),
    )
    [tracking] = parse(body)
    assert tracking.events[0].timestamp == datetime(2026, 6, 4, 5, 31, tzinfo=PARIS)


def test_winter_scans_are_at_plus_one_hour() -> None:
    body = fixture_bytes("dpd", "in_transit.xml").replace(b"/06/2026", b"/12/2026")
    [tracking] = parse(body)
    assert tracking.events[0].timestamp.utcoffset() == timedelta(hours=1)


def test_a_notice_after_a_scan_does_not_change_the_status() -> None:
    notice = (
        "<clsTrace><StatusNumber>26</StatusNumber><ScanDate>04/06/2026</ScanDate>"
        "<ScanTime>07:00</ScanTime><StatusDescription>Predict SMS</StatusDescription></clsTrace>"
    )
    body = fixture_bytes("dpd", "in_transit.xml").replace(
        b"</Traces>", notice.encode() + b"</Traces>"
    )
    [tracking] = parse(body)
    assert tracking.events[0].code == "26"
    assert not tracking.events[0].affects_status
    assert tracking.substatus is Substatus.ARRIVED_AT_DELIVERY_SITE


def test_unknown_fault_is_an_invalid_response() -> None:
    body = fixture_bytes("dpd", "not_found.xml").replace(b"ShipmentNotFound", b"Oops")
    body = body.replace(b"no shipment found", b"boom")
    with pytest.raises(errors.CarrierResponseInvalid, match="SOAP fault"):
        parse(body)


# -- robustness ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_every_truncation_is_an_invalid_response(name: str) -> None:
    body = fixture_bytes("dpd", name).rstrip()
    for end in range(len(body)):
        with pytest.raises(errors.CarrierResponseInvalid):
            parse(body[:end])


# -- CLI ----------------------------------------------------------------------------------


def test_cli_parse_prints_the_normalized_tracking() -> None:
    result = CliRunner().invoke(main, ["parse", "dpd", str(samples_dir("dpd") / "delivered.xml")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"carrier", "tracking_number", "status", "substatus", "events", "estimate"} <= set(data)
    assert (data["carrier"], data["status"], data["substatus"]) == (
        "dpd",
        "delivered",
        "to_recipient",
    )


def test_cli_parse_of_a_truncated_body_exits_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(fixture_bytes("dpd", "delivered.xml")[:700])
    result = CliRunner().invoke(main, ["parse", "dpd", str(broken)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: dpd")


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["250 069 112345678901", "25006911234567", "250-069-1123-4567"])
def test_label_and_barcode_numbers_are_accepted(number: str) -> None:
    assert ADAPTER.validate(number) == number.replace(" ", "").replace("-", "")


@pytest.mark.parametrize(
    "number", ["1234567890123", "25006911234", "25006911234567890X", "35006911234567"]
)
def test_other_shapes_are_rejected(number: str) -> None:
    with pytest.raises(errors.TrackingNumberInvalid, match="250"):
        ADAPTER.validate(number)


@pytest.mark.parametrize(
    "number", ["1Z999AA10123456784", "6A12345678901", "EW112720413FR", "XY123456789FR"]
)
def test_detect_leaves_ups_colissimo_and_chronopost_numbers_alone(number: str) -> None:
    assert ADAPTER.match_score(number) == 0


def test_detect_finds_dpd_numbers() -> None:
    assert "dpd" in Tracker().detect(NUMBER)


# -- status table -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [*README_CODES, *DELIS_CODES])
def test_every_documented_code_is_mapped(code: int | str) -> None:
    assert code in STATUS_MAP
    assert STATUS_MAP.lookup(code).known


@pytest.mark.parametrize(
    ("code", "status", "substatus"),
    [
        (29, Status.IN_TRANSIT, Substatus.DELAYED),
        (102, Status.EXCEPTION, Substatus.DAMAGED),
        (105, Status.EXCEPTION, Substatus.REFUSED),
        (130, Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT),
        (140, Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT),
        (261, Status.RETURNING, None),  # REOR: on its way back to the shipper's address
        (482, Status.RETURNING, None),
        (62, Status.EXCEPTION, Substatus.LOST),
        ("Courier", Status.OUT_FOR_DELIVERY, None),
    ],
)
def test_key_codes_map_as_dpd_means_them(
    code: int | str, status: Status, substatus: Substatus | None
) -> None:
    mapping = STATUS_MAP.lookup(code)
    assert (mapping.status, mapping.substatus) == (status, substatus)


@pytest.mark.parametrize("code", [184, 453, 454, 455, 24, 26, 27, 500])
def test_notices_do_not_affect_status(code: int) -> None:
    assert not STATUS_MAP.lookup(code).affects_status


def test_unknown_code_is_exception_unknown_with_the_label_kept() -> None:
    event = ADAPTER.event(timestamp=datetime(2026, 1, 1, tzinfo=PARIS), code=999, label="Nouveau")
    assert (event.status, event.substatus, event.label) == (
        Status.EXCEPTION,
        Substatus.UNKNOWN,
        "Nouveau",
    )


# -- fetch through the Tracker ------------------------------------------------------------


def tracker(sleep: RecordingSleep) -> Tracker:
    return Tracker(
        settings={"dpd": SETTINGS},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0),
        sleep=sleep,
    )


def shape(xml: bytes) -> list[tuple[str, str]]:
    return [(el.tag, (el.text or "").strip()) for el in ET.fromstring(xml).iter()]


def soap_500(name: str) -> httpx.Response:
    return httpx.Response(
        500, content=fixture_bytes("dpd", name), headers={"Content-Type": "text/xml"}
    )


def ok(name: str = "delivered.xml") -> httpx.Response:
    return httpx.Response(
        200, content=fixture_bytes("dpd", name), headers={"Content-Type": "text/xml"}
    )


@pytest.mark.anyio
@respx.mock
async def test_request_is_the_documented_soap_call() -> None:
    route = respx.post(URL).mock(return_value=ok())
    async with tracker(RecordingSleep()) as client:
        tracking = await client.track("dpd", NUMBER)
    assert tracking.status is Status.DELIVERED
    request = route.calls.last.request
    assert request.headers["SOAPAction"] == '"http://www.cargonet.software/GetShipmentTraceSingle"'
    assert request.headers["Content-Type"].startswith("text/xml")
    assert shape(request.content) == shape(fixture_bytes("dpd", "request_example.xml"))


@pytest.mark.anyio
@respx.mock
async def test_not_found_fault_raises_shipment_not_found_without_retrying() -> None:
    route = respx.post(URL).mock(return_value=soap_500("not_found.xml"))
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(errors.ShipmentNotFound):
            await client.track("dpd", NUMBER)
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_ip_permission_fault_raises_auth_error_without_retrying() -> None:
    route = respx.post(URL).mock(return_value=soap_500("ip_not_whitelisted.xml"))
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(errors.CarrierAuthError):
            await client.track("dpd", NUMBER)
    assert route.call_count == 1


@pytest.mark.anyio
@respx.mock
async def test_rate_limit_waits_for_retry_after_then_succeeds() -> None:
    route = respx.post(URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), ok()]
    )
    sleep = RecordingSleep()
    async with tracker(sleep) as client:
        tracking = await client.track("dpd", NUMBER)
    assert tracking.status is Status.DELIVERED
    assert route.call_count == 2
    assert sleep.waits == [7.0]


@pytest.mark.anyio
@respx.mock
async def test_server_error_then_success() -> None:
    route = respx.post(URL).mock(
        side_effect=[httpx.Response(503, text="<h1>Service Unavailable</h1>"), ok()]
    )
    sleep = RecordingSleep()
    async with tracker(sleep) as client:
        tracking = await client.track("dpd", NUMBER)
    assert tracking.status is Status.DELIVERED
    assert route.call_count == 2
    assert len(sleep.waits) == 1


@pytest.mark.anyio
@respx.mock
async def test_no_batching_one_call_per_number_and_one_unknown_does_not_fail_others() -> None:
    other = "250033087654321098"

    def answer(request: httpx.Request) -> httpx.Response:
        return (
            ok("in_transit.xml") if other.encode() in request.content else soap_500("not_found.xml")
        )

    route = respx.post(URL).mock(side_effect=answer)
    async with tracker(RecordingSleep()) as client:
        results = await client.track_many([("dpd", NUMBER), ("dpd", other), ("dpd", "123")])
    assert route.call_count == 2
    assert isinstance(results[0].error, errors.ShipmentNotFound)
    assert results[1].tracking is not None
    assert results[1].tracking.status is Status.IN_TRANSIT
    assert isinstance(results[2].error, errors.TrackingNumberInvalid)


@pytest.mark.anyio
async def test_missing_credentials_name_the_variable() -> None:
    async with Tracker(settings={"dpd": DpdSettings()}) as client:
        with pytest.raises(errors.ConfigurationError, match="SUIVI_DPD_USER_ID"):
            await client.track("dpd", NUMBER)


# -- karrio's DELIS payloads --------------------------------------------------------------

PEER_EXPECTED: dict[str, Status | type[errors.SuiviError]] = {
    "karrio_delis_tracking_response.xml": Status.ATTEMPT_FAILED,
    "karrio_delis_error_response.xml": errors.CarrierAuthError,
}


@pytest.mark.parametrize("name", sorted(PEER_EXPECTED))
def test_karrio_delis_payloads_parse(name: str) -> None:
    if not (PEERS / name).is_file():
        pytest.skip("peer samples are not available")
    body = (PEERS / name).read_bytes()
    expected = PEER_EXPECTED[name]
    if isinstance(expected, Status):
        [tracking] = parse(body)
        assert tracking.status is expected
    else:
        with pytest.raises(expected):
            parse(body)


def test_every_karrio_delis_payload_is_expected() -> None:
    if not PEERS.is_dir():
        pytest.skip("peer samples are not available")
    assert {p.name for p in PEERS.iterdir()} <= set(PEER_EXPECTED)


@pytest.mark.anyio
@respx.mock
async def test_other_soap_faults_are_outages_and_retried() -> None:
    body = fixture_bytes("dpd", "not_found.xml").replace(b"ShipmentNotFound", b"SqlTimeout")
    body = body.replace(b"no shipment found", b"database busy")
    route = respx.post(URL).mock(return_value=httpx.Response(500, content=body))
    async with tracker(RecordingSleep()) as client:
        with pytest.raises(errors.CarrierUnavailable):
            await client.track("dpd", NUMBER)
    assert route.call_count == 3
