"""`suivi estimates rebuild`: the transit counts counted again from the deliveries stored."""

from __future__ import annotations

from functools import partial
from typing import Any

import click


@click.group()
def estimates() -> None:
    """The delivery estimates' learned data."""


@estimates.command("rebuild")
def rebuild() -> None:
    """Count every delivered shipment's transit times again, as each delivery adds them: for an
    installation upgrading, or after a change to how deliveries are counted. Stop the worker
    first; an interrupted rebuild is run again from the start."""
    from rich.console import Console
    from rich.progress import Progress

    from suivi_server.estimates.rebuild import delivered_shipments, rebuild_transit_counts
    from suivi_server.storage_commands import _run

    async def work(engine: Any, now: Any) -> int:
        total = await delivered_shipments(engine)
        with Progress(console=Console(stderr=True)) as progress:
            task = progress.add_task("counting deliveries", total=total)
            advance = partial(progress.advance, task)
            return await rebuild_transit_counts(engine, now, advance=advance)

    read = _run(work)
    click.echo(f"transit counts rebuilt from {read} delivered shipments")
