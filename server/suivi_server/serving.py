"""Assembling the running pieces: the app with its embedded worker, the demo, a worker process."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from suivi import AdapterSettings, Tracker
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.demo import DEMO_PARCELS, MERCHANT_SLUG, DemoData, demo_simulator, seed_demo
from suivi_server.services import Services, utc_now
from suivi_server.simulator import create_app as create_simulator_app
from suivi_server.simulator import simulator_settings
from suivi_server.storage.engine import create_engine, upgrade
from suivi_server.worker.ratelimit import shared_limits
from suivi_server.worker.runner import Worker, WorkerMetrics
from suivi_server.worker.supervisor import RESTART_BACKOFF, supervise

log = logging.getLogger("suivi.server")
DEMO_ASSETS = Path(__file__).parent / "demo_assets"


def make_tracker(
    settings: Settings,
    engine: AsyncEngine,
    adapters: Mapping[str, AdapterSettings] | None = None,
) -> Tracker:
    """The server's Tracker: credentials from SUIVI_<CARRIER>_* unless given explicitly.

    On PostgreSQL, where several workers may run, carrier quotas are counted in the database
    so that all of them together stay within each carrier's rate limit.
    """
    limiter = None if settings.is_sqlite else shared_limits(engine)
    return Tracker(settings=adapters, base_url=settings.carrier_base_url, limiter=limiter)


@dataclass
class EmbeddedWorker:
    """The refresh worker as a background task of the web process (single-process installs).

    Supervised: if it ever crashes it is logged and started again after a pause. Its metrics
    outlive each run, and /readyz and /metrics read them.
    """

    settings: Settings
    adapters: Mapping[str, AdapterSettings] | None = None
    idle: float = 5.0
    restart_backoff: tuple[float, ...] = RESTART_BACKOFF
    metrics: WorkerMetrics = field(default_factory=WorkerMetrics)

    async def __call__(self, services: Services) -> None:
        async def run() -> None:
            async with make_tracker(self.settings, services.engine, self.adapters) as tracker:
                worker = Worker(
                    services.engine, tracker, clock=services.clock, metrics=self.metrics
                )
                await worker.run_forever(idle_seconds=self.idle)

        await supervise(run, self.metrics, name="embedded worker", backoff=self.restart_backoff)


def build_app(settings: Settings, *, with_worker: bool) -> Starlette:
    if not with_worker:
        return create_app(settings)
    worker = EmbeddedWorker(settings)
    return create_app(settings, background=worker, worker_metrics=worker.metrics)


def build_demo_app(settings: Settings, *, host: str, port: int) -> tuple[Starlette, str]:
    """A fresh SQLite demo: merchant, shipments, simulator mounted at /_simulator, worker."""
    demo_db = settings.data_dir / "demo.db"
    for leftover in settings.data_dir.glob("demo.db*"):
        leftover.unlink()
    public_url = f"http://{host}:{port}"
    settings = dataclasses.replace(
        settings, database_url=f"sqlite+aiosqlite:///{demo_db.resolve()}", public_url=public_url
    )
    now = utc_now()
    engine = create_engine(settings.database_url)

    async def prepare() -> DemoData:
        await upgrade(settings.database_url)
        try:
            return await seed_demo(engine, now)
        finally:
            await engine.dispose()

    data = asyncio.run(prepare())
    adapters = simulator_settings(f"{public_url}/_simulator")
    worker = EmbeddedWorker(settings, adapters, idle=2.0)
    app = create_app(
        settings,
        migrate=False,
        extra_routes=[
            Mount("/_simulator", app=create_simulator_app(demo_simulator(now))),
            Mount("/demo-assets", app=StaticFiles(directory=DEMO_ASSETS)),
        ],
        background=worker,
        worker_metrics=worker.metrics,
    )
    services: Services = app.state.services
    lines = [f"Suivi demo on {public_url} (SQLite at {demo_db})", ""]
    lines.append(f"Order lookup form: {public_url}/{MERCHANT_SLUG}/track")
    for parcel in DEMO_PARCELS:
        url = services.page_url(data.shipment_ids[parcel.order_number])
        shows = parcel.shows.value
        lines.append(f"  {parcel.order_number} {parcel.carrier:<13} {shows:<24} {url}")
    lines += [
        "",
        f"Merchant API key (shown once): {data.api_key}",
        f"API schema: {public_url}/api/openapi.json",
    ]
    return app, "\n".join(lines)


async def run_worker(settings: Settings, *, once: bool, batch_size: int, idle: float) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = create_engine(settings.database_url)
    await upgrade(settings.database_url)
    try:
        async with make_tracker(settings, engine) as tracker:
            worker = Worker(engine, tracker, clock=utc_now, batch_size=batch_size)
            if once:
                polled = await worker.run_once()
                log.info("polled %d shipments %s", polled, worker.metrics.as_dict())
            else:
                await worker.run_forever(idle_seconds=idle)
    finally:
        await engine.dispose()
