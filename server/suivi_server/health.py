"""`GET /healthz` and `GET /readyz`, as JSON, for load balancers and orchestrators.

/healthz is liveness: the process answers, nothing more (restarting it would not help a
database outage). /readyz is readiness: the database answers a query and, when this process
runs the embedded worker, the worker completed a cycle within one lease period (a slower loop
loses its claims anyway). Either failing answers 503. Time comes from the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from suivi_server.services import Services
from suivi_server.worker.claim import DEFAULT_LEASE
from suivi_server.worker.runner import WorkerMetrics

log = logging.getLogger("suivi.server")

STALE_AFTER = DEFAULT_LEASE
DATABASE_TIMEOUT = 3.0  # seconds: a database slower than this is not ready to serve
_NO_STORE = {"Cache-Control": "no-store"}


async def database_check(services: Services) -> dict[str, Any]:
    """Whether `SELECT 1` succeeds in time; the cause is logged, not shown to callers."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with services.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        log.warning("readiness: database unreachable (%s: %s)", type(exc).__name__, exc)
        return {"ok": False, "error": "database unreachable"}
    return {"ok": True}


def worker_check(metrics: WorkerMetrics, now: datetime) -> dict[str, Any]:
    """Whether the embedded worker's last completed cycle is recent enough."""
    last = metrics.last_success
    check: dict[str, Any] = {
        "ok": False,
        "last_success": last.isoformat() if last else None,
        "restarts": metrics.restarts,
        "failed_cycles": metrics.failed_cycles,
    }
    if last is None:
        return {**check, "error": "no cycle completed yet"}
    age = (now - last).total_seconds()
    check["seconds_since_success"] = round(age, 1)
    if age > STALE_AFTER.total_seconds():
        return {**check, "error": f"no cycle completed for {round(age)}s"}
    return {**check, "ok": True}


def routes(services: Services, worker: WorkerMetrics | None = None) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    async def readyz(request: Request) -> Response:
        checks = {"database": await database_check(services)}
        if worker is not None:
            checks["worker"] = worker_check(worker, services.clock())
        ready = all(check["ok"] for check in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
            headers=_NO_STORE,
        )

    return [Route("/healthz", healthz), Route("/readyz", readyz)]
