"""`GET /metrics`: what the worker fleet is doing, in Prometheus text format.

Read from the database, so it is the same answer whichever replica serves it and however many
workers run: parcels per status, polls due and how late they are, polls in the last hour,
parcels whose last poll failed, active situations, and notifications waiting for the sender
(due now, per channel, and how late the oldest is: a stuck sender shows there first).
Served only with SUIVI_METRICS_TOKEN.
When this process runs the embedded worker, its own counters follow: poll errors by kind,
cycles that failed as a whole, restarts, when it last completed a cycle, and its state
(ok, stale, starting, restarting) as /readyz reports it.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from suivi_server.health import WORKER_STATES, worker_state
from suivi_server.services import Services
from suivi_server.storage.schema import notifications, shipment_situations, shipments
from suivi_server.worker.runner import WorkerMetrics

_s = shipments.c
_t = shipment_situations.c
_n = notifications.c


def _line(name: str, value: float, **labels: str) -> str:
    rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{rendered}}} {value:.15g}" if labels else f"{name} {value:.15g}"


def worker_lines(metrics: WorkerMetrics, now: datetime) -> list[str]:
    """The embedded worker's counters since the process started (0: no cycle completed yet),
    and its state as /readyz reports it, one series per state (1 for the current one)."""
    last, state = metrics.last_success, worker_state(metrics, now)
    return [
        "# TYPE suivi_worker_poll_errors_total counter",
        *(
            _line("suivi_worker_poll_errors_total", n, error=code)
            for code, n in sorted(metrics.errors.items())
        ),
        "# TYPE suivi_worker_failed_cycles_total counter",
        _line("suivi_worker_failed_cycles_total", metrics.failed_cycles),
        "# TYPE suivi_worker_restarts_total counter",
        _line("suivi_worker_restarts_total", metrics.restarts),
        "# TYPE suivi_worker_last_success_timestamp_seconds gauge",
        _line("suivi_worker_last_success_timestamp_seconds", last.timestamp() if last else 0),
        "# TYPE suivi_worker_state gauge",
        *(_line("suivi_worker_state", int(s == state), state=s) for s in WORKER_STATES),
    ]


async def collect(services: Services, worker: WorkerMetrics | None = None) -> list[str]:
    now = services.clock()
    lines = ["# TYPE suivi_shipments gauge"]
    async with services.engine.connect() as conn:
        by_status = await conn.execute(
            sa.select(_s.carrier, _s.status, sa.func.count()).group_by(_s.carrier, _s.status)
        )
        lines += [_line("suivi_shipments", n, carrier=c, status=s) for c, s, n in by_status]
        due, oldest = (
            await conn.execute(
                sa.select(sa.func.count(), sa.func.min(_s.next_poll_at)).where(
                    _s.next_poll_at <= now
                )
            )
        ).one()
        polled = (
            await conn.execute(
                sa.select(sa.func.count()).where(_s.last_polled_at > now - timedelta(hours=1))
            )
        ).scalar_one()
        failing = await conn.execute(
            sa.select(_s.carrier, sa.func.count()).where(_s.poll_errors > 0).group_by(_s.carrier)
        )
        situations = await conn.execute(
            sa.select(_t.kind, sa.func.count()).where(_t.resolved_at.is_(None)).group_by(_t.kind)
        )
        waiting = await conn.execute(
            sa.select(_n.channel, sa.func.count(), sa.func.min(_n.due_at))
            .where(_n.state == "pending", _n.due_at <= now)
            .group_by(_n.channel)
        )
        outbox = [(channel, n, (now - first).total_seconds()) for channel, n, first in waiting]
        lag = (now - oldest).total_seconds() if oldest is not None else 0.0
        lines += [
            "# TYPE suivi_polls_due gauge",
            _line("suivi_polls_due", due),
            "# TYPE suivi_poll_lag_seconds gauge",
            _line("suivi_poll_lag_seconds", max(0.0, lag)),
            "# TYPE suivi_polls_last_hour gauge",
            _line("suivi_polls_last_hour", polled),
            "# TYPE suivi_shipments_failing gauge",
            *(_line("suivi_shipments_failing", n, carrier=c) for c, n in failing),
            "# TYPE suivi_active_situations gauge",
            *(_line("suivi_active_situations", n, kind=k) for k, n in situations),
            "# TYPE suivi_notifications_due gauge",
            *(_line("suivi_notifications_due", n, channel=c) for c, n, _ in outbox),
            "# TYPE suivi_notification_lag_seconds gauge",
            *(
                _line("suivi_notification_lag_seconds", max(0.0, w), channel=c)
                for c, _, w in outbox
            ),
        ]
    return lines + worker_lines(worker, now) if worker is not None else lines


def routes(services: Services, worker: WorkerMetrics | None = None) -> list[Route]:
    async def metrics(request: Request) -> Response:
        token = services.settings.metrics_token
        if token is None:
            return JSONResponse({"error": "not_found", "message": "metrics are disabled"}, 404)
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JSONResponse({"error": "unauthorized", "message": "bad metrics token"}, 401)
        lines = await collect(services, worker)
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    return [Route("/metrics", metrics)]
