"""Example Express in Suivi's carrier simulator, through the `suivi` pytest plugin's fixtures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from suivi import RetryPolicy, Status, Substatus, Tracker
from suivi.testing import SIM_START, RunningSimulator
from suivi.toolkit import AdapterSettings
from suivi_server.simulator import STORIES, Milestone, Parcel

from suivi_carrier_example import ExampleAdapter
from suivi_carrier_example.simulator import NATIVE

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("milestone", list(Milestone))
def test_every_milestone_is_played_with_a_code_of_the_table(milestone: Milestone) -> None:
    code, _ = NATIVE[milestone]
    assert code in ExampleAdapter.status_map


@pytest.mark.parametrize(
    ("story", "number", "expected"),
    [
        ("pickup_point", "EX2611230026", (Status.DELIVERED, Substatus.COLLECTED_AT_PICKUP_POINT)),
        ("neighbour", "EX2611230067", (Status.DELIVERED, Substatus.TO_NEIGHBOUR)),
        ("refused", "EX2611230034", (Status.RETURNED, None)),
    ],
)
async def test_a_story_played_by_the_simulator_reads_as_it_ends(
    carrier_simulator: RunningSimulator,
    simulator_settings: dict[str, AdapterSettings],
    story: str,
    number: str,
    expected: tuple[Status, Substatus | None],
) -> None:
    start = SIM_START - timedelta(days=5)
    carrier_simulator.simulator.add_parcel(Parcel("example", number, start, STORIES[story]))
    async with Tracker(settings=simulator_settings, retry=RetryPolicy(max_attempts=1)) as tracker:
        tracking = await tracker.track("example", number)
    assert (tracking.status, tracking.substatus) == expected
    assert tracking.events[-1].code == "CRE"
