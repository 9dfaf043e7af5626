"""`GET /metrics`: what the worker fleet is doing, in the Prometheus text format.

One `CollectorRegistry` per app. The database gauges are the same answer whichever replica
serves them and however many workers run: parcels per carrier and status, polls due and how
late they are, polls in the last hour, parcels whose last poll failed, active situations, and
notifications waiting for the sender (due now, per channel, and how late the oldest is: a stuck
sender shows there first); each is read in bounded time (metrics/database.py). When this
process runs the embedded worker and sender, their own counters follow (metrics/process.py).
Served only with SUIVI_METRICS_TOKEN.
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from suivi_server.metrics.database import DatabaseCollector
from suivi_server.metrics.process import SenderCollector, WorkerCollector
from suivi_server.notifications.sender import SenderMetrics
from suivi_server.services import Services
from suivi_server.worker.runner import WorkerMetrics


def routes(
    services: Services,
    worker: WorkerMetrics | None = None,
    sender: SenderMetrics | None = None,
) -> list[Route]:
    registry = CollectorRegistry()
    database = DatabaseCollector(services.engine)
    registry.register(database)
    if worker is not None:
        registry.register(WorkerCollector(worker, services.clock))
    if sender is not None:
        registry.register(SenderCollector(sender))

    async def metrics(request: Request) -> Response:
        token = services.settings.metrics_token
        if token is None:
            return JSONResponse({"error": "not_found", "message": "metrics are disabled"}, 404)
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JSONResponse({"error": "unauthorized", "message": "bad metrics token"}, 401)
        await database.refresh(services.clock())
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics)]
