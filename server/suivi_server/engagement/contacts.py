"""Contacts with a reason: the reasons each situation suggests, as data, and the contacts store.

A contact from the page (the shopper pressed call, write or chat) and one a helpdesk reports
through the API are the same row, with the situation and status of that moment: what the
dashboard's feedback loop counts. A helpdesk's `external_id` makes its reports idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.pages.i18n import N_
from suivi_server.pages.queries import as_utc
from suivi_server.storage.dialect import insert_ignoring_conflicts
from suivi_server.storage.schema import contacts

CHANNELS = ("phone", "email", "chat", "other")
REASONS: Mapping[str, str] = {
    "where_is_my_order": N_("Where is my order?"),
    "delivery_date": N_("When will it arrive?"),
    "change_address": N_("Change the delivery address"),
    "return_or_refund": N_("A return or a refund"),
    "damaged": N_("My parcel is damaged"),
    "refund": N_("A refund"),
    "refused": N_("The parcel was refused"),
    "pickup": N_("Collecting my parcel"),
    "not_received": N_("I have not received it"),
    "other": N_("Something else"),
}
DEFAULT_REASONS = (
    "where_is_my_order",
    "delivery_date",
    "change_address",
    "return_or_refund",
    "damaged",
    "other",
)
# Situation → the reasons the shopper is most likely to have, in the order shown; problems
# first, so the most pressing situation chooses when several are active.
SITUATION_REASONS: Mapping[str, tuple[str, ...]] = {
    "damaged": ("damaged", "refund", "other"),
    "refused": ("refused", "return_or_refund", "other"),
    "returned_to_sender": ("return_or_refund", "change_address", "other"),
    "address_problem": ("change_address", "where_is_my_order", "other"),
    "attempt_failed": ("delivery_date", "change_address", "other"),
    "delivery_delayed": ("where_is_my_order", "delivery_date", "other"),
    "shipped_late": ("where_is_my_order", "delivery_date", "other"),
    "preparation_delay": ("where_is_my_order", "delivery_date", "other"),
    "available_for_pickup": ("pickup", "where_is_my_order", "other"),
    "delivered_to_third_party": ("not_received", "where_is_my_order", "other"),
    "delivered": ("not_received", "damaged", "return_or_refund", "other"),
}
MAX_TEXT = 2000
# The subject of the mail the page opens, so the shop sees at once what it is about.
MAIL_SUBJECT = N_("Order %(order)s: %(reason)s")


def leading_situation(situations: Iterable[str]) -> str | None:
    """The active situation that chooses the reasons: the first of the table present, else
    the first active one."""
    active = list(situations)
    return next((s for s in SITUATION_REASONS if s in active), active[0] if active else None)


def reasons_for(situations: Iterable[str]) -> tuple[str, ...]:
    """The reasons of the leading situation, else the default list."""
    return SITUATION_REASONS.get(leading_situation(situations) or "", DEFAULT_REASONS)


@dataclass(frozen=True)
class StoredContact:
    id: int
    shipment_id: int | None
    source: str
    channel: str
    reason: str
    situation: str | None
    status: str | None
    text: str | None
    external_id: str | None
    occurred_at: datetime
    created_at: datetime


_k = contacts.c


def _stored(row: Any) -> StoredContact:
    return StoredContact(
        id=row.id,
        shipment_id=row.shipment_id,
        source=row.source,
        channel=row.channel,
        reason=row.reason,
        situation=row.situation,
        status=row.status,
        text=row.text,
        external_id=row.external_id,
        occurred_at=as_utc(row.occurred_at),
        created_at=as_utc(row.created_at),
    )


@dataclass(frozen=True)
class NewContact:
    shipment_id: int | None
    source: str
    channel: str
    reason: str
    situation: str | None
    status: str | None
    occurred_at: datetime
    text: str | None = None
    external_id: str | None = None


async def record_contact(
    conn: AsyncConnection, merchant_id: int, contact: NewContact, now: datetime
) -> tuple[StoredContact, bool]:
    """The stored contact and whether it is new (False: this external_id was already there)."""
    values = {**contact.__dict__, "merchant_id": merchant_id, "created_at": now}
    if contact.external_id is None:
        inserted = await conn.execute(sa.insert(contacts).values(**values).returning(_k.id))
        new_id: int | None = inserted.scalar_one()
    else:
        statement = insert_ignoring_conflicts(
            conn, contacts, ("merchant_id", "source", "external_id")
        )
        new_id = (await conn.execute(statement.values(**values).returning(_k.id))).scalar()
    if new_id is not None:
        row = (await conn.execute(sa.select(contacts).where(_k.id == new_id))).one()
        return _stored(row), True
    existing = sa.select(contacts).where(
        _k.merchant_id == merchant_id,
        _k.source == contact.source,
        _k.external_id == contact.external_id,
    )
    return _stored((await conn.execute(existing)).one()), False


@dataclass(frozen=True)
class ContactFilter:
    shipment_id: int | None = None
    source: str | None = None
    channel: str | None = None
    reason: str | None = None
    since: datetime | None = None
    cursor: int | None = None
    limit: int = 50


async def list_contacts(
    conn: AsyncConnection, merchant_id: int, where: ContactFilter
) -> tuple[list[StoredContact], int | None]:
    """One page of the merchant's contacts, newest first, and the cursor of the next page."""
    query = sa.select(contacts).where(_k.merchant_id == merchant_id)
    for column, value in (
        (_k.shipment_id, where.shipment_id),
        (_k.source, where.source),
        (_k.channel, where.channel),
        (_k.reason, where.reason),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(_k.occurred_at >= where.since)
    if where.cursor is not None:
        query = query.where(_k.id < where.cursor)
    rows = (await conn.execute(query.order_by(_k.id.desc()).limit(where.limit + 1))).all()
    page = [_stored(r) for r in rows[: where.limit]]
    return page, (page[-1].id if len(rows) > where.limit else None)
