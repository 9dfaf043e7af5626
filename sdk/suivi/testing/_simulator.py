"""The carrier simulator served over real HTTP from a thread, for tests that poll it.

Real HTTP rather than a mocked transport: adapters, the Tracker and the worker then run exactly
the code they run against a carrier. Needs the `server` extra (the simulator lives there).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from suivi_server.simulator import Simulator

SIM_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
"""Where the `carrier_simulator` clock stands (frozen): a Monday morning, Paris business hours."""
STARTUP_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class RunningSimulator:
    """A simulator answering on `url` (e.g. `http://127.0.0.1:53211`)."""

    simulator: Simulator
    """The engine: add parcels and failures to it, move its clock."""
    url: str
    """Base URL to give adapters as their `base_url` setting."""


def free_port() -> int:
    """A localhost TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_simulator(simulator: Simulator | None = None) -> Iterator[RunningSimulator]:
    """Serve `simulator` (a fresh one frozen at SIM_START by default) on a free localhost
    port while the block runs; the server thread is stopped and joined on the way out."""
    import uvicorn

    from suivi_server.simulator import SimClock, Simulator, create_app

    sim = simulator if simulator is not None else Simulator(clock=SimClock(SIM_START))
    port = free_port()
    config = uvicorn.Config(create_app(sim), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="suivi-simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the carrier simulator did not start")
        time.sleep(0.01)
    try:
        yield RunningSimulator(sim, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
