"""Assembling the running pieces: the app with its embedded worker, the demo, a worker process."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from suivi import Tracker
from suivi.toolkit import AdapterSettings
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.demo import DEMO_PARCELS, MERCHANT_SLUG, DemoData, demo_simulator, seed_demo
from suivi_server.demo_history import DEMO_USER_EMAIL, DEMO_USER_PASSWORD
from suivi_server.notifications import mailbox_pages
from suivi_server.notifications.mailbox import Mailbox
from suivi_server.notifications.sender import SenderMetrics
from suivi_server.notifications.service import build_sender
from suivi_server.ratelimit import shared_limits
from suivi_server.services import Services, utc_now
from suivi_server.simulator import create_app as create_simulator_app
from suivi_server.simulator import simulator_settings
from suivi_server.storage.engine import create_engine, upgrade
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
    """The refresh worker and the notification sender as background tasks of the web process
    (single-process installs).

    Supervised: if they ever crash they are logged and started again after a pause. Their
    metrics outlive each run, and /readyz and /metrics read them. With a `mailbox` (the demo),
    messages are captured there instead of being sent.
    """

    settings: Settings
    adapters: Mapping[str, AdapterSettings] | None = None
    idle: float = 5.0
    restart_backoff: tuple[float, ...] = RESTART_BACKOFF
    metrics: WorkerMetrics = field(default_factory=WorkerMetrics)
    sender_metrics: SenderMetrics = field(default_factory=SenderMetrics)
    mailbox: Mailbox | None = None

    async def __call__(self, services: Services, stop: asyncio.Event) -> None:
        async def run() -> None:
            sender = build_sender(
                self.settings,
                services.engine,
                services.clock,
                mailbox=self.mailbox,
                metrics=self.sender_metrics,
            )
            try:
                async with make_tracker(self.settings, services.engine, self.adapters) as tracker:
                    worker = Worker(
                        services.engine, tracker, clock=services.clock, metrics=self.metrics
                    )
                    # A task group, not gather: each loop is waited for until it has ended,
                    # so none still holds a connection once the server shuts down.
                    async with asyncio.TaskGroup() as loops:
                        loops.create_task(worker.run_forever(idle_seconds=self.idle, stop=stop))
                        loops.create_task(sender.run_forever(idle_seconds=self.idle, stop=stop))
            finally:
                await sender.aclose()

        await supervise(
            run, self.metrics, name="embedded worker", backoff=self.restart_backoff, stop=stop
        )


# What each of `suivi serve --workers N`'s processes imports: uvicorn needs a name, not an app.
WEB_APP = "suivi_server.serving:web_app"


async def prepare_database(settings: Settings) -> None:
    """Migrate once, before the web processes start: they would otherwise race to do it."""
    await upgrade(settings.database_url)


def web_app() -> Starlette:
    """One web process of several: settings from the environment, as the parent read them
    (its generated secret key is already in the data dir), the database already migrated."""
    from suivi_server.config import load_settings

    return create_app(load_settings(), migrate=False)


def build_app(settings: Settings, *, with_worker: bool) -> Starlette:
    if not with_worker:
        return create_app(settings)
    worker = EmbeddedWorker(settings)
    return create_app(
        settings,
        background=worker,
        worker_metrics=worker.metrics,
        sender_metrics=worker.sender_metrics,
    )


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
            return await seed_demo(engine, now, public_url)
        finally:
            await engine.dispose()

    data = asyncio.run(prepare())
    adapters = simulator_settings(f"{public_url}/_simulator")
    mailbox = Mailbox()
    worker = EmbeddedWorker(settings, adapters, idle=2.0, mailbox=mailbox)
    app = create_app(
        settings,
        migrate=False,
        extra_routes=[
            Mount("/_simulator", app=create_simulator_app(demo_simulator(now))),
            Mount("/demo-assets", app=StaticFiles(directory=DEMO_ASSETS)),
            *mailbox_pages.routes(mailbox),
        ],
        background=worker,
        worker_metrics=worker.metrics,
        sender_metrics=worker.sender_metrics,
        adapters=adapters,  # the webhooks read the settings the worker tracks with
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
        f"Messages the demo sent (captured, not delivered): {public_url}/_demo/messages",
        f"Merchant dashboard: {public_url}/dashboard/ (sign in as {DEMO_USER_EMAIL},"
        f" password {DEMO_USER_PASSWORD})",
    ]
    return app, "\n".join(lines)


async def run_worker(
    settings: Settings, *, once: bool, batch_size: int, idle: float, send: bool = True
) -> None:
    """Poll carriers and (unless `send` is off: a separate `suivi sender` does it) deliver
    the notifications the polls cause."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = create_engine(settings.database_url)
    await upgrade(settings.database_url)
    sender = build_sender(settings, engine, utc_now) if send else None
    try:
        async with make_tracker(settings, engine) as tracker:
            worker = Worker(engine, tracker, clock=utc_now, batch_size=batch_size)
            if once:
                polled = await worker.run_once()
                log.info("polled %d shipments %s", polled, worker.metrics.as_dict())
                if sender is not None:
                    handled = await sender.run_once()
                    log.info("handled %d notifications %s", handled, sender.metrics.as_dict())
            else:
                stop = stop_on_signals()
                async with asyncio.TaskGroup() as loops:
                    loops.create_task(worker.run_forever(idle_seconds=idle, stop=stop))
                    if sender is not None:
                        loops.create_task(sender.run_forever(idle_seconds=idle, stop=stop))
    finally:
        if sender is not None:
            await sender.aclose()
        await engine.dispose()


async def run_sender(
    settings: Settings, *, once: bool, batch_size: int, idle: float, lease: timedelta
) -> None:
    """Only deliver notifications: run as many side by side as the volume needs."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = create_engine(settings.database_url)
    await upgrade(settings.database_url)
    sender = build_sender(settings, engine, utc_now, batch_size=batch_size, lease=lease)
    stop = stop_on_signals()
    log.info("sending through %s", ", ".join(sorted(sender.channels)) or "no channel")
    try:
        if once:
            await sender.run_once()
        else:
            await sender.run_forever(idle_seconds=idle, stop=stop)
    finally:
        log.info("sender stopping %s", sender.metrics.as_dict())
        await sender.aclose()
        await engine.dispose()


def stop_on_signals() -> asyncio.Event:
    """Set on SIGTERM or SIGINT, so `systemctl stop` lets the current batch finish and record
    its outcomes, instead of ending it like a crash (which re-sends what was not recorded)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
