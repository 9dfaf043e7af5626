"""Shared setup for the carrier tests: fake time, a Tracker on the simulator, story walks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, NamedTuple

from suivi import Registry, RetryPolicy, Status, Substatus, Tracker, Tracking
from suivi_server.simulator import STORIES, Milestone, Parcel, simulator_settings
from tests.conftest import SIM_START, RunningSimulator


class FakeTime:
    """Sleep and clock for the Tracker: waits are recorded and move the clock, never block."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def simulator_tracker(
    simulator: RunningSimulator,
    carrier: str,
    time: FakeTime | None = None,
    *,
    attempts: int = 3,
    registry: Registry | None = None,
    **overrides: Any,
) -> Tracker:
    """A Tracker for `carrier` pointed at the running simulator, with its simulator credentials.

    `overrides` replace individual settings (a wrong secret, a short timeout...).
    """
    time = time or FakeTime()
    settings = simulator_settings(simulator.base_url)[carrier]
    if overrides:
        settings = type(settings).model_validate({**settings.model_dump(), **overrides})
    return Tracker(
        registry=registry,
        settings={carrier: settings},
        retry=RetryPolicy(max_attempts=attempts, backoff_base=0.01, backoff_max=0.05),
        sleep=time.sleep,
        clock=time.clock,
    )


def add_story_parcel(simulator: RunningSimulator, carrier: str, number: str, story: str) -> Parcel:
    """Put a parcel following the built-in `story` (starting at SIM_START) in the simulator."""
    parcel = Parcel(carrier, number, SIM_START, STORIES[story], story=story)
    simulator.sim.add_parcel(parcel)
    return parcel


class Step(NamedTuple):
    index: int
    hours: float
    milestone: Milestone
    tracking: Tracking


async def walk_story(
    simulator: RunningSimulator,
    client: Tracker,
    carrier: str,
    number: str,
    story: str,
    *,
    after: timedelta = timedelta(minutes=1),
) -> AsyncIterator[Step]:
    """Set the simulator clock to each step of `story` (plus `after`) and track the parcel."""
    for index, (hours, milestone, *_) in enumerate(STORIES[story]):
        simulator.sim.clock.set(SIM_START + timedelta(hours=hours) + after)
        yield Step(index, hours, milestone, await client.track(carrier, number))


# A return carries the reason that started it (suivi._sequence.COMMON_SEQUENCE), so the same
# "returning" milestone reads differently in the stories that lead to it.
RETURN_IN_STORY: dict[tuple[str, Milestone], tuple[Status, Substatus | None]] = {
    ("refused", Milestone.RETURNING): (Status.RETURNING, Substatus.REFUSED),
    ("not_collected", Milestone.RETURNING): (Status.RETURNING, Substatus.NOT_COLLECTED),
}
