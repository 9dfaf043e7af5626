"""Colissimo (La Poste Suivi v2): parsing of real-format samples, codes, numbers and HTTP use."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from click.testing import CliRunner

from suivi import RetryPolicy, Status, Substatus, Tracker, Tracking, errors
from suivi.cli import main
from suivi.toolkit import RawResponse
from suivi_adapters.colissimo import ColissimoAdapter, ColissimoSettings
from suivi_adapters.colissimo.codes import STATUS_MAP
from tests.conftest import SHARED, fixture_bytes, samples_dir
from tests.sdk.helpers import RecordingSleep

ADAPTER = ColissimoAdapter(ColissimoSettings(api_key="test-key"))
BASE = "https://api.laposte.fr/suivi/v2/idships"
SAMPLES = sorted(p.name for p in samples_dir("colissimo").glob("*.json") if p.stem != "expected")
PEERS = SHARED / "peer-samples" / "karrio" / "colissimo"
# The carrier samples README's table, then the legacy Colissimo codes it lists.
README_CODES = frozenset(
    {"DR1", "PC1", "PC2", "ET1", "ET2", "ET3", "ET4", "EP1", "DO1", "DO2", "DO3", "PB1", "PB2"}
    | {"MD2", "ND1", "AG1", "RE1", "DI1", "DI2", "AN1"}
    | {"COMCFM", "PCHMQT", "PCHCFM", "AARCFM", "AARDVY", "DEPGUI", "LIVCFM", "LIVGAR", "LIVRTI"}
    | {"LIVREO", "RENNRV", "RENAIN", "RENAVA", "RENAVI", "MLVARS"}
)


def parse_sample(name: str) -> Tracking:
    [tracking] = ADAPTER.parse(RawResponse(fixture_bytes("colissimo", name)))
    return tracking


def body(data: Any) -> bytes:
    return json.dumps(data).encode()


def shipment_answer(number: str, *events: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "returnCode": 200,
        "shipment": {
            "idShip": number,
            "product": "colissimo",
            "event": [{"code": c, "label": label, "date": at} for c, label, at in events],
        },
    }


# -- samples -------------------------------------------------------------------------------


def test_delivered_sample() -> None:
    tracking = parse_sample("delivered.json")
    assert (tracking.status, tracking.substatus) == (Status.DELIVERED, Substatus.TO_RECIPIENT)
    assert tracking.tracking_number == "6A26012345678"
    assert [e.code for e in tracking.events] == ["DI1", "MD2", "ET1", "ET1", "PC1", "DR1"]
    assert [e.timestamp for e in tracking.events] == sorted(
        (e.timestamp for e in tracking.events), reverse=True
    )
    assert all(e.timestamp.utcoffset() == timedelta(hours=1) for e in tracking.events)
    assert tracking.delivered_at is not None
    assert tracking.delivered_at.isoformat() == "2026-03-12T11:42:00+01:00"
    assert tracking.estimate is not None
    assert (tracking.estimate.earliest, tracking.estimate.source) == (date(2026, 3, 12), "carrier")
    assert tracking.service == "colissimo"
    assert (tracking.origin_country, tracking.destination_country) == ("FR", "FR")
    # Suivi v2 gives neither event places nor a signatory nor a pickup point here.
    assert tracking.events[0].location is None
    assert tracking.signed_by is None
    assert tracking.pickup_point is None
    assert tracking.is_terminal


def test_in_transit_sample() -> None:
    tracking = parse_sample("in_transit.json")
    assert (tracking.status, tracking.substatus) == (Status.IN_TRANSIT, Substatus.AT_HUB)
    assert [e.code for e in tracking.events] == ["ET1", "PC1", "DR1"]
    assert tracking.events[0].timestamp.isoformat() == "2026-05-05T03:40:18+02:00"
    assert tracking.estimate is not None
    assert (tracking.estimate.earliest, tracking.estimate.latest) == (date(2026, 5, 6),) * 2
    assert tracking.delivered_at is None
    assert not tracking.is_terminal


def test_address_problem_sample() -> None:
    tracking = parse_sample("exception_address_problem.json")
    assert (tracking.status, tracking.substatus) == (Status.EXCEPTION, Substatus.ADDRESS_PROBLEM)
    assert tracking.events[0].code == "ND1"
    assert tracking.events[0].label.startswith("Votre colis n'a pas pu être livré")
    assert tracking.estimate is None
    assert tracking.is_problem


def test_refused_and_returning_sample() -> None:
    tracking = parse_sample("returned_to_sender.json")
    assert (tracking.status, tracking.substatus) == (Status.RETURNING, Substatus.REFUSED)
    assert len(tracking.events) == 4
    assert not tracking.is_terminal


def test_not_found_sample_is_a_not_found_tracking() -> None:
    tracking = parse_sample("not_found.json")
    assert tracking.status is Status.NOT_FOUND
    assert tracking.tracking_number == "6A26000000000"
    assert tracking.events == ()


def test_invalid_number_sample_raises() -> None:
    with pytest.raises(errors.TrackingNumberInvalid) as caught:
        parse_sample("invalid_number.json")
    assert caught.value.number == "123ABC"
    assert "pas valide" in caught.value.message


def test_rate_limited_sample_raises() -> None:
    with pytest.raises(errors.CarrierRateLimited) as caught:
        parse_sample("rate_limited.json")
    assert "TOO_MANY_REQUESTS" in caught.value.message


def test_gateway_unauthorized_body_is_an_auth_error() -> None:
    raw = RawResponse(
        body({"code": "UNAUTHORIZED", "message": "This action requires an authorization"})
    )
    with pytest.raises(errors.CarrierAuthError):
        ADAPTER.parse(raw)


def test_estimate_time_window_and_pickup_point() -> None:
    answer = shipment_answer(
        "6A26012345678", ("AG1", "Disponible en point relais", "2026-05-05T10:00:00+02:00")
    )
    answer["shipment"].update(
        estimDate="2026-05-06T00:00:00+02:00",
        estimHourMin="2026-05-06T13:00:00+02:00",
        estimHourMax="2026-05-06T15:00:00+02:00",
        contextData={"removalPoint": {"name": "TABAC LE BALTO", "type": "A2P"}},
    )
    [tracking] = ADAPTER.parse(RawResponse(body(answer)))
    assert tracking.status is Status.AVAILABLE_FOR_PICKUP
    assert tracking.substatus is Substatus.PICKUP_POINT
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.name == "TABAC LE BALTO"
    assert tracking.estimate is not None
    assert str(tracking.estimate.start_time) == "13:00:00"
    assert str(tracking.estimate.end_time) == "15:00:00"


def test_shipment_without_events_is_known_to_the_carrier() -> None:
    [tracking] = ADAPTER.parse(RawResponse(body(shipment_answer("6A26012345678"))))
    assert tracking.status is Status.INFO_RECEIVED


# -- robustness ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_every_truncation_is_a_typed_error(name: str) -> None:
    data = fixture_bytes("colissimo", name).rstrip()
    for cut in range(len(data)):
        with pytest.raises(errors.CarrierResponseInvalid):
            ADAPTER.parse(RawResponse(data[:cut]))


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: d["shipment"].update(event="nope"),
        lambda d: d["shipment"].update(event=[{"code": "DI1"}]),
        lambda d: d["shipment"].update(event=[{"code": "DI1", "label": "x", "date": 12}]),
        lambda d: d["shipment"].update(idShip=None),
        lambda d: d["shipment"].update(contextData="FR"),
        lambda d: d["shipment"].update(estimDate="soon"),
        lambda d: d.update(shipment=None),
        lambda d: d.update(returnCode="200"),
        lambda d: d.pop("returnCode"),
    ],
)
def test_unexpected_shapes_are_invalid_responses(mutation: Any) -> None:
    data = json.loads(fixture_bytes("colissimo", "delivered.json"))
    mutation(data)
    with pytest.raises(errors.CarrierResponseInvalid):
        ADAPTER.parse(RawResponse(body(data)))


@pytest.mark.parametrize("data", [[], [1, 2], "text", 42, None, {"code": "TEAPOT"}])
def test_unexpected_documents_are_invalid_responses(data: Any) -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        ADAPTER.parse(RawResponse(body(data)))


# -- CLI -----------------------------------------------------------------------------------


def test_cli_parse_prints_normalized_json() -> None:
    result = CliRunner().invoke(
        main, ["parse", "colissimo", str(samples_dir("colissimo") / "delivered.json")]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"carrier", "tracking_number", "status", "substatus", "events", "estimate"} <= set(
        payload
    )
    assert (payload["carrier"], payload["status"], payload["substatus"]) == (
        "colissimo",
        "delivered",
        "to_recipient",
    )


def test_cli_parse_of_truncated_body_exits_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(fixture_bytes("colissimo", "delivered.json")[:200])
    result = CliRunner().invoke(main, ["parse", "colissimo", str(broken)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "normalized"),
    [
        ("6A26012345678", "6A26012345678"),
        ("6a 2601 2345 678", "6A26012345678"),
        ("EW112720413FR", "EW112720413FR"),
        ("87000634002228A", "87000634002228A"),
    ],
)
def test_valid_numbers(number: str, normalized: str) -> None:
    assert ADAPTER.validate(number) == normalized


@pytest.mark.parametrize(
    "number",
    ["EW112720414FR", "6A2601234", "12345678901234", "1Z999AA10123456784", "6A26012345678XYZ", ""],
)
def test_invalid_numbers(number: str) -> None:
    with pytest.raises(errors.TrackingNumberInvalid):
        ADAPTER.validate(number)


def test_s10_check_digit_outranks_shape_alone() -> None:
    assert ADAPTER.match_score("EW112720413FR") == 2
    assert ADAPTER.match_score("6A26012345678") == 1
    assert ADAPTER.match_score("EW112720414FR") == 0


def test_detect_offers_colissimo() -> None:
    assert "colissimo" in Tracker().detect("6A26012345678")
    assert "colissimo" not in Tracker().detect("EW112720414FR")


# -- status table --------------------------------------------------------------------------


def test_every_documented_code_is_mapped() -> None:
    assert README_CODES - STATUS_MAP.codes == set()
    for code in STATUS_MAP.codes:
        mapping = STATUS_MAP.lookup(code, "")
        assert mapping.known
        assert mapping.status in Status


def test_unknown_code_keeps_label() -> None:
    event = ADAPTER.event(
        timestamp=ADAPTER._when("2026-05-05T10:00:00+02:00"), code="ZZ9", label=" Message inédit "
    )
    assert (event.status, event.substatus) == (Status.EXCEPTION, Substatus.UNKNOWN)
    assert (event.code, event.label) == ("ZZ9", "Message inédit")


@pytest.mark.parametrize(
    ("code", "label", "status", "substatus"),
    [
        (
            "ND1",
            "Votre colis n'a pas pu être livré car vous étiez absent.",
            Status.ATTEMPT_FAILED,
            Substatus.RECIPIENT_ABSENT,
        ),
        (
            "ND1",
            "L'adresse est incomplète ou erronée.",
            Status.EXCEPTION,
            Substatus.ADDRESS_PROBLEM,
        ),
        ("ND1", "Non distribuable.", Status.EXCEPTION, None),
        ("RE1", "Votre colis est retourné à l'expéditeur.", Status.RETURNING, None),
        (
            "RE1",
            "Il n’a pas été retiré dans les délais. Il est retourné à l'expéditeur.",
            Status.RETURNING,
            Substatus.NOT_COLLECTED,
        ),
        ("DI2", "Votre colis a été livré à votre expéditeur.", Status.RETURNED, None),
        (
            "AG1",
            "Votre colis vous attend au guichet de votre bureau de poste.",
            Status.AVAILABLE_FOR_PICKUP,
            Substatus.POST_OFFICE,
        ),
        (
            "AG1",
            "Disponible en consigne Pickup Station. Il sera retourné s'il n'est pas retiré.",
            Status.AVAILABLE_FOR_PICKUP,
            Substatus.LOCKER,
        ),
        (
            "DI1",
            "Votre colis a été livré à votre voisin.",
            Status.DELIVERED,
            Substatus.TO_NEIGHBOUR,
        ),
        (
            "DI1",
            "Votre colis a été retiré en point de retrait.",
            Status.DELIVERED,
            Substatus.COLLECTED_AT_PICKUP_POINT,
        ),
        ("PB1", "Votre colis a pris du retard.", Status.IN_TRANSIT, Substatus.DELAYED),
        ("PB1", "Votre colis a été endommagé.", Status.EXCEPTION, Substatus.DAMAGED),
        ("DO3", "Retenu en douane.", Status.EXCEPTION, Substatus.CUSTOMS_HOLD),
        ("MD2", "Il est dans le site qui dessert votre adresse.", Status.OUT_FOR_DELIVERY, None),
    ],
)
def test_label_decides_for_reused_codes(
    code: str, label: str, status: Status, substatus: Substatus | None
) -> None:
    mapping = STATUS_MAP.lookup(code, label)
    assert (mapping.status, mapping.substatus) == (status, substatus)


# -- peers' samples ------------------------------------------------------------------------


def test_karrio_samples() -> None:
    if not PEERS.is_dir():
        pytest.skip("peer samples are not available")
    [tracking] = ADAPTER.parse(RawResponse((PEERS / "karrio_tracking_response.json").read_bytes()))
    assert (tracking.tracking_number, tracking.status) == ("EW112720413FR", Status.DELIVERED)
    assert tracking.destination_country == "BR"
    assert [e.code for e in tracking.events][:4] == ["DI1", "MD2", "ET1", "ET3"]
    with pytest.raises(errors.TrackingNumberInvalid):
        ADAPTER.parse(RawResponse((PEERS / "karrio_error_response.json").read_bytes()))


# -- HTTP through the Tracker --------------------------------------------------------------

DELIVERED = fixture_bytes("colissimo", "delivered.json")
NUMBER = "6A26012345678"


def make_tracker(sleep: RecordingSleep, **settings: Any) -> Tracker:
    return Tracker(
        settings={"colissimo": ColissimoSettings(api_key="test-key", **settings)},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0),
        sleep=sleep,
    )


@pytest.mark.anyio
@respx.mock
async def test_request_is_what_suivi_v2_expects() -> None:
    route = respx.get(f"{BASE}/{NUMBER}").respond(200, content=DELIVERED)
    async with make_tracker(RecordingSleep(), lang="en_GB", timeout=2.5) as tracker:
        tracking = await tracker.track("colissimo", "6a26 0123 45678")
    assert tracking.status is Status.DELIVERED
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.path == f"/suivi/v2/idships/{NUMBER}"
    assert dict(request.url.params) == {"lang": "en_GB"}
    assert request.headers["X-Okapi-Key"] == "test-key"
    assert request.headers["Accept"] == "application/json"
    assert request.extensions["timeout"]["read"] == 2.5


@pytest.mark.anyio
async def test_missing_api_key_is_a_configuration_error() -> None:
    async with Tracker(settings={"colissimo": ColissimoSettings()}) as tracker:
        with pytest.raises(errors.ConfigurationError, match="SUIVI_COLISSIMO_API_KEY"):
            await tracker.track("colissimo", NUMBER)


@pytest.mark.anyio
@respx.mock
async def test_unknown_number_raises_shipment_not_found() -> None:
    respx.get(f"{BASE}/6A26000000000").respond(
        404, content=fixture_bytes("colissimo", "not_found.json")
    )
    async with make_tracker(RecordingSleep()) as tracker:
        with pytest.raises(errors.ShipmentNotFound):
            await tracker.track("colissimo", "6A26000000000")


@pytest.mark.anyio
@respx.mock
async def test_refused_key_raises_auth_error() -> None:
    respx.get(f"{BASE}/{NUMBER}").respond(
        401, json={"code": "UNAUTHORIZED", "message": "This action requires an authorization"}
    )
    async with make_tracker(RecordingSleep()) as tracker:
        with pytest.raises(errors.CarrierAuthError):
            await tracker.track("colissimo", NUMBER)


@pytest.mark.anyio
@respx.mock
async def test_quota_waits_retry_after_then_succeeds() -> None:
    route = respx.get(f"{BASE}/{NUMBER}").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "3"},
                content=fixture_bytes("colissimo", "rate_limited.json"),
            ),
            httpx.Response(200, content=DELIVERED),
        ]
    )
    sleep = RecordingSleep()
    async with make_tracker(sleep) as tracker:
        tracking = await tracker.track("colissimo", NUMBER)
    assert tracking.status is Status.DELIVERED
    assert route.call_count == 2
    assert sleep.waits == [3.0]


@pytest.mark.anyio
@respx.mock
async def test_server_error_then_success() -> None:
    route = respx.get(f"{BASE}/{NUMBER}").mock(
        side_effect=[
            httpx.Response(503, json={"code": "SERVICE_UNAVAILABLE"}),
            httpx.Response(200, content=DELIVERED),
        ]
    )
    sleep = RecordingSleep()
    async with make_tracker(sleep) as tracker:
        tracking = await tracker.track("colissimo", NUMBER)
    assert tracking.status is Status.DELIVERED
    assert route.call_count == 2
    assert len(sleep.waits) == 1


@pytest.mark.anyio
@respx.mock
async def test_batch_is_one_call_and_one_unknown_number_fails_alone() -> None:
    numbers = ["6A26012345678", "6A26000000000", "8R26004412337"]
    answer = [
        json.loads(DELIVERED),
        json.loads(fixture_bytes("colissimo", "not_found.json")),
        json.loads(fixture_bytes("colissimo", "exception_address_problem.json")),
    ]
    route = respx.get(f"{BASE}/{','.join(numbers)}").respond(207, json=answer)
    async with make_tracker(RecordingSleep()) as tracker:
        results = await tracker.track_many([("colissimo", n) for n in numbers])
    assert route.call_count == 1
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, errors.ShipmentNotFound)
    statuses = [r.tracking.status if r.tracking else None for r in results]
    assert statuses == [Status.DELIVERED, None, Status.EXCEPTION]


@pytest.mark.anyio
@respx.mock
async def test_batches_hold_at_most_ten_numbers() -> None:
    numbers = [f"6A2601234{i:04d}" for i in range(12)]
    seen: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.path.rsplit("/", 1)[1].split(",")
        seen.append(ids)
        return httpx.Response(
            207,
            json=[shipment_answer(i, ("DI1", "Livré", "2026-05-05T10:00:00+02:00")) for i in ids],
        )

    respx.get(url__startswith=BASE).mock(side_effect=answer)
    async with make_tracker(RecordingSleep()) as tracker:
        results = await tracker.track_many([("colissimo", n) for n in numbers])
    assert sorted(len(ids) for ids in seen) == [2, 10]
    assert all(r.ok for r in results)


def test_invalid_element_in_a_batch_reads_as_not_found() -> None:
    answer = [
        shipment_answer(NUMBER, ("DI1", "Livré", "2026-05-05T10:00:00+02:00")),
        json.loads(fixture_bytes("colissimo", "invalid_number.json")),
    ]
    trackings = ADAPTER.parse(RawResponse(body(answer), requested=(NUMBER, "123ABC")))
    assert [t.status for t in trackings] == [Status.DELIVERED, Status.NOT_FOUND]


def test_element_outage_code_is_carrier_unavailable() -> None:
    answer = {"returnCode": 504, "returnMessage": "Service indisponible", "idShip": NUMBER}
    with pytest.raises(errors.CarrierUnavailable):
        ADAPTER.parse(RawResponse(body(answer)))


def test_undocumented_return_code_is_an_invalid_response() -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        ADAPTER.parse(RawResponse(body({"returnCode": 999, "idShip": NUMBER})))
