"""Every registered adapter honours the same contract, checked on its own sample payloads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from suivi import Adapter, AdapterSettings, RawResponse, Registry, StatusMap, Substatus, errors
from tests.conftest import FIXTURES

REGISTRY = Registry()
LOADED, BROKEN = REGISTRY.load_all()
SAMPLES = sorted(
    (name, path)
    for name in LOADED
    for path in (FIXTURES / name).glob("*")
    if path.suffix in {".json", ".xml"} and not path.stem.startswith("request")
)


def test_no_built_in_adapter_is_broken() -> None:
    assert BROKEN == {}


@pytest.mark.parametrize("name", sorted(LOADED))
def test_adapter_declares_what_the_platform_needs(name: str) -> None:
    cls: type[Adapter] = LOADED[name]
    assert cls.name == name
    assert cls.display_name
    assert cls.countries
    assert all(len(c) == 2 and c.isupper() for c in cls.countries)
    assert cls.number_patterns
    assert cls.default_base_url.startswith("https://")
    assert issubclass(cls.settings_model, AdapterSettings)
    assert isinstance(cls.status_map, StatusMap)
    assert cls.status_map.codes
    assert cls.max_batch >= 1
    assert cls.supports_batch or cls.max_batch == 1
    assert (sys.modules[cls.__module__].__doc__ or "").strip(), "the module docstring cites the API"


@pytest.mark.parametrize(("name", "path"), SAMPLES, ids=[f"{n}/{p.name}" for n, p in SAMPLES])
def test_every_sample_parses_or_fails_with_a_typed_error(name: str, path: Path) -> None:
    adapter = LOADED[name](AdapterSettings.model_construct())
    try:
        trackings = adapter.parse(RawResponse(body=path.read_bytes()))
    except errors.SuiviError:
        return
    assert trackings
    for tracking in trackings:
        assert tracking.carrier == name
        unknown = [e.code for e in tracking.events if e.substatus is Substatus.UNKNOWN]
        assert unknown == [], f"codes in {path.name} missing from the {name} table: {unknown}"
        assert all(e.timestamp.tzinfo is not None for e in tracking.events)
        assert list(tracking.events) == sorted(
            tracking.events, key=lambda e: e.timestamp, reverse=True
        )
