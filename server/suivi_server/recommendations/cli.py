"""`suivi import-products FILE --merchant SLUG`: load a product feed from a shell.

Lines are stored in batches (one transaction each) under a progress bar; bad lines are listed
with their line number and field, and the exit status is 1 when any failed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

import click

BATCH = 200
# feed.FEED_FORMATS, spelled out: `suivi --help` must not import the server's dependencies.
FORMATS = ("jsonl", "csv", "gmc-xml", "gmc-tsv")


@click.command("import-products")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--merchant", "slug", required=True, help="The merchant's slug.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", *FORMATS]),
    default="auto",
    show_default=True,
    help="Default: from the file name, else from the content.",
)
@click.option("--replace", is_flag=True, help="Products missing from FILE become unavailable.")
def import_products(file: Path, slug: str, fmt: str, replace: bool) -> None:
    """Import a product feed (JSON lines, CSV, Google Merchant Center XML or TSV) for SLUG."""
    from rich.console import Console
    from rich.progress import Progress

    from suivi_server.recommendations.feed import FeedFormat, guess_feed_format, read_feed
    from suivi_server.recommendations.store import (
        ImportSummary,
        mark_missing_unavailable,
        store_line,
    )
    from suivi_server.storage.merchants import merchant_by_slug
    from suivi_server.storage_commands import _run

    text = file.read_text(encoding="utf-8-sig")
    chosen = guess_feed_format(text, file.name) if fmt == "auto" else cast(FeedFormat, fmt)
    lines = list(read_feed(text, chosen))

    async def work(engine: Any, now: Any) -> ImportSummary:
        async with engine.connect() as conn:
            found = await merchant_by_slug(conn, slug)
        if found is None:
            raise click.ClickException(f"no merchant {slug!r}")
        results = []
        with Progress(console=Console(stderr=True)) as progress:
            task = progress.add_task(f"importing {file.name}", total=len(lines))
            for start in range(0, len(lines), BATCH):
                async with engine.begin() as conn:
                    for line in lines[start : start + BATCH]:
                        results.append(await store_line(conn, found.id, line, now))
                        progress.advance(task)
        unavailable = 0
        if replace:
            listed = [line.sku for line in lines if line.sku is not None]
            async with engine.begin() as conn:
                unavailable = await mark_missing_unavailable(conn, found.id, listed, now)
        return ImportSummary(results, unavailable)

    summary = _run(work)
    counts = summary.counts()
    click.echo(", ".join(f"{n} {kind}" for kind, n in counts.items()))
    for result in summary.lines:
        for error in result.errors:
            click.echo(f"line {result.line}: {error['field']}: {error['message']}", err=True)
    if counts["failed"]:
        sys.exit(1)
