"""`suivi` on the command line. Errors print one line on stderr and exit with code 2.

Server commands (`serve`, `worker`, `simulator`, …) are added by the server package through
the `suivi.commands` entry-point group, so the SDK alone stays free of server dependencies.
"""

from __future__ import annotations

import asyncio
import json
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from suivi._adapter import RawResponse
from suivi._client import Tracker
from suivi._models import Tracking
from suivi._registry import Registry
from suivi.errors import SuiviError

COMMANDS_GROUP = "suivi.commands"
EXIT_BAD_INPUT = 2

console = Console()


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def tracking_json(tracking: Tracking) -> dict[str, Any]:
    return tracking.model_dump(mode="json", exclude_none=False)


class SuiviGroup(click.Group):
    """Turns any SuiviError escaping a command into a one-line error and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SuiviError as error:
            fail(str(error))


@click.group(cls=SuiviGroup)
@click.version_option(package_name="suivi")
def main() -> None:
    """Suivi: normalized parcel tracking for French and international carriers."""


@main.command()
@click.argument("carrier")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the Tracking as JSON.")
@click.option("--base-url", help="Send requests to this host instead (e.g. the simulator).")
def track(carrier: str, number: str, as_json: bool, base_url: str | None) -> None:
    """Ask CARRIER about NUMBER and show the normalized tracking."""

    async def run() -> Tracking:
        async with Tracker(base_url=base_url) as tracker:
            return await tracker.track(carrier, number)

    tracking = asyncio.run(run())
    if as_json:
        click.echo(json.dumps(tracking_json(tracking), indent=2, ensure_ascii=False))
        return
    show(tracking)


def show(tracking: Tracking) -> None:
    headline = tracking.status.value + (
        f" / {tracking.substatus.value}" if tracking.substatus else ""
    )
    console.print(f"[bold]{tracking.carrier} {tracking.tracking_number}[/bold]: {headline}")
    if tracking.estimate:
        est = tracking.estimate
        console.print(f"expected {est.earliest} – {est.latest} ({est.source})")
    table = Table("when", "status", "code", "carrier says", "where")
    for event in tracking.events:
        where = event.location.city if event.location and event.location.city else ""
        table.add_row(
            event.timestamp.isoformat(), event.status.value, event.code, event.label, where or ""
        )
    console.print(table)


@main.command()
@click.argument("number")
def detect(number: str) -> None:
    """List the carriers whose number formats fit NUMBER, best first."""
    candidates = Tracker().detect(number)
    if not candidates:
        fail(f"no installed carrier recognizes {number!r}")
    for name in candidates:
        click.echo(name)


@main.command()
@click.argument("carrier")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def parse(carrier: str, file: Path) -> None:
    """Normalize a raw CARRIER response body read from FILE and print it as JSON."""
    try:
        body = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    adapter = Tracker().adapter(carrier)
    trackings = adapter.parse(RawResponse(body=body))
    payload: Any = [tracking_json(t) for t in trackings]
    click.echo(
        json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False)
    )


@main.command()
def adapters() -> None:
    """List the installed carrier adapters (and plugins that failed to load)."""
    loaded, broken = Registry().load_all()
    table = Table("name", "carrier", "countries", "batch")
    for name, cls in sorted(loaded.items()):
        batch = str(cls.max_batch) if cls.supports_batch else "-"
        table.add_row(name, cls.display_name, ",".join(cls.countries), batch)
    console.print(table)
    for name, error in sorted(broken.items()):
        click.echo(f"broken plugin {name}: {error.message}", err=True)


def _add_plugin_commands() -> None:
    for point in entry_points(group=COMMANDS_GROUP):
        try:
            command = point.load()
        except Exception as exc:  # a broken optional command must not break the SDK's CLI
            click.echo(f"warning: command {point.name!r} unavailable: {exc}", err=True)
            continue
        if isinstance(command, click.Command):
            main.add_command(command, point.name)


_add_plugin_commands()
