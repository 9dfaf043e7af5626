"""Rows for tests, inserted straight through the schema (no business logic involved)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.security import generate_api_key
from suivi_server.storage.schema import api_keys, merchants, shipments, tracking_events
from tests.server.conftest import NOW


async def create_merchant(
    engine: AsyncEngine, slug: str = "maison-lumiere", **overrides: Any
) -> tuple[int, str]:
    """A merchant and a fresh API key (returned in clear, as the merchant would hold it)."""
    settings = {
        "colours": {"primary": "#1d4ed8", "accent": "#f59e0b"},
        "contact": {"phone": "+33 1 23 45 67 89", "email": "service@example.com"},
        "allowed_origins": ["http://127.0.0.1:9999"],
        "default_locale": "fr",
        "timezone": "Europe/Paris",
    }
    settings.update(overrides.pop("settings", {}))
    key = generate_api_key()
    async with engine.begin() as conn:
        merchant_id = (
            await conn.execute(
                sa.insert(merchants).values(
                    slug=slug,
                    name=overrides.pop("name", "Maison Lumière"),
                    theme=overrides.pop("theme", "default"),
                    settings=settings,
                    created_at=NOW,
                    **overrides,
                )
            )
        ).inserted_primary_key[0]
        await conn.execute(
            sa.insert(api_keys).values(
                merchant_id=merchant_id,
                prefix=key.prefix,
                key_hash=key.key_hash,
                label="test",
                created_at=NOW,
            )
        )
    return int(merchant_id), key.key


async def create_shipment(engine: AsyncEngine, merchant_id: int, **fields: Any) -> int:
    values: dict[str, Any] = {
        "merchant_id": merchant_id,
        "order_number": "CMD-1001",
        "carrier": "colissimo",
        "tracking_number": "6A12345678901",
        "items": [
            {"product_id": "LAMP-1", "name": "Lampe Opaline", "quantity": 1, "price": "89.00"}
        ],
        "customer_name": "Camille Martin",
        "customer_email": "camille@example.com",
        "customer_locale": "fr",
        "customer_postcode": "75011",
        "customer_country": "FR",
        "shipping_address": {
            "line1": "12 rue Oberkampf",
            "postcode": "75011",
            "city": "Paris",
            "country": "FR",
        },
        "promised_ship_date": date(2026, 11, 23),
        "promised_delivery_date": date(2026, 11, 26),
        "status": "in_transit",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    async with engine.begin() as conn:
        result = await conn.execute(sa.insert(shipments).values(**values))
    return int(result.inserted_primary_key[0])


async def add_event(
    engine: AsyncEngine,
    shipment_id: int,
    at: datetime,
    status: str,
    code: str,
    label: str,
    **fields: Any,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(tracking_events).values(
                shipment_id=shipment_id,
                occurred_at=at,
                status=status,
                code=code,
                label=label,
                created_at=NOW,
                **fields,
            )
        )


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def shipment_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/shipments body; overrides replace top-level fields."""
    payload: dict[str, Any] = {
        "order_number": "CMD-1001",
        "carrier": "colissimo",
        "tracking_number": "6A12345678901",
        "items": [
            {
                "product_id": "LAMP-1",
                "name": "Lampe Opaline",
                "quantity": 1,
                "price": "89.00",
                "currency": "EUR",
                "image_url": "https://shop.example/lamp.jpg",
                "category": "lighting",
            }
        ],
        "customer": {
            "name": "Camille Martin",
            "email": "camille@example.com",
            "phone": "06 12 34 56 78",
            "locale": "fr",
            "postcode": "75011",
            "country": "FR",
        },
        "promise": {"ship_date": "2026-11-23", "delivery_date": "2026-11-26"},
        "segment": "first_order",
    }
    payload.update(overrides)
    return payload
