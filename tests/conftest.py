"""Shared fixtures: built-in carriers' sample payloads, and the carrier simulator over HTTP.

With SUIVI_TEST_SHIFT_DAYS=N the whole session runs with the wall clock N days ahead (time-machine
moves `time.time`, `datetime.now` and `date.today` for every thread; the clock keeps ticking):
every test fixes its own clock, so a test that secretly reads today's date fails in that run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from suivi.testing import SIM_START, serve_simulator
from suivi_server.simulator import SimClock, Simulator

ADAPTERS = Path(__file__).resolve().parents[1] / "adapters" / "suivi_adapters"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SHIFT_DAYS = int(os.environ.get("SUIVI_TEST_SHIFT_DAYS") or 0)


def pytest_configure(config: pytest.Config) -> None:
    if not SHIFT_DAYS:
        return
    import time_machine

    real_today = date.today()
    travel = time_machine.travel(datetime.now(UTC) + timedelta(days=SHIFT_DAYS), tick=True)
    travel.start()
    if date.today() - real_today < timedelta(days=SHIFT_DAYS - 1):
        raise pytest.UsageError("SUIVI_TEST_SHIFT_DAYS is set but the clock did not move")
    config.add_cleanup(travel.stop)


def pytest_report_header() -> str | None:
    return f"wall clock shifted {SHIFT_DAYS} days ahead: {date.today()}" if SHIFT_DAYS else None


def samples_dir(carrier: str) -> Path:
    """A built-in carrier's sample answers, shipped inside its adapter package."""
    return ADAPTERS / carrier / "samples"


def fixture_bytes(carrier: str, name: str) -> bytes:
    return (samples_dir(carrier) / name).read_bytes()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dashboard passwords hashed with argon2id's cheapest profile (made for tests): the real
    cost is about half a second a hash, paid by every sign-in of every dashboard test."""
    from argon2 import PasswordHasher, profiles

    from suivi_server.dashboard import passwords

    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@dataclass
class RunningSimulator:
    """suivi.testing's RunningSimulator under the names this suite's tests use."""

    sim: Simulator
    base_url: str


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    """A simulator of its own per test (tests add failures and move its clock), frozen at
    SIM_START, served over HTTP by the `suivi` pytest plugin's code."""
    with serve_simulator(Simulator(clock=SimClock(SIM_START))) as running:
        yield RunningSimulator(running.simulator, running.url)
