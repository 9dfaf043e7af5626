"""Server-side `suivi` commands, plugged into the SDK's CLI via the `suivi.commands` group.

Heavy imports happen inside the commands so `suivi --help` works without the server extra.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from suivi_server.config import Settings


# How long a web process of `serve --workers` may take to start (catalogs, themes and templates
# load first) before uvicorn counts it as dead: a busy host needs more than uvicorn's 5 s.
STARTUP_SECONDS = 60


def load_settings_or_exit() -> Settings:
    """The settings, or a one-line error instead of a traceback when a setting is unsafe."""
    from suivi_server.config import ConfigError, load_settings

    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--scenario",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML or JSON file of parcels (story or steps) and failure modes.",
)
@click.option("--start", help="Simulated time at start (ISO 8601); default: now.")
@click.option("--speed", default=0.0, show_default=True, help="Simulated seconds per real second.")
def simulator(host: str, port: int, scenario: Path | None, start: str | None, speed: float) -> None:
    """Serve the tracking APIs of the installed carriers that declare a simulator, driven
    by a scenario."""
    import uvicorn

    from suivi_server.simulator import Scenario, SimClock, Simulator, create_app, load_scenario

    clock = SimClock(datetime.fromisoformat(start) if start else None, speed=speed)
    story = load_scenario(scenario, clock.now()) if scenario else Scenario()
    sim = Simulator.from_scenario(story, clock)
    carriers = ", ".join(sim.carriers) or "no carrier"
    click.echo(f"carrier simulator on http://{host}:{port}: {carriers}, {len(sim.parcels)} parcels")
    uvicorn.run(create_app(sim), host=host, port=port, log_level="warning")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Fresh demo data on SQLite, tracked via the simulator.")
@click.option(
    "--worker/--no-worker",
    default=None,
    help="Run the refresh worker inside the server process (single-process installs; the "
    "default with one web process).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Web processes sharing the port; with more than one, run `suivi worker` beside them.",
)
def serve(host: str, port: int, demo: bool, worker: bool | None, workers: int) -> None:
    """Serve the tracking pages, widget and merchant API (migrations are applied first)."""
    import uvicorn

    from suivi_server.serving import WEB_APP, build_app, build_demo_app, prepare_database

    settings = load_settings_or_exit()
    if workers > 1:
        if demo or worker:
            raise click.UsageError("--workers runs web processes only: no --demo, no --worker")
        asyncio.run(prepare_database(settings))
        click.echo(f"Suivi on http://{host}:{port}, {workers} web processes")
        uvicorn.run(
            WEB_APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_worker_healthcheck=STARTUP_SECONDS,
            **proxy_options(settings),
        )
        return
    if demo:
        app, links = build_demo_app(settings, host=host, port=port)
        click.echo(links)
    else:
        app = build_app(settings, with_worker=worker is not False)
        click.echo(f"Suivi on http://{host}:{port} (database: {settings.database_url})")
    uvicorn.run(
        app, host=host, port=port, log_level="info", access_log=not demo, **proxy_options(settings)
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's forwarding-header handling: only SUIVI_TRUSTED_PROXIES are believed.

    uvicorn's own default trusts any local peer, so a process on the same host could name
    itself any client; without configured proxies the headers are not read at all.
    """
    proxies = list(settings.trusted_proxies)
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}


@click.command()
@click.option("--once", is_flag=True, help="Run one cycle and exit (cron-style).")
@click.option("--batch-size", default=50, show_default=True, type=int)
@click.option("--idle", default=5.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option(
    "--send/--no-send",
    default=True,
    show_default=True,
    help="Also deliver notifications (--no-send when `suivi sender` runs separately).",
)
def worker(once: bool, batch_size: int, idle: float, send: bool) -> None:
    """Poll carriers for due shipments; run as many as you like side by side on PostgreSQL."""
    from suivi_server.serving import run_worker

    settings = load_settings_or_exit()
    asyncio.run(run_worker(settings, once=once, batch_size=batch_size, idle=idle, send=send))


@click.command()
@click.option("--once", is_flag=True, help="Handle one batch and exit (cron-style).")
@click.option("--batch-size", default=50, show_default=True, type=int)
@click.option("--idle", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option(
    "--lease",
    default=120.0,
    show_default=True,
    help="Seconds a claimed notification stays ours; a killed sender's rows return after it.",
)
def sender(once: bool, batch_size: int, idle: float, lease: float) -> None:
    """Deliver due notifications (email, SMS, webhooks) from the outbox, alone, for scale."""
    from datetime import timedelta

    from suivi_server.serving import run_sender

    settings = load_settings_or_exit()
    asyncio.run(
        run_sender(
            settings,
            once=once,
            batch_size=batch_size,
            idle=idle,
            lease=timedelta(seconds=lease),
        )
    )
