"""Learning the transit-time model from the shipments this installation has delivered."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import BusinessCalendar, ShipmentFacts, TransitModel, TransitSample, region_of
from suivi_server.storage.schema import shipments, tracking_events

LEARNING_WINDOW = timedelta(days=180)
NOT_HANDED_OVER = ("pending", "not_found", "info_received")
_s = shipments.c
_e = tracking_events.c


def shipment_facts(row: Any, merchant_settings: dict[str, Any] | None = None) -> ShipmentFacts:
    """What the merchant told us about a shipment, in the SDK's terms."""
    settings = merchant_settings or {}
    return ShipmentFacts(
        carrier=row.carrier,
        ordered_at=row.ordered_at or row.created_at,
        service=row.service,
        promised_ship_date=row.promised_ship_date,
        promised_delivery_date=row.promised_delivery_date,
        timezone=settings.get("timezone", "Europe/Paris"),
        origin_country=settings.get("origin_country", "FR"),
        origin_postcode=settings.get("origin_postcode"),
        destination_country=row.customer_country or "FR",
        destination_postcode=row.customer_postcode,
    )


async def learn_transit_model(
    engine: AsyncEngine, *, now: datetime, **options: Any
) -> TransitModel:
    """Business days from first carrier scan to delivery, for recent deliveries (one query)."""
    first_scan = sa.func.min(_e.occurred_at).label("first_scan")
    query = (
        sa.select(
            _s.carrier,
            _s.service,
            _s.customer_country,
            _s.customer_postcode,
            _s.delivered_at,
            first_scan,
        )
        .join(tracking_events, _e.shipment_id == _s.id)
        .where(_s.status == "delivered", _s.delivered_at >= now - LEARNING_WINDOW)
        .where(_e.affects_status, _e.status.not_in(NOT_HANDED_OVER))
        .group_by(
            _s.id,
            _s.carrier,
            _s.service,
            _s.customer_country,
            _s.customer_postcode,
            _s.delivered_at,
        )
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    samples = []
    for row in rows:
        calendar = BusinessCalendar.for_carrier(
            row.carrier, row.service, country=row.customer_country or "FR"
        )
        days = calendar.business_days_between(
            row.first_scan.astimezone(calendar.zone).date(),
            row.delivered_at.astimezone(calendar.zone).date(),
        )
        origin = region_of("FR", None)
        destination = region_of(row.customer_country, row.customer_postcode)
        samples.append(TransitSample(row.carrier, row.service, origin, destination, days))
    return TransitModel.learn(samples, **options)
