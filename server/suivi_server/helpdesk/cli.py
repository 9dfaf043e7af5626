"""`suivi contacts import SHOP FILE`: a helpdesk's ticket export imported from a shell.

Tickets are stored in batches (one transaction each), so a large export needs no row limit; the
summary says how many were new, already there, matched to a shipment, and per reason; bad lines
are listed with their number and the exit status is 1 when any failed.
"""

from __future__ import annotations

import sys
from itertools import islice
from pathlib import Path
from typing import Any

import click

BATCH = 200
# formats.FORMATS, spelled out: `suivi --help` must not import the server's dependencies.
HELPDESKS = ("zendesk", "freshdesk", "gorgias")


@click.group()
def contacts() -> None:
    """Contacts from helpdesks."""


@contacts.command("import")
@click.argument("shop")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", *HELPDESKS]),
    default="auto",
    show_default=True,
    help="The helpdesk that exported FILE; auto: read from its header row.",
)
def import_contacts(shop: str, file: Path, fmt: str) -> None:
    """Import SHOP's tickets from a Zendesk, Freshdesk or Gorgias CSV FILE."""
    from suivi_server.helpdesk.formats import UnknownFormat
    from suivi_server.helpdesk.importer import Summary, import_tickets, merchant_zone
    from suivi_server.helpdesk.tickets import read_export
    from suivi_server.storage.merchants import merchant_by_slug
    from suivi_server.storage_commands import _run

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file.name}: not UTF-8 text") from None

    async def work(engine: Any, now: Any) -> Summary:
        async with engine.connect() as conn:
            found = await merchant_by_slug(conn, shop)
        if found is None:
            raise click.ClickException(f"no merchant {shop!r}")
        helpdesk = None if fmt == "auto" else fmt
        try:
            export = read_export(text, helpdesk, merchant_zone=merchant_zone(found), now=now)
        except UnknownFormat as exc:
            raise click.ClickException(f"{file.name}: {exc}") from None
        name = export.columns.format.name
        total = Summary(name)
        while batch := list(islice(export.lines, BATCH)):
            async with engine.begin() as conn:
                part = await import_tickets(conn, found.id, name, batch, now)
            total.merge(part)
        return total

    summary = _run(work)
    click.echo(
        f"{summary.format}: {summary.created} created, {summary.existing} already there, "
        f"{summary.failed} failed; {summary.matched} matched to a shipment, "
        f"{summary.unmatched} unmatched"
    )
    for reason, count in sorted(summary.reasons.items(), key=lambda item: -item[1]):
        click.echo(f"  {reason}: {count}")
    for failure in summary.failures:
        for error in failure.errors:
            click.echo(f"line {failure.line}: {error['field']}: {error['message']}", err=True)
    if summary.failed:
        sys.exit(1)
