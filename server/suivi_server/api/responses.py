"""What the API answers: response models (for the OpenAPI document) and the row → JSON builders.

Rows are turned into JSON directly, without re-validating stored data on every read; the tests
validate real responses against these models, which keeps the two in step.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel

from suivi import DeliveryEstimate, PickupPoint, Status, Substatus, TrackingEvent, is_problem
from suivi_server.api.models import Address, Customer, Item, Promise


class ShipmentOut(BaseModel):
    id: int
    order_number: str
    carrier: str
    tracking_number: str
    service: str | None
    items: list[Item]
    customer: Customer
    shipping_address: Address | None
    promise: Promise
    segment: str | None
    ordered_at: AwareDatetime | None
    status: Status
    substatus: Substatus | None
    problem: bool
    estimate: DeliveryEstimate | None
    pickup_point: PickupPoint | None
    signed_by: str | None
    last_event_at: AwareDatetime | None
    delivered_at: AwareDatetime | None
    last_polled_at: AwareDatetime | None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ShipmentPage(BaseModel):
    data: list[ShipmentOut]
    next_cursor: str | None


class TrackingOut(BaseModel):
    shipment_id: int
    carrier: str
    tracking_number: str
    status: Status
    substatus: Substatus | None
    problem: bool
    estimate: DeliveryEstimate | None
    pickup_point: PickupPoint | None
    signed_by: str | None
    last_event_at: AwareDatetime | None
    delivered_at: AwareDatetime | None
    events: list[TrackingEvent]


class PageUrlOut(BaseModel):
    url: str
    expires_at: datetime | None = None


class RefreshOut(BaseModel):
    scheduled: bool
    next_poll_at: datetime


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class ImportLine(BaseModel):
    line: int
    result: Literal["created", "updated", "failed"]
    id: int | None = None
    errors: list[FieldError] = []


class ImportOut(BaseModel):
    created: int
    updated: int
    failed: int
    lines: list[ImportLine]


class ErrorOut(BaseModel):
    error: str
    message: str
    field: str | None
    fields: list[FieldError]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _problem(row: Any) -> bool:
    return is_problem(Status(row.status), Substatus(row.substatus) if row.substatus else None)


def shipment_json(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_number": row.order_number,
        "carrier": row.carrier,
        "tracking_number": row.tracking_number,
        "service": row.service,
        "items": row.items,
        "customer": {
            name: getattr(row, f"customer_{name}")
            for name in Customer.model_fields
            if getattr(row, f"customer_{name}") is not None
        },
        "shipping_address": row.shipping_address,
        "promise": {
            "ship_date": _iso(row.promised_ship_date),
            "delivery_date": _iso(row.promised_delivery_date),
        },
        "segment": row.segment,
        "ordered_at": _iso(row.ordered_at),
        "status": row.status,
        "substatus": row.substatus,
        "problem": _problem(row),
        "estimate": row.estimate,
        "pickup_point": row.pickup_point,
        "signed_by": row.signed_by,
        "last_event_at": _iso(row.last_event_at),
        "delivered_at": _iso(row.delivered_at),
        "last_polled_at": _iso(row.last_polled_at),
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def event_json(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "timestamp": _iso(row.occurred_at),
        "status": row.event_status,
        "substatus": row.event_substatus,
        "code": row.code,
        "label": row.label,
        "location": row.location,
        "affects_status": row.affects_status,
    }


def tracking_json(shipment: sa.Row[Any], events: list[sa.Row[Any]]) -> dict[str, Any]:
    return {
        "shipment_id": shipment.id,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
        "substatus": shipment.substatus,
        "problem": _problem(shipment),
        "estimate": shipment.estimate,
        "pickup_point": shipment.pickup_point,
        "signed_by": shipment.signed_by,
        "last_event_at": _iso(shipment.last_event_at),
        "delivered_at": _iso(shipment.delivered_at),
        "events": [event_json(row) for row in events],
    }
