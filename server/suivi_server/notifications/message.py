"""What a channel is given to render: the notification, its shipment and merchant, the links.

Built by the sender from the outbox row and the shipment as it is at sending time, so a message
sent late (after quiet hours) gives the current expected date, not a stale one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from suivi import DeliveryEstimate
from suivi_server.storage.merchants import Merchant

# Events that are not situations: a status change, and a shopper's choice on the page (both
# for the merchant's webhook by default; situations use their kind).
STATUS_CHANGED = "status_changed"
SHOPPER_CHOICE = "shopper_choice"


@dataclass(frozen=True)
class ShipmentSnapshot:
    """The shipment fields messages may use (never the lease or polling bookkeeping)."""

    id: int
    merchant_id: int
    order_number: str
    carrier: str
    tracking_number: str
    status: str
    substatus: str | None = None
    service: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    customer_locale: str | None = None
    customer_country: str | None = None
    customer_postcode: str | None = None
    segment: str | None = None
    items: tuple[Mapping[str, Any], ...] = ()
    estimate: DeliveryEstimate | None = None
    pickup_point: Mapping[str, Any] | None = None
    delivered_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> ShipmentSnapshot:
        """From a `shipments` row (or any object with its columns)."""
        estimate = DeliveryEstimate.model_validate(row.estimate) if row.estimate else None
        return cls(
            id=row.id,
            merchant_id=row.merchant_id,
            order_number=row.order_number,
            carrier=row.carrier,
            tracking_number=row.tracking_number,
            status=row.status,
            substatus=row.substatus,
            service=row.service,
            customer_name=row.customer_name,
            customer_email=row.customer_email,
            customer_phone=row.customer_phone,
            customer_locale=row.customer_locale,
            customer_country=row.customer_country,
            customer_postcode=row.customer_postcode,
            segment=row.segment,
            items=tuple(row.items or ()),
            estimate=estimate,
            pickup_point=row.pickup_point,
            delivered_at=row.delivered_at,
        )


@dataclass(frozen=True)
class OutboundMessage:
    """One notification to render and deliver.

    `event` is a situation kind (`shipped`, `delivery_delayed`…) or STATUS_CHANGED; `facts` are
    the situation's facts as stored (ISO strings for dates). `idempotency_key` is stable across
    retries and restarts: channels send it (Message-ID, webhook-id, provider reference) so a
    receiver can drop the rare second copy. `template` is the merchant rule's template name.
    """

    notification_id: int
    idempotency_key: str
    channel: str
    event: str
    recipient: str
    locale: str
    merchant: Merchant
    shipment: ShipmentSnapshot
    facts: Mapping[str, Any]
    page_url: str
    created_at: datetime
    timezone: str = "Europe/Paris"
    unsubscribe_url: str | None = None
    template: str | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)
