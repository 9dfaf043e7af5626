"""The Starlette application: merchant API under /api, shopper pages and widget at the root."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from suivi import Registry
from suivi.toolkit import AdapterSettings
from suivi_server import health, metrics, webhooks
from suivi_server.api import routes as api
from suivi_server.config import Settings
from suivi_server.dashboard import app as dashboard
from suivi_server.notifications import unsubscribe
from suivi_server.notifications.sender import SenderMetrics
from suivi_server.pages.shopper import Pages
from suivi_server.recent_reads import settle_reads
from suivi_server.security import PageTokens
from suivi_server.services import Services, utc_now
from suivi_server.storage.engine import create_engine, upgrade
from suivi_server.worker.runner import WorkerMetrics

# What runs beside the server: given the services and the event set at shutdown.
Background = Callable[[Services, asyncio.Event], Coroutine[Any, Any, None]]
# How long shutdown waits for the background to end its cycle before cancelling it.
SHUTDOWN_GRACE_SECONDS = 10.0


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    clock: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    migrate: bool = True,
    extra_routes: Sequence[BaseRoute] = (),
    background: Background | None = None,
    shutdown_grace: float = SHUTDOWN_GRACE_SECONDS,
    worker_metrics: WorkerMetrics | None = None,
    sender_metrics: SenderMetrics | None = None,
    registry: Registry | None = None,
    adapters: Mapping[str, AdapterSettings] | None = None,
) -> Starlette:
    """Build the app. Migrations run at start-up unless `migrate=False` (tests migrate once).

    `background` runs alongside the server (the embedded worker of a single-process install);
    at shutdown it is asked to stop, and cancelled only if it has not within `shutdown_grace`
    seconds; `extra_routes` mounts more apps (the demo's carrier simulator).
    `worker_metrics` are the embedded worker's, read by /readyz and /metrics (and
    `sender_metrics` the embedded sender's, read by /metrics). Carrier webhooks
    come from `registry` (the installed adapters by default), configured by `adapters`
    (explicit settings per carrier) or else by SUIVI_<CARRIER>_* variables.
    """
    services = Services(
        settings=settings,
        engine=engine or create_engine(settings.database_url),
        tokens=PageTokens(settings.secret_keys, clock=clock),
        clock=clock,
        monotonic=monotonic,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if migrate:
            await upgrade(settings.database_url)
        stop = asyncio.Event()
        task = asyncio.create_task(background(services, stop)) if background else None
        yield
        if task is not None:
            await _stop(task, stop, shutdown_grace)
        await settle_reads()
        if engine is None:
            await services.engine.dispose()

    shopper = Pages(services)
    signed_links, shopper_routes = shopper.routes()
    app = Starlette(
        debug=settings.debug,
        routes=[
            *signed_links,  # the hot paths, matched first
            *extra_routes,
            Mount("/api", routes=api.routes(services)),
            *webhooks.routes(services, registry=registry, adapters=adapters),
            *metrics.routes(services, worker_metrics, sender_metrics),
            *health.routes(services, worker_metrics),
            *unsubscribe.routes(services, shopper.site),
            *dashboard.routes(services),  # before the shopper's /{merchant}/track
            *shopper_routes,
        ],
        middleware=shopper.middleware(),
        exception_handlers={**api.exception_handlers(), **shopper.exception_handlers()},
        lifespan=lifespan,
    )
    app.state.services = services
    return app


async def _stop(task: asyncio.Task[None], stop: asyncio.Event, grace: float) -> None:
    """Ask first, so the cycle in flight is finished and recorded (a send cut short between
    delivery and its record would go out again); cancel only what outlives the grace."""
    stop.set()
    try:
        await asyncio.wait({task}, timeout=grace)
    finally:  # even when the shutdown itself is cancelled, nothing is left running
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
