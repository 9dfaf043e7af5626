"""/healthz says the process is up; /readyz says whether it can serve (the database) and
reports the embedded worker's state without depending on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.storage.engine import create_engine
from suivi_server.worker.runner import WorkerMetrics
from tests.server.conftest import NOW

pytestmark = pytest.mark.anyio


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def unreachable(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine for the same backend whose database cannot be reached."""
    if database_url.startswith("sqlite"):
        # Refused before aiosqlite starts its connection thread: a failed open in that thread
        # can outlive the test's event loop and fail a later test.
        async def refuse() -> Any:
            raise OSError("database file cannot be opened")

        engine = create_async_engine("sqlite+aiosqlite://", async_creator=refuse)
    else:
        engine = create_engine("postgresql+asyncpg://postgres:postgres@127.0.0.1:1/suivi")
    yield engine
    await engine.dispose()


def _app_with_worker(
    settings: Settings, engine: AsyncEngine, clock: list[datetime], worker: WorkerMetrics
) -> Starlette:
    return create_app(
        settings, engine=engine, clock=lambda: clock[0], migrate=False, worker_metrics=worker
    )


async def test_healthz_answers_while_the_process_is_up(
    settings: Settings, unreachable: AsyncEngine
) -> None:
    app = create_app(settings, engine=unreachable, migrate=False)
    async with _client(app) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_is_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": {"ok": True}}}


async def test_readyz_is_503_json_when_the_database_is_down(
    settings: Settings, unreachable: AsyncEngine
) -> None:
    app = create_app(settings, engine=unreachable, migrate=False)
    async with _client(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert response.json()["checks"]["database"] == {"ok": False, "error": "database unreachable"}


async def test_readyz_reports_a_worker_that_completed_a_cycle_recently(
    settings: Settings, engine: AsyncEngine, clock: list[datetime]
) -> None:
    worker = WorkerMetrics(last_success=NOW - timedelta(minutes=4))
    async with _client(_app_with_worker(settings, engine, clock, worker)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": {"ok": True}},
        "worker": {"state": "ok", "last_success": "2026-11-25T09:26:00+00:00"},
    }


async def test_readyz_stays_ready_while_the_worker_is_stale(
    settings: Settings, engine: AsyncEngine, clock: list[datetime]
) -> None:
    """A slow batch against rate-limited carriers: the pages still answer."""
    worker = WorkerMetrics(last_success=NOW)
    async with _client(_app_with_worker(settings, engine, clock, worker)) as client:
        clock[0] = NOW + timedelta(minutes=6)  # the injected clock, not the wall clock
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["worker"] == {"state": "stale", "last_success": NOW.isoformat()}


async def test_readyz_is_ready_before_the_worker_completes_its_first_cycle(
    settings: Settings, engine: AsyncEngine, clock: list[datetime]
) -> None:
    async with _client(_app_with_worker(settings, engine, clock, WorkerMetrics())) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["worker"] == {"state": "starting", "last_success": None}


async def test_readyz_reports_a_worker_waiting_to_restart(
    settings: Settings, engine: AsyncEngine, clock: list[datetime]
) -> None:
    worker = WorkerMetrics(last_success=NOW, restarting=True)
    async with _client(_app_with_worker(settings, engine, clock, worker)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["worker"]["state"] == "restarting"


async def test_readyz_is_503_when_the_database_is_down_whatever_the_worker(
    settings: Settings, unreachable: AsyncEngine, clock: list[datetime]
) -> None:
    worker = WorkerMetrics(last_success=NOW)
    async with _client(_app_with_worker(settings, unreachable, clock, worker)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert response.json()["worker"]["state"] == "ok"
