"""The shortcuts that make parsing fast give exactly what the slow, obvious code gives."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from suivi import Location, Registry, Status, Substatus, TrackingEvent, errors
from suivi._models import mapped_event, shared_location
from suivi._time import strptime
from suivi.soap import parse_xml
from suivi.toolkit import PARIS, RawResponse
from tests.conftest import samples_dir

FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%y %H:%M",
    "%d/%m/%Y %H%M",
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%H:%M",
    "%H%M%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%I %p",
    "%d %b %Y",  # a directive the fast reader leaves to the standard library
    "100%% %d",
)


def _texts() -> list[str]:
    rng = random.Random(20261125)
    texts = ["15/04/2026 14:32", "1/4/2026 9:05", "4/15/2026 2:32:05 PM", "20260415143205"]
    texts += [
        "31/04/2026 10:00",
        "29/02/2024",
        "12 am",
        "15 Apr 2026",
        "100% 15",
        " 5/04/2026 9:00",
    ]
    for fmt in FORMATS:
        for _ in range(150):
            moment = datetime(2000, 1, 1) + timedelta(minutes=rng.randrange(40 * 525_600))
            text = moment.strftime(fmt)
            texts.append(text.replace("0", "", 1) if rng.random() < 0.3 else text)
    texts += ["".join(rng.choice("0123456789/:. APMapm") for _ in range(12)) for _ in range(500)]
    return texts


TEXTS = _texts()


@pytest.mark.parametrize("fmt", FORMATS)
def test_strptime_reads_exactly_what_the_standard_library_reads(fmt: str) -> None:
    for text in TEXTS:
        try:
            expected: datetime | str = datetime.strptime(text, fmt)
        except ValueError:
            expected = "ValueError"
        try:
            got: datetime | str = strptime(text, fmt)
        except ValueError:
            got = "ValueError"
        assert got == expected, (fmt, text)


def test_strptime_attaches_the_zone() -> None:
    assert strptime("15/04/2026 14:32", "%d/%m/%Y %H:%M", PARIS) == datetime(
        2026, 4, 15, 14, 32, tzinfo=PARIS
    )


EVENT = {
    "timestamp": datetime(2026, 4, 15, 14, 32, tzinfo=PARIS),
    "status": Status.IN_TRANSIT,
    "substatus": Substatus.AT_HUB,
    "code": "20",
    "label": "Arrivé au dépôt",
    "location": Location(city="Lyon", country="FR"),
    "affects_status": True,
}


def test_mapped_event_is_the_validated_event() -> None:
    fast, slow = mapped_event(**EVENT), TrackingEvent(**EVENT)  # type: ignore[arg-type]
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump_json() == slow.model_dump_json()
    assert repr(fast) == repr(slow)


@pytest.mark.parametrize(
    ("field", "value"),
    [("timestamp", datetime(2026, 4, 15, 14, 32)), ("location", {"city": "Lyon"})],
)
def test_mapped_event_validates_what_is_not_plain(field: str, value: object) -> None:
    values = {**EVENT, field: value}
    if field == "timestamp":
        with pytest.raises(ValidationError, match="timezone"):
            mapped_event(**values)  # type: ignore[arg-type]
    else:
        assert mapped_event(**values) == TrackingEvent(**values)  # type: ignore[arg-type]


def test_a_string_timestamp_is_still_parsed_by_validation() -> None:
    values = {**EVENT, "timestamp": "2026-04-15T14:32:00+02:00"}
    event = mapped_event(**values)  # type: ignore[arg-type]
    assert event.timestamp == datetime(2026, 4, 15, 14, 32, tzinfo=timezone(timedelta(hours=2)))


def test_shared_locations_are_equal_to_new_ones() -> None:
    assert shared_location(city="Lyon", country="FR") == Location(city="Lyon", country="FR")
    assert shared_location(city="Lyon").model_fields_set == {"city"}
    with pytest.raises(ValidationError):
        shared_location(town="Lyon")


REGISTRY = Registry()
LOADED, _ = REGISTRY.load_all()
UPS = LOADED["ups"]
SAMPLES = sorted(
    (name, path)
    for name in LOADED
    for path in samples_dir(name).glob("*")
    if path.suffix in {".json", ".xml"} and not path.stem.startswith(("request", "expected"))
)


@pytest.mark.parametrize(("name", "path"), SAMPLES, ids=[f"{n}/{p.name}" for n, p in SAMPLES])
def test_parsed_trackings_are_what_validation_builds(name: str, path: Path) -> None:
    adapter = LOADED[name](LOADED[name].settings_model.model_construct())
    try:
        trackings = adapter.parse(RawResponse(body=path.read_bytes()))
    except errors.SuiviError:
        return
    for tracking in trackings:
        again = type(tracking).model_validate(tracking.model_dump())
        assert again == tracking
        assert again.model_dump_json() == tracking.model_dump_json()
        for event, validated in zip(tracking.events, again.events, strict=True):
            assert event.model_fields_set == validated.model_fields_set


def test_namespaces_are_stripped_from_tags_and_attributes() -> None:
    body = (
        b'<s:Envelope xmlns:s="urn:s" xmlns:x="urn:x"><s:Body><r xmlns="urn:r" x:nil="true"'
        b' plain="1"><a>1</a></r></s:Body></s:Envelope>'
    )
    root = parse_xml(RawResponse(body=body), carrier="x")
    assert [e.tag for e in root.iter()] == ["Envelope", "Body", "r", "a"]
    assert root.find("Body/r").attrib == {"plain": "1", "nil": "true"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "body", [b"", b"<a", b"<a></b>", b'<?xml version="1.0" encoding="x"?><a/>']
)
def test_bodies_that_are_not_xml_are_invalid_responses(body: bytes) -> None:
    with pytest.raises(errors.CarrierResponseInvalid):
        parse_xml(RawResponse(body=body), carrier="x")


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": [1, "\xc3\xa9"]}',
        b'\xef\xbb\xbf{"a": 1}',
        '{"a": 1}'.encode("utf-16"),
        '{"a": 1}'.encode("utf-16-le"),
        '{"a": 1}'.encode("utf-32"),
        b' \n{"a": 1}',
        b"[]",
    ],
)
def test_json_bodies_load_as_json_loads_reads_them(body: bytes) -> None:
    adapter = UPS(UPS.settings_model.model_construct())
    assert adapter.load_json(RawResponse(body=body)) == json.loads(body)


@pytest.mark.parametrize("body", [b'{"a": "\xe9"}', b"{", b"[1,", b'{"a": 1}x'])
def test_broken_json_is_an_invalid_response(body: bytes) -> None:
    adapter = UPS(UPS.settings_model.model_construct())
    with pytest.raises(errors.CarrierResponseInvalid):
        adapter.load_json(RawResponse(body=body))


def test_status_lookups_are_remembered_but_bounded() -> None:
    from suivi import _adapter

    adapter = UPS(UPS.settings_model.model_construct())
    for i in range(_adapter._LOOKUPS_MAX + 10):
        assert adapter.map_code(f"ZZ{i}", "x") == adapter.status_map.lookup(f"ZZ{i}", "x")
    assert len(_adapter._LOOKUPS) <= _adapter._LOOKUPS_MAX


def test_utc_is_kept_as_given() -> None:
    assert strptime("20260415123205", "%Y%m%d%H%M%S", UTC).tzinfo is UTC
