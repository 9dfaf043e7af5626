"""Learning the transit-time model from the shipments this installation has delivered.

Learning and estimating read a shipment through the same `shipment_facts`, so both sides use
the same route key (origin and destination from the merchant's settings and the shipment), the
same carrier calendar and the same time zone; a group learned here is the group an estimate looks
up. A merchant who changes `origin_postcode` relabels past samples with the new origin.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import ShipmentFacts, Status, TransitModel, TransitSample
from suivi_server.storage.schema import merchants, shipments, tracking_events

LEARNING_WINDOW = timedelta(days=180)
# latest − earliest ≤ 1 business day: the shopper is shown at most two business days.
MAX_WINDOW_DAYS = 1
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
    engine: AsyncEngine,
    *,
    now: datetime,
    min_samples: int = 20,
    max_window_days: int = MAX_WINDOW_DAYS,
) -> TransitModel:
    """Business days from first carrier scan to arrival, for recent deliveries (one query).

    Arrival is the first `available_for_pickup` event when the parcel waited at a pickup point
    (the shopper's collection later is not transit), else `delivered_at`.
    """
    first_scan = sa.func.min(_e.occurred_at).label("first_scan")
    at_pickup = sa.func.min(
        sa.case((_e.status == Status.AVAILABLE_FOR_PICKUP.value, _e.occurred_at))
    ).label("at_pickup")
    query = (
        sa.select(
            _s.carrier,
            _s.service,
            _s.ordered_at,
            _s.created_at,
            _s.promised_ship_date,
            _s.promised_delivery_date,
            _s.customer_country,
            _s.customer_postcode,
            _s.delivered_at,
            merchants.c.settings.label("merchant_settings"),
            first_scan,
            at_pickup,
        )
        .join(tracking_events, _e.shipment_id == _s.id)
        .join(merchants, merchants.c.id == _s.merchant_id)
        .where(_s.status == "delivered", _s.delivered_at >= now - LEARNING_WINDOW)
        .where(_e.affects_status, _e.status.not_in(NOT_HANDED_OVER))
        .group_by(_s.id, merchants.c.id)  # primary keys: every selected column depends on them
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    samples = (
        TransitSample.between(
            shipment_facts(row, row.merchant_settings),
            row.first_scan,
            row.at_pickup or row.delivered_at,
        )
        for row in rows
    )
    return TransitModel.learn(samples, min_samples=min_samples, max_window_days=max_window_days)
