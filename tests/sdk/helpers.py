"""Builders shared by the SDK tests: a Tracker wired to the fake carrier, and a recording sleep."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

from suivi import ENTRY_POINT_GROUP, Registry, RetryPolicy, Tracker
from suivi.testing import FakeCarrierSettings

BASE = "https://fake.example"
VALID = ("FK10000008", "FK10000016", "FK10000024", "FK10000032", "FK10000040")


def fake_point(name: str = "fake", value: str = "suivi.testing:FakeCarrier") -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


class RecordingSleep:
    """Stands in for asyncio.sleep: records each wait, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class ManualClock:
    """Stands in for the Tracker's monotonic clock: time moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_tracker(sleep: RecordingSleep, **options: Any) -> Tracker:
    return Tracker(
        registry=Registry([fake_point()]),
        settings=options.pop("settings", {"fake": FakeCarrierSettings(api_key="k-123")}),
        retry=options.pop("retry", RetryPolicy(max_attempts=3, backoff_base=0.1, backoff_max=1.0)),
        sleep=sleep,
        **options,
    )


def parcel(number: str, *events: tuple[str, str]) -> dict[str, Any]:
    return {
        "number": number,
        "events": [{"code": code, "label": code.lower(), "at": at} for code, at in events],
    }
