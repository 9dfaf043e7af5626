"""The worker embedded in `suivi serve`: supervised, restarted after a crash, seen in /metrics."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server import serving
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.serving import EmbeddedWorker
from suivi_server.worker.runner import WorkerMetrics
from suivi_server.worker.supervisor import supervise
from tests.server.conftest import NOW

pytestmark = pytest.mark.anyio


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_a_crashing_loop_is_restarted_with_a_growing_pause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics, sleep, runs = WorkerMetrics(), RecordingSleep(), []

    async def run() -> None:
        runs.append(1)
        if len(runs) <= 3:
            raise RuntimeError(f"crash {len(runs)}")

    with caplog.at_level(logging.ERROR, logger="suivi.worker"):
        await supervise(run, metrics, name="embedded worker", backoff=(1.0, 5.0), sleep=sleep)
    assert len(runs) == 4
    assert sleep.waits == [1.0, 5.0, 5.0]
    assert metrics.restarts == 3
    assert [r.getMessage() for r in caplog.records] == [
        "embedded worker crashed; restarting in 1s",
        "embedded worker crashed; restarting in 5s",
        "embedded worker crashed; restarting in 5s",
    ]
    assert all(r.exc_info is not None for r in caplog.records)


async def test_the_metrics_say_restarting_only_while_waiting_to_restart() -> None:
    metrics, runs, seen = WorkerMetrics(), [], []

    async def sleep(seconds: float) -> None:
        seen.append(("pause", metrics.restarting))

    async def run() -> None:
        runs.append(1)
        seen.append(("run", metrics.restarting))
        if len(runs) == 1:
            raise RuntimeError("crash")

    await supervise(run, metrics, backoff=(1.0,), sleep=sleep)
    assert seen == [("run", False), ("pause", True), ("run", False)]


async def test_a_loop_that_made_progress_before_crashing_starts_the_backoff_over() -> None:
    metrics, sleep, runs = WorkerMetrics(), RecordingSleep(), []

    async def run() -> None:
        runs.append(1)
        if len(runs) == 3:
            metrics.last_success = NOW  # a cycle completed before this crash
        if len(runs) <= 3:
            raise RuntimeError("crash")

    await supervise(run, metrics, backoff=(1.0, 5.0, 30.0), sleep=sleep)
    assert sleep.waits == [1.0, 5.0, 1.0]


async def test_a_loop_that_crashes_while_stopping_is_not_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics, sleep, stop, runs = WorkerMetrics(), RecordingSleep(), asyncio.Event(), []

    async def run() -> None:
        runs.append(1)
        if len(runs) > 1:
            return  # restarted: the assertion below says so
        stop.set()  # shutdown begins during this run
        raise RuntimeError("crash")

    with caplog.at_level(logging.ERROR, logger="suivi.worker"):
        await supervise(run, metrics, name="embedded worker", sleep=sleep, stop=stop)
    assert (len(runs), sleep.waits, metrics.restarts) == (1, [], 0)
    assert [r.getMessage() for r in caplog.records] == ["embedded worker crashed while stopping"]


async def test_stopping_cuts_the_pause_before_a_restart_short() -> None:
    """A crash just before shutdown: the supervisor was waiting 30 s to restart; stopping ends
    the wait at once and starts nothing again."""
    metrics, stop, runs = WorkerMetrics(), asyncio.Event(), []

    async def run() -> None:
        runs.append(1)
        raise RuntimeError("crash")

    supervising = asyncio.create_task(supervise(run, metrics, backoff=(30.0,), stop=stop))
    async with asyncio.timeout(5):
        while not metrics.restarting:
            await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(supervising, timeout=5)
    assert (len(runs), metrics.restarting) == (1, False)


async def test_the_embedded_worker_restarts_after_crashing_and_readyz_follows(
    settings: Settings,
    engine: AsyncEngine,
    clock: list[datetime],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = serving.make_tracker
    attempts: list[int] = []

    def crash_once(*args: object, **kwargs: object) -> object:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("carrier settings could not be read")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(serving, "make_tracker", crash_once)
    worker = EmbeddedWorker(settings, idle=0.01, restart_backoff=(0.0,))
    app = create_app(
        settings,
        engine=engine,
        clock=lambda: clock[0],
        migrate=False,
        background=worker,
        worker_metrics=worker.metrics,
    )
    async with app.router.lifespan_context(app), _client(app) as client:
        async with asyncio.timeout(10):
            while worker.metrics.last_success is None:
                await asyncio.sleep(0.01)
        response = await client.get("/readyz")
    assert worker.metrics.restarts == 1
    assert len(attempts) == 2
    assert response.status_code == 200
    assert response.json()["worker"]["state"] == "ok"


async def test_metrics_count_the_embedded_workers_failures(
    settings: Settings, engine: AsyncEngine
) -> None:
    worker = WorkerMetrics(last_success=NOW, failed_cycles=2, restarts=1)
    worker.errors.update({"carrier_response_invalid": 3, "worker_error": 1})
    app = create_app(
        dataclasses.replace(settings, metrics_token="m-token"),
        engine=engine,
        clock=lambda: NOW,
        migrate=False,
        worker_metrics=worker,
    )
    async with _client(app) as client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer m-token"})
    lines = response.text.splitlines()
    assert "# TYPE suivi_worker_poll_errors_total counter" in lines
    # prometheus_client writes every value as a float
    assert 'suivi_worker_poll_errors_total{error="carrier_response_invalid"} 3.0' in lines
    assert 'suivi_worker_poll_errors_total{error="worker_error"} 1.0' in lines
    assert "suivi_worker_failed_cycles_total 2.0" in lines
    assert "suivi_worker_restarts_total 1.0" in lines
    assert 'suivi_worker_state{state="ok"} 1.0' in lines
    assert 'suivi_worker_state{state="stale"} 0.0' in lines


async def test_metrics_show_a_stale_worker(settings: Settings, engine: AsyncEngine) -> None:
    worker = WorkerMetrics(last_success=NOW)
    app = create_app(
        dataclasses.replace(settings, metrics_token="m-token"),
        engine=engine,
        clock=lambda: NOW + timedelta(minutes=6),
        migrate=False,
        worker_metrics=worker,
    )
    async with _client(app) as client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer m-token"})
    lines = response.text.splitlines()
    assert "# TYPE suivi_worker_state gauge" in lines
    assert [line for line in lines if line.startswith("suivi_worker_state")] == [
        'suivi_worker_state{state="ok"} 0.0',
        'suivi_worker_state{state="stale"} 1.0',
        'suivi_worker_state{state="starting"} 0.0',
        'suivi_worker_state{state="restarting"} 0.0',
    ]
    stamp = next(s for s in lines if s.startswith("suivi_worker_last_success_timestamp_seconds "))
    assert float(stamp.split()[1]) == NOW.timestamp()
