"""Smoke test of bench/edd_year.py: a few simulated days, structural properties only."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from suivi import Status, TransitSample

BENCH = Path(__file__).resolve().parents[2] / "bench" / "edd_year.py"


@pytest.fixture(scope="module")
def edd() -> ModuleType:
    spec = importlib.util.spec_from_file_location("edd_year", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["edd_year"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def year(edd: ModuleType) -> list[Any]:
    shipments = edd.Generator(11, 40).shipments(date(2026, 4, 27), date(2026, 5, 12))
    edd.simulate(shipments, widths=[0, 1, 2], min_samples=5)
    return list(shipments)


def test_same_seed_same_shipments(edd: ModuleType, year: list[Any]) -> None:
    again = edd.Generator(11, 40).shipments(date(2026, 4, 27), date(2026, 5, 12))
    assert [(s.parcel.number, s.delivered_at) for s in again] == [
        (s.parcel.number, s.delivered_at) for s in year
    ]
    assert len({s.carrier for s in year}) == 5


def test_deliveries_land_on_working_days_only(year: list[Any]) -> None:
    for s in year:
        calendar = s.facts.calendar(s.parcel.service)
        assert calendar.is_business_day(s.delivered_on), (s.carrier, s.delivered_on)
        assert s.delivered_on > s.handover_day


def test_trackings_follow_the_simulated_parcel(year: list[Any]) -> None:
    for s in year[:80]:
        shown = s.handover_tracking()
        assert shown.status is Status.IN_TRANSIT
        assert shown.events[0].timestamp == s.handover_at
        final = s.final_tracking()
        assert final.status is Status.DELIVERED
        assert final.delivered_at == s.delivered_at
        sample = TransitSample.observe(s.facts, final)
        assert sample is not None
        assert sample.business_days == s.transit_days


def test_windows_respect_the_width_cap(year: list[Any]) -> None:
    learned = [s for s in year if s.estimates[1].source == "model"]
    assert learned, "the model never had enough deliveries to estimate"
    for s in year:
        calendar = s.facts.calendar(s.parcel.service)
        for width, estimate in s.estimates.items():
            assert calendar.business_days_between(estimate.earliest, estimate.latest) <= width
            assert estimate.earliest > s.handover_day
