"""A shipment row read in the SDK's terms, the same way for estimating and for learning.

Learning and estimating read a shipment through `shipment_facts`, so both use the same route
key (origin from the merchant's settings, destination from the shipment), the same carrier
calendar and the same time zone: a group learned from deliveries is the group an estimate looks
up. A merchant who changes `origin_postcode` relabels their later deliveries with the new origin.
"""

from __future__ import annotations

from typing import Any

from suivi import ShipmentFacts

# Statuses of a parcel the carrier does not hold yet: their scans are not a hand-over.
NOT_HANDED_OVER = ("pending", "not_found", "info_received")


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
