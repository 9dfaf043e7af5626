"""`suivi estimate-report`: how the delivery windows shown to shoppers held, as a table."""

from __future__ import annotations

from datetime import date, datetime

import click

from suivi_server.commands import load_settings_or_exit

_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@click.command("estimate-report")
@click.option("--from", "since", type=_DAY, help="Deliveries from this day (YYYY-MM-DD).")
@click.option("--to", "until", type=_DAY, help="Deliveries until this day, included.")
@click.option("--merchant", "slug", help="One merchant's deliveries (default: every merchant).")
def estimate_report(since: datetime | None, until: datetime | None, slug: str | None) -> None:
    """Per carrier, service and milestone: hit rate, stated against observed confidence, mean
    width, mean error and the share of parcels whose promise moved later."""
    import asyncio

    from rich.console import Console
    from rich.table import Table

    from suivi_server.estimates.report import EstimateReportRow
    from suivi_server.estimates.report import estimate_report as report
    from suivi_server.storage.engine import create_engine, upgrade
    from suivi_server.storage.merchants import merchant_by_slug

    if since and until and until < since:
        raise click.BadParameter("must not be before --from", param_hint="--to")

    async def run() -> list[EstimateReportRow]:
        url = load_settings_or_exit().database_url
        await upgrade(url)
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                merchant = await merchant_by_slug(conn, slug) if slug else None
                if slug and merchant is None:
                    raise click.ClickException(f"no merchant {slug!r}")
                merchant_id = merchant.id if merchant else None
                return await report(
                    conn, merchant_id=merchant_id, since=_day(since), until=_day(until)
                )
        finally:
            await engine.dispose()

    rows = asyncio.run(run())
    table = Table(
        "carrier",
        "service",
        "milestone",
        "deliveries",
        "hit rate",
        "stated",
        "width (bd)",
        "abs. error (d)",
        "moved later",
    )
    for row in rows:
        stated = row.stated_confidence
        table.add_row(
            row.carrier,
            row.service or "-",
            row.milestone or "hand-over",
            str(row.deliveries),
            f"{row.hit_rate:.1%}",
            f"{stated:.0%}" if stated is not None else "-",
            f"{row.mean_width_days:.2f}",
            f"{row.mean_abs_error_days:.2f}",
            f"{row.moved_later:.1%}",
        )
    Console().print(table if rows else "no delivered shipment with a shown window in that range")
