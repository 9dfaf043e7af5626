"""Reports over stored shipments: how accurate were the delivery estimates we showed?"""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import CarrierAccuracy, DeliveryEstimate, EstimateOutcome, accuracy_by_carrier
from suivi_server.storage.schema import shipments

_s = shipments.c


async def estimate_accuracy(
    engine: AsyncEngine, *, since: date | None = None
) -> list[CarrierAccuracy]:
    """Per carrier: share of deliveries inside the window shown at hand-over, mean error in days."""
    query = sa.select(_s.carrier, _s.shipped_estimate, _s.delivered_at).where(
        _s.status == "delivered", _s.shipped_estimate.is_not(None), _s.delivered_at.is_not(None)
    )
    if since is not None:
        query = query.where(_s.delivered_at >= since)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return accuracy_by_carrier(
        EstimateOutcome(
            carrier=row.carrier,
            estimate=DeliveryEstimate.model_validate(row.shipped_estimate),
            delivered_on=row.delivered_at.date(),
        )
        for row in rows
    )


@click.command("estimate-report")
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Deliveries from this day."
)
def estimate_report(since: object) -> None:
    """Accuracy of the delivery windows shown to shoppers, per carrier."""
    import asyncio
    from datetime import datetime

    from rich.console import Console
    from rich.table import Table

    from suivi_server.config import load_settings
    from suivi_server.storage.engine import create_engine, upgrade

    async def run() -> list[CarrierAccuracy]:
        url = load_settings().database_url
        await upgrade(url)
        engine = create_engine(url)
        try:
            day = since.date() if isinstance(since, datetime) else None
            return await estimate_accuracy(engine, since=day)
        finally:
            await engine.dispose()

    rows = asyncio.run(run())
    table = Table("carrier", "deliveries", "inside window", "mean abs. error (days)")
    for row in rows:
        table.add_row(
            row.carrier,
            str(row.deliveries),
            f"{row.inside_window:.1%}",
            f"{row.mean_abs_error_days:.2f}",
        )
    Console().print(table if rows else "no delivered shipment with an estimate yet")
