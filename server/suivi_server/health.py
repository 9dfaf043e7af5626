"""`GET /healthz` and `GET /readyz`, as JSON, for load balancers and orchestrators.

/healthz is liveness: the process answers, nothing more (restarting it would not help a
database outage). /readyz is readiness: the database answers a query, else 503. The pages and
the API answer whatever the embedded worker does, so its state is reported, not required: a
slow first batch against rate-limited carriers must not make a load balancer drop the only web
process. "stale" means no cycle completed within one lease period (a slower loop loses its
claims anyway); /metrics shows the same state. Time comes from the injected clock.
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
WORKER_STATES = ("ok", "stale", "starting", "restarting")
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


def worker_state(metrics: WorkerMetrics, now: datetime) -> str:
    """The worker's state: restarting after a crash, starting until a first cycle completes,
    then ok or stale by the age of its last completed cycle."""
    last = metrics.last_success
    if metrics.restarting:
        return "restarting"
    if last is None:
        return "starting"
    return "stale" if now - last > STALE_AFTER else "ok"


def worker_report(metrics: WorkerMetrics, now: datetime) -> dict[str, Any]:
    last = metrics.last_success
    return {"state": worker_state(metrics, now), "last_success": last.isoformat() if last else None}


def routes(services: Services, worker: WorkerMetrics | None = None) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    async def readyz(request: Request) -> Response:
        database = await database_check(services)
        body: dict[str, Any] = {
            "status": "ready" if database["ok"] else "not_ready",
            "checks": {"database": database},
        }
        if worker is not None:
            body["worker"] = worker_report(worker, services.clock())
        return JSONResponse(body, status_code=200 if database["ok"] else 503, headers=_NO_STORE)

    return [Route("/healthz", healthz), Route("/readyz", readyz)]
