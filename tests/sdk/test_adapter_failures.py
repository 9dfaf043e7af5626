"""Nothing an adapter meets or raises escapes as anything but a typed error for its own items."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib.metadata import EntryPoint
from typing import ClassVar

import pytest
import respx

from suivi import ENTRY_POINT_GROUP, Registry, RetryPolicy, Status, Tracker, Tracking, errors
from suivi.testing import FakeCarrier, FakeCarrierSettings
from suivi.toolkit import AdapterSettings, CarrierHTTP, NumberPattern, RawResponse
from suivi_adapters.colissimo.adapter import ColissimoSettings
from suivi_adapters.ups.adapter import UpsSettings
from tests.conftest import fixture_bytes
from tests.sdk.helpers import BASE, VALID, RecordingSleep, parcel

pytestmark = pytest.mark.anyio

POISON_JSON = b"[" * 1000
COLISSIMO_NUMBER = "6A12345678901"
UPS_NUMBER = "1Z999AA10123456784"
UPS_BASE = "https://onlinetools.ups.com"


class FetchExplodes(FakeCarrier):
    """A third-party plugin with a bug in its transport code."""

    name: ClassVar[str] = "fetch_explodes"

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        raise KeyError("no such header")


class ParseExplodes(FakeCarrier):
    """A third-party plugin whose parser trips over a body it never expected."""

    name: ClassVar[str] = "parse_explodes"

    def parse(self, raw: RawResponse) -> list[Tracking]:
        raise ZeroDivisionError("division by zero")


def _explode(number: str) -> bool:
    raise IndexError("check digit table too short")


class CheckExplodes(FakeCarrier):
    """A third-party plugin whose check-digit function has a bug."""

    name: ClassVar[str] = "check_explodes"
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"FK\d{8}", "FK + 8 digits", _explode),
    )


def _point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def _tracker(**points: str) -> Tracker:
    registry = Registry([_point(name, value) for name, value in points.items()])
    settings: dict[str, AdapterSettings] = {
        "colissimo": ColissimoSettings(api_key="okapi-key"),
        "ups": UpsSettings(client_id="client-x", client_secret="secret-y"),
    }
    fakes = [name for name in points if name not in settings]
    settings.update({name: FakeCarrierSettings(api_key="k-123") for name in fakes})
    return Tracker(
        registry=registry,
        settings=settings,
        retry=RetryPolicy(max_attempts=1),
        sleep=RecordingSleep(),
    )


def _plugins() -> Tracker:
    return _tracker(
        fake="suivi.testing:FakeCarrier",
        fetch_explodes=f"{__name__}:FetchExplodes",
        parse_explodes=f"{__name__}:ParseExplodes",
        check_explodes=f"{__name__}:CheckExplodes",
    )


@respx.mock
async def test_a_colissimo_body_nested_too_deep_is_an_invalid_response() -> None:
    respx.get(f"https://api.laposte.fr/suivi/v2/idships/{COLISSIMO_NUMBER}").respond(
        200, content=POISON_JSON
    )
    async with _tracker(colissimo="suivi_adapters.colissimo:ColissimoAdapter") as tracker:
        with pytest.raises(errors.CarrierResponseInvalid) as caught:
            await tracker.track("colissimo", COLISSIMO_NUMBER)
    assert isinstance(caught.value.__cause__, RecursionError)
    assert caught.value.carrier == "colissimo"
    assert caught.value.number == COLISSIMO_NUMBER


@respx.mock
async def test_a_ups_body_nested_too_deep_is_an_invalid_response() -> None:
    respx.post(f"{UPS_BASE}/security/v1/oauth/token").respond(
        200, content=fixture_bytes("ups", "oauth_token.json")
    )
    respx.get(f"{UPS_BASE}/api/track/v1/details/{UPS_NUMBER}").respond(200, content=POISON_JSON)
    async with _tracker(ups="suivi_adapters.ups:UpsAdapter") as tracker:
        [result] = await tracker.track_many([("ups", UPS_NUMBER)])
    assert isinstance(result.error, errors.CarrierResponseInvalid)
    assert isinstance(result.error.__cause__, RecursionError)
    assert result.error.number == UPS_NUMBER


@respx.mock
async def test_a_plugin_that_raises_in_fetch_fails_only_its_own_item(
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx.get(f"{BASE}/v1/parcels").respond(
        json={"parcels": [parcel(VALID[0], ("DLV", "2026-11-21T10:00:00+01:00"))]}
    )
    async with _plugins() as tracker:
        with caplog.at_level(logging.ERROR, logger="suivi"):
            healthy, broken = await tracker.track_many(
                [("fake", VALID[0]), ("fetch_explodes", VALID[1])]
            )
    assert healthy.tracking is not None
    assert healthy.tracking.status is Status.DELIVERED
    assert isinstance(broken.error, errors.AdapterFailed)
    assert isinstance(broken.error.__cause__, KeyError)
    assert (broken.error.carrier, broken.error.number) == ("fetch_explodes", VALID[1])
    [record] = caplog.records
    assert "fetch_explodes" in record.getMessage()
    assert VALID[1] in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError


@respx.mock
async def test_a_plugin_that_raises_in_parse_fails_only_its_own_item(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = {"parcels": [parcel(VALID[0], ("DLV", "2026-11-21T10:00:00+01:00"))]}
    respx.get(f"{BASE}/v1/parcels").respond(json=body)
    async with _plugins() as tracker:
        with caplog.at_level(logging.ERROR, logger="suivi"):
            broken, healthy = await tracker.track_many(
                [("parse_explodes", VALID[1]), ("fake", VALID[0])]
            )
    assert healthy.ok
    assert isinstance(broken.error, errors.CarrierResponseInvalid)
    assert isinstance(broken.error.__cause__, ZeroDivisionError)
    assert broken.error.body_excerpt is not None
    assert VALID[0] in broken.error.body_excerpt
    [record] = caplog.records
    assert "parse_explodes" in record.getMessage()
    assert VALID[1] in record.getMessage()


@respx.mock
async def test_a_plugin_whose_number_check_raises_fails_only_its_own_item() -> None:
    respx.get(f"{BASE}/v1/parcels").respond(
        json={"parcels": [parcel(VALID[0], ("DLV", "2026-11-21T10:00:00+01:00"))]}
    )
    async with _plugins() as tracker:
        broken, healthy = await tracker.track_many(
            [("check_explodes", VALID[1]), ("fake", VALID[0])]
        )
    assert healthy.ok
    assert isinstance(broken.error, errors.AdapterFailed)
    assert isinstance(broken.error.__cause__, IndexError)


async def test_track_raises_the_typed_error_of_a_failing_plugin() -> None:
    async with _plugins() as tracker:
        with pytest.raises(errors.AdapterFailed, match="KeyError") as caught:
            await tracker.track("fetch_explodes", VALID[0])
    assert isinstance(caught.value.__cause__, KeyError)


async def test_a_failed_adapter_is_a_suivi_error_with_a_stable_code() -> None:
    error = errors.AdapterFailed("adapter failed fetching", carrier="x", number="1")
    assert isinstance(error, errors.SuiviError)
    assert error.to_dict()["error"] == "adapter_failed"


# -- hostile XML: the three SOAP carriers --------------------------------------------------------

XML_CARRIERS = ("chronopost", "dpd", "mondial_relay")
_LAUGHS = b"".join(
    b'<!ENTITY a%d "%s">' % (level, (b"&a%d;" % (level - 1)) * 10) for level in range(1, 10)
)
HOSTILE_XML = {
    "billion_laughs": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a0 "lol">'
    + _LAUGHS
    + b"]><r>&a9;</r>",
    "quadratic_blowup": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "'
    + b"x" * 50_000
    + b'">]><r>'
    + b"&a;" * 5_000
    + b"</r>",
    "external_entity": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM '
    b'"file:///etc/passwd">]><r>&e;</r>',
    "huge_depth": b"<a>" * 200_000 + b"</a>" * 200_000,
}


@pytest.mark.parametrize("carrier", XML_CARRIERS)
@pytest.mark.parametrize("kind", sorted(HOSTILE_XML))
def test_hostile_xml_is_an_invalid_response(carrier: str, kind: str) -> None:
    adapter_class = Registry().get(carrier)
    adapter = adapter_class(adapter_class.settings_model.model_construct())
    raw = RawResponse(HOSTILE_XML[kind], requested=("X",))
    with pytest.raises(errors.CarrierResponseInvalid) as caught:
        adapter.parse(raw)
    if kind != "huge_depth":  # entities are refused by the parser, never expanded
        assert "not well-formed XML" in caught.value.message
    assert "root:" not in caught.value.message  # no file was read into the error


def test_hostile_json_nesting_is_an_invalid_response_for_every_json_carrier() -> None:
    for carrier in ("colissimo", "ups"):
        adapter_class = Registry().get(carrier)
        adapter = adapter_class(adapter_class.settings_model.model_construct())
        for body in (POISON_JSON, b'{"a":' * 100_000):
            with pytest.raises(errors.CarrierResponseInvalid, match="nests deeper"):
                adapter.parse(RawResponse(body, requested=("X",)))
