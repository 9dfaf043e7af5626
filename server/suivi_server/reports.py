"""Reports over stored shipments: how accurate were the delivery estimates we showed?"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import (
    CarrierAccuracy,
    DeliveryEstimate,
    EstimateOutcome,
    Status,
    accuracy_by_carrier,
)
from suivi_server.storage.schema import merchants, shipments, tracking_events

_s = shipments.c
_e = tracking_events.c


async def estimate_accuracy(
    engine: AsyncEngine, *, since: date | None = None
) -> list[CarrierAccuracy]:
    """Per carrier: share of deliveries inside the window shown at hand-over, mean error in days.

    Judged on the arrival day in the merchant's time zone, as the model learns it: the first
    `available_for_pickup` event when the parcel waited at a pickup point, else `delivered_at`.
    """
    at_pickup = sa.func.min(
        sa.case(
            (
                sa.and_(_e.affects_status, _e.status == Status.AVAILABLE_FOR_PICKUP.value),
                _e.occurred_at,
            )
        )
    ).label("at_pickup")
    query = (
        sa.select(
            _s.carrier,
            _s.shipped_estimate,
            _s.delivered_at,
            merchants.c.settings.label("merchant_settings"),
            at_pickup,
        )
        .join(merchants, merchants.c.id == _s.merchant_id)
        .outerjoin(tracking_events, _e.shipment_id == _s.id)
        .where(
            _s.status == "delivered",
            _s.shipped_estimate.is_not(None),
            _s.delivered_at.is_not(None),
        )
        .group_by(_s.id, merchants.c.id)  # primary keys: every selected column depends on them
    )
    if since is not None:
        query = query.where(_s.delivered_at >= since)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return accuracy_by_carrier(
        EstimateOutcome(
            carrier=row.carrier,
            estimate=DeliveryEstimate.model_validate(row.shipped_estimate),
            delivered_on=(row.at_pickup or row.delivered_at)
            .astimezone(ZoneInfo((row.merchant_settings or {}).get("timezone", "Europe/Paris")))
            .date(),
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
