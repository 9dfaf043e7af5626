"""Smoke test of bench/edd_year.py: three simulated weeks, the structure and arithmetic only."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from suivi import Milestone, arrival, milestones_reached, transit_observations

BENCH = Path(__file__).resolve().parents[2] / "bench" / "edd_year.py"
FIRST, LAST = date(2026, 11, 2), date(2026, 11, 22)
JOURNEY = tuple(Milestone)


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
    return list(edd.Generator(11, 20).shipments(FIRST, LAST))


@pytest.fixture(scope="module")
def lanes(edd: ModuleType, year: list[Any]) -> dict[int, Any]:
    return dict(edd.simulate(year, width=1, handover_widths=(0, 2), min_samples=5))


def test_same_seed_same_year(edd: ModuleType, year: list[Any]) -> None:
    again = edd.Generator(11, 20).shipments(FIRST, LAST)
    assert [(s.number, s.arrived_on, s.carrier_etas) for s in again] == [
        (s.number, s.arrived_on, s.carrier_etas) for s in year
    ]
    assert len({s.carrier for s in year}) == 5


def test_each_parcel_reads_as_the_sdk_reads_a_tracking(year: list[Any]) -> None:
    for s in year:
        final = s.final_tracking()
        calendar = s.facts.calendar(s.facts.service)
        arrived = arrival(final)
        assert arrived is not None
        assert arrived.astimezone(s.facts.zone).date() == s.arrived_on
        assert calendar.is_business_day(s.arrived_on)
        reached = milestones_reached(final)
        expected = set(JOURNEY) - ({Milestone.OUT_FOR_DELIVERY} if s.service.relay else set())
        assert expected <= set(reached), s.number
        handover = next(
            o for o in transit_observations(s.facts, final) if o.milestone.value == "handover"
        )
        assert handover.days == s.transit_days


def test_carrier_estimates_are_given_as_each_carrier_gives_them(year: list[Any]) -> None:
    relay = [s for s in year if s.carrier == "mondial_relay"]
    assert relay
    assert all(not s.carrier_etas for s in relay)
    for s in year:
        for _, estimate in s.carrier_etas:
            assert estimate.earliest == estimate.latest  # a date, not a window
    predict = [s for s in year if s.service_name == "predict" and not s.causes]
    slots = [e for s in predict for _, e in s.carrier_etas if e.start_time]
    assert slots
    for slot in slots:
        hours = (
            slot.end_time.hour
            - slot.start_time.hour
            + (slot.end_time.minute - slot.start_time.minute) / 60
        )
        assert hours == pytest.approx(1)


def test_every_parcel_is_estimated_once_at_each_milestone_it_reaches(
    lanes: dict[int, Any], year: list[Any]
) -> None:
    main = lanes[1]
    for s in year:
        journey = main.journeys[s.number]
        milestones = [r.milestone for r in journey.records]
        assert milestones == sorted(set(milestones), key=JOURNEY.index)
        assert milestones[0] is Milestone.HANDOVER
        assert len(journey.history) == journey.changes + 1
        assert journey.later <= journey.changes
    for width in (0, 2):
        assert {r.milestone for j in lanes[width].journeys.values() for r in j.records} == {
            Milestone.HANDOVER
        }


def test_shown_windows_keep_to_the_lane_width(lanes: dict[int, Any], year: list[Any]) -> None:
    for width, lane in lanes.items():
        for s in year:
            calendar = s.facts.calendar(s.facts.service)
            for r in lane.journeys[s.number].records:
                assert calendar.business_days_between(r.shown.earliest, r.shown.latest) <= width


def test_each_arrival_is_scored_once_per_milestone_where_both_estimated(
    lanes: dict[int, Any], year: list[Any]
) -> None:
    for lane in lanes.values():
        expected = Counter(
            r.milestone.value
            for s in year
            for r in lane.journeys[s.number].records
            if r.carrier is not None and r.model is not None
        )
        scored = Counter()
        for (carrier, service, milestone, week), part in lane.scores:
            if part == "deliveries":
                scored[milestone] += lane.scores[(carrier, service, milestone, week), part]
        assert scored == expected


def test_ceiling_is_the_best_fixed_window(edd: ModuleType) -> None:
    offsets = {("ups", "standard"): Counter({1: 5, 2: 4, 3: 6, 4: 1})}
    assert edd.best_offsets(offsets, 0) == {("ups", "standard"): 3}
    assert edd.best_offsets(offsets, 1) == {("ups", "standard"): 2}  # 4 + 6 beats 5 + 4


def test_figures_are_consistent(edd: ModuleType, lanes: dict[int, Any], year: list[Any]) -> None:
    scored = {w: edd.score_lane(lane, year, FIRST) for w, lane in lanes.items()}
    main = scored[1]
    for milestone in JOURNEY:
        shown = main.outcomes["shown", milestone]
        assert len(main.outcomes["ceiling", milestone]) == len(shown)
        assert len(main.outcomes["merchant", milestone]) == len(shown)
        assert len(main.outcomes["carrier", milestone]) <= len(shown)
    ceilings = [
        edd.figures(scored[w].outcomes["ceiling", Milestone.HANDOVER])["all"].hit for w in (0, 1, 2)
    ]
    assert ceilings == sorted(ceilings)
    for f in edd.figures(main.outcomes["shown", Milestone.HANDOVER]).values():
        assert 0 <= f.hit <= 1
        assert f.width is not None
        assert 1 <= f.width <= 2


def test_the_bench_runs_in_smoke_mode(edd: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert edd.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    for heading in (
        "published figures",
        "Per carrier and milestone",
        "At hand-over, by width",
        "Calibration",
        "Out for delivery",
        "How often the shown window changed",
        "Targets",
    ):
        assert heading in out
    targets = out.split("## Targets", 1)[1].splitlines()
    verdicts = [line for line in targets if line.startswith("- ")]
    assert verdicts
    assert all(line.startswith(("- PASS", "- MISS")) for line in verdicts)
