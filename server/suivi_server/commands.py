"""Server-side `suivi` commands, plugged into the SDK's CLI via the `suivi.commands` group.

Heavy imports happen inside the commands so `suivi --help` works without the server extra.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click


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
    """Serve the five carriers' tracking APIs locally, driven by a scenario."""
    import uvicorn

    from suivi_server.simulator import Scenario, SimClock, Simulator, create_app, load_scenario

    clock = SimClock(datetime.fromisoformat(start) if start else None, speed=speed)
    story = load_scenario(scenario, clock.now()) if scenario else Scenario()
    sim = Simulator.from_scenario(story, clock)
    click.echo(f"carrier simulator on http://{host}:{port} ({len(sim.parcels)} parcels)")
    uvicorn.run(create_app(sim), host=host, port=port, log_level="warning")
