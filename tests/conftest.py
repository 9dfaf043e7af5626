"""Shared fixtures: sample payloads, and the carrier simulator served over real HTTP.

With SUIVI_TEST_SHIFT_DAYS=N the whole session runs with the wall clock N days ahead (time-machine
moves `time.time`, `datetime.now` and `date.today` for every thread; the clock keeps ticking):
every test fixes its own clock, so a test that secretly reads today's date fails in that run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from suivi_server.simulator import SimClock, Simulator, create_app

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SIM_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
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


def fixture_bytes(carrier: str, name: str) -> bytes:
    return (FIXTURES / carrier / name).read_bytes()


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningSimulator:
    sim: Simulator
    base_url: str


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    """A simulator with a frozen clock at SIM_START, listening on a free localhost port."""
    sim = Simulator(clock=SimClock(SIM_START))
    port = _free_port()
    config = uvicorn.Config(create_app(sim), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("simulator did not start")
        time.sleep(0.01)
    try:
        yield RunningSimulator(sim, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
