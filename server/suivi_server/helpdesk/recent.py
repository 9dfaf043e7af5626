"""The merchant's recent contacts, newest first, for the dashboard's list and its CSV export.

Ordered by when the contact happened (an export of old tickets must not push today's calls
down), paged by a keyset on (occurred_at, id): one range of ix_contacts_merchant_id_occurred_at,
then each row's shipment by primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.schema import contacts, shipments

_k = contacts.c
_s = shipments.c


@dataclass(frozen=True, slots=True)
class RecentContact:
    id: int
    occurred_at: datetime
    source: str
    channel: str
    reason: str
    situation: str | None
    status: str | None
    text: str | None
    external_id: str | None
    shipment_id: int | None
    order_number: str | None
    tracking_number: str | None


@dataclass(frozen=True, slots=True)
class ContactPage:
    contacts: list[RecentContact]
    next_before: int | None  # the id to pass as `before_id` for the next page


async def recent_contacts(
    conn: AsyncConnection,
    merchant_id: int,
    *,
    reason: str | None = None,
    source: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> ContactPage:
    """One page of the merchant's contacts (optionally of one reason or source), newest first,
    older than the contact `before_id` when given (another merchant's id reads as no bound)."""
    query = (
        sa.select(contacts, _s.order_number, _s.tracking_number)
        .select_from(contacts.outerjoin(shipments, _s.id == _k.shipment_id))
        .where(_k.merchant_id == merchant_id)
    )
    if reason is not None:
        query = query.where(_k.reason == reason)
    if source is not None:
        query = query.where(_k.source == source)
    if before_id is not None:
        anchor = (
            await conn.execute(
                sa.select(_k.occurred_at).where(_k.merchant_id == merchant_id, _k.id == before_id)
            )
        ).scalar()
        if anchor is not None:
            query = query.where(
                sa.or_(
                    _k.occurred_at < anchor,
                    sa.and_(_k.occurred_at == anchor, _k.id < before_id),
                )
            )
    ordered = query.order_by(_k.occurred_at.desc(), _k.id.desc()).limit(limit + 1)
    rows = (await conn.execute(ordered)).all()
    page = [
        RecentContact(
            id=row.id,
            occurred_at=row.occurred_at,
            source=row.source,
            channel=row.channel,
            reason=row.reason,
            situation=row.situation,
            status=row.status,
            text=row.text,
            external_id=row.external_id,
            shipment_id=row.shipment_id,
            order_number=row.order_number,
            tracking_number=row.tracking_number,
        )
        for row in rows[:limit]
    ]
    return ContactPage(page, page[-1].id if len(rows) > limit else None)
