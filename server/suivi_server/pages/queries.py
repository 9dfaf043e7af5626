"""The pages' read queries, straight on the schema: one indexed query per page view.

A page needs the shipment, its merchant and its events: one SELECT joins the three (the shipment
row repeats on each event row, which is cheaper than a second round trip). Its active situations
come from a second, indexed SELECT on the same connection: joining them too would multiply event
rows by situation rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import merchants, order_lookup_key, shipments, tracking_events
from suivi_server.storage.situations import active_situations


@dataclass(frozen=True)
class MerchantRow:
    id: int
    slug: str
    name: str
    theme: str
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class EventRow:
    occurred_at: datetime
    status: str
    substatus: str | None
    location: Mapping[str, Any] | None


@dataclass(frozen=True)
class SituationRow:
    """An unresolved situation as the worker stored it: facts are JSON (dates as ISO strings)."""

    kind: str
    facts: Mapping[str, Any]
    detected_at: datetime


@dataclass(frozen=True)
class PageData:
    merchant: MerchantRow
    shipment: Mapping[str, Any]
    events: tuple[EventRow, ...]
    situations: tuple[SituationRow, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A shipment an order lookup may open, with what the shopper must prove they know."""

    id: int
    tracking_number: str
    email: str | None
    postcode: str | None


_MERCHANT = (
    merchants.c.id.label("m_id"),
    merchants.c.slug.label("m_slug"),
    merchants.c.name.label("m_name"),
    merchants.c.theme.label("m_theme"),
    merchants.c.settings.label("m_settings"),
)
_EVENT = (
    tracking_events.c.occurred_at.label("e_occurred_at"),
    tracking_events.c.status.label("e_status"),
    tracking_events.c.substatus.label("e_substatus"),
    tracking_events.c.location.label("e_location"),
)
_SHIPMENT = tuple(
    c
    for c in shipments.c
    if c.name not in {"next_poll_at", "lease_owner", "lease_expires_at", "last_error"}
)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def page_data(engine: AsyncEngine, where: sa.ColumnElement[bool]) -> PageData | None:
    """The first shipment matching `where`, its merchant, its events newest first and its
    active situations oldest first (ix_shipment_situations_active)."""
    stmt = (
        sa.select(*_SHIPMENT, *_MERCHANT, *_EVENT)
        .join(merchants, merchants.c.id == shipments.c.merchant_id)
        .outerjoin(
            tracking_events,
            sa.and_(
                tracking_events.c.shipment_id == shipments.c.id,
                tracking_events.c.affects_status.is_(True),
            ),
        )
        .where(where)
        .order_by(shipments.c.id, tracking_events.c.occurred_at.desc(), tracking_events.c.id.desc())
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).mappings().all()
        if not rows:
            return None
        first = rows[0]
        situations = await active_situations(conn, first["id"])
    mine = [r for r in rows if r["id"] == first["id"] and r["e_occurred_at"] is not None]
    return PageData(
        merchant=_merchant(first),
        shipment={c.name: first[c.name] for c in _SHIPMENT},
        events=tuple(_event(r) for r in mine),
        situations=tuple(
            SituationRow(r.kind, r.facts or {}, as_utc(r.detected_at)) for r in situations
        ),
    )


def by_id(shipment_id: int) -> sa.ColumnElement[bool]:
    return shipments.c.id == shipment_id


def by_tracking_number(merchant_slug: str, number: str) -> sa.ColumnElement[bool]:
    """As typed, or as carriers write it (upper case, no spaces): numbers are stored that way."""
    typed = {number.strip(), "".join(number.split()).upper()}
    return sa.and_(merchants.c.slug == merchant_slug, shipments.c.tracking_number.in_(typed))


def by_carrier_number(merchant_slug: str, carrier: str, number: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        merchants.c.slug == merchant_slug,
        shipments.c.carrier == carrier,
        shipments.c.tracking_number == number,
    )


async def merchant(engine: AsyncEngine, slug: str) -> MerchantRow | None:
    async with engine.connect() as conn:
        row = (
            (await conn.execute(sa.select(*_MERCHANT).where(merchants.c.slug == slug)))
            .mappings()
            .first()
        )
    return _merchant(row) if row else None


async def order_candidates(
    engine: AsyncEngine, slug: str, order_number: str
) -> tuple[MerchantRow | None, list[Candidate]]:
    """The merchant and its shipments for one order, in one query on the merchant's index."""
    stmt = (
        sa.select(
            *_MERCHANT,
            shipments.c.id,
            shipments.c.tracking_number,
            shipments.c.customer_email,
            shipments.c.customer_postcode,
        )
        .select_from(merchants)
        .outerjoin(
            shipments,
            sa.and_(
                shipments.c.merchant_id == merchants.c.id,
                _same_order_number(order_number),
            ),
        )
        .where(merchants.c.slug == slug)
        .order_by(shipments.c.id)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).mappings().all()
    if not rows:
        return None, []
    candidates = [
        Candidate(r["id"], r["tracking_number"], r["customer_email"], r["customer_postcode"])
        for r in rows
        if r["id"] is not None
    ]
    return _merchant(rows[0]), candidates


def _same_order_number(typed: str) -> sa.ColumnElement[bool]:
    """Whatever the case and surrounding spaces the shopper typed, on the (merchant, key) index."""
    return shipments.c.order_key == order_lookup_key(typed)


def _merchant(row: sa.RowMapping) -> MerchantRow:
    return MerchantRow(
        id=row["m_id"],
        slug=row["m_slug"],
        name=row["m_name"],
        theme=row["m_theme"],
        settings=row["m_settings"] or {},
    )


def _event(row: sa.RowMapping) -> EventRow:
    return EventRow(
        occurred_at=as_utc(row["e_occurred_at"]),
        status=row["e_status"],
        substatus=row["e_substatus"],
        location=row["e_location"],
    )
