"""Keep a long-running loop alive: when it crashes, log it, count it, wait, and start it again.

The refresh loop already survives any failed cycle; this is the last line of defence for what
happens around it (building the Tracker, a bug in the loop itself), so that the worker embedded
in `suivi serve` never dies silently while the pages keep answering.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from suivi_server.worker.runner import WorkerMetrics

log = logging.getLogger("suivi.worker")

RESTART_BACKOFF = (1.0, 5.0, 30.0, 120.0)  # seconds before each restart after crashes in a row

Sleep = Callable[[float], Awaitable[None]]


async def supervise(
    run: Callable[[], Awaitable[None]],
    metrics: WorkerMetrics,
    *,
    name: str = "worker",
    backoff: Sequence[float] = RESTART_BACKOFF,
    sleep: Sleep = asyncio.sleep,
    stop: asyncio.Event | None = None,
) -> None:
    """Await `run()` until it returns, restarting it after each crash with a growing pause.

    A run that completed a cycle before crashing (its `last_success` moved) starts the backoff
    over. Cancellation is not a crash: it ends the supervision, and so does a crash once `stop`
    is set (shutting down, nothing is restarted).
    """
    crashes_in_a_row = 0
    while True:
        seen = metrics.last_success
        try:
            await run()
            return
        except Exception:
            if stop is not None and stop.is_set():
                log.exception("%s crashed while stopping", name)
                return
            crashes_in_a_row = 1 if metrics.last_success != seen else crashes_in_a_row + 1
            pause = backoff[min(crashes_in_a_row, len(backoff)) - 1]
            metrics.restarts += 1
            log.exception("%s crashed; restarting in %.0fs", name, pause)
        metrics.restarting = True
        try:
            await _pause(sleep, pause, stop)
        finally:
            metrics.restarting = False
        if stop is not None and stop.is_set():
            return


async def _pause(sleep: Sleep, seconds: float, stop: asyncio.Event | None) -> None:
    """Wait before a restart, cut short by `stop`: shutting down never waits for a backoff."""
    if stop is None:
        await sleep(seconds)
        return
    waits = {asyncio.ensure_future(sleep(seconds)), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
