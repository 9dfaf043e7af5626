"""Shopper choices in the database: recorded with the outbox row for the merchant's webhook in
one transaction, replaced when the shopper changes their mind, listed and handled by the API.

States: open (waiting for the merchant), handled (the merchant dealt with it), superseded (the
shopper chose otherwise in the same group), closed (a claim the shopper withdrew: "I found it").
History rows are kept; only their state changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.engagement.choices import CHOICES
from suivi_server.notifications.message import SHOPPER_CHOICE
from suivi_server.notifications.planner import plan_event
from suivi_server.pages.queries import as_utc
from suivi_server.storage.problems import refresh_problem
from suivi_server.storage.schema import shopper_choices

STATES = ("open", "handled", "superseded", "closed")
_c = shopper_choices.c


@dataclass(frozen=True)
class StoredChoice:
    id: int
    shipment_id: int
    kind: str
    situation: str | None
    status: str
    details: Mapping[str, Any]
    state: str
    created_at: datetime
    updated_at: datetime


def _stored(row: Any) -> StoredChoice:
    return StoredChoice(
        id=row.id,
        shipment_id=row.shipment_id,
        kind=row.kind,
        situation=row.situation,
        status=row.status,
        details=row.details or {},
        state=row.state,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


async def open_choices(conn: AsyncConnection, shipment_id: int) -> list[StoredChoice]:
    """The shipment's open choices, oldest first."""
    query = sa.select(shopper_choices).where(_c.shipment_id == shipment_id, _c.state == "open")
    rows = (await conn.execute(query.order_by(_c.id))).all()
    return [_stored(r) for r in rows]


async def record_choice(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    merchant_settings: Mapping[str, Any],
    shipment: Mapping[str, Any],
    kind: str,
    situation: str,
    details: Mapping[str, Any],
    now: datetime,
) -> int:
    """Store a choice, retire the open one of its group, and plan the webhook event."""
    choice = CHOICES[kind]
    same_group = [k for k, c in CHOICES.items() if c.group == choice.group]
    await conn.execute(
        sa.update(shopper_choices)
        .where(
            _c.shipment_id == shipment["id"],
            _c.state == "open",
            _c.kind.in_(same_group),
        )
        .values(state="closed" if choice.closes else "superseded", updated_at=now)
    )
    result = await conn.execute(
        sa.insert(shopper_choices)
        .values(
            merchant_id=merchant_id,
            shipment_id=shipment["id"],
            situation=situation,
            status=shipment["status"],
            kind=kind,
            details=dict(details),
            state="open",
            created_at=now,
            updated_at=now,
        )
        .returning(_c.id)
    )
    choice_id = int(result.scalar_one())
    await refresh_problem(conn, int(shipment["id"]), now)
    await plan_event(
        conn,
        merchant_id=merchant_id,
        shipment_id=int(shipment["id"]),
        merchant_settings=merchant_settings,
        event=SHOPPER_CHOICE,
        occurrence=str(choice_id),
        facts={
            "choice_id": choice_id,
            "kind": kind,
            "situation": situation,
            "status": shipment["status"],
            "details": dict(details),
        },
        now=now,
    )
    return choice_id


@dataclass(frozen=True)
class ChoiceFilter:
    state: str | None = None
    kind: str | None = None
    shipment_id: int | None = None
    cursor: int | None = None
    limit: int = 50


async def list_choices(
    conn: AsyncConnection, merchant_id: int, where: ChoiceFilter
) -> tuple[list[StoredChoice], int | None]:
    """One page of the merchant's choices, newest first, and the cursor of the next page."""
    query = sa.select(shopper_choices).where(_c.merchant_id == merchant_id)
    for column, value in ((_c.state, where.state), (_c.kind, where.kind)):
        if value is not None:
            query = query.where(column == value)
    if where.shipment_id is not None:
        query = query.where(_c.shipment_id == where.shipment_id)
    if where.cursor is not None:
        query = query.where(_c.id < where.cursor)
    rows = (await conn.execute(query.order_by(_c.id.desc()).limit(where.limit + 1))).all()
    page = [_stored(r) for r in rows[: where.limit]]
    return page, (page[-1].id if len(rows) > where.limit else None)


async def mark_handled(
    conn: AsyncConnection, merchant_id: int, choice_id: int, now: datetime
) -> StoredChoice | None:
    """The merchant dealt with an open choice; None when it is not this merchant's."""
    mine = (_c.id == choice_id, _c.merchant_id == merchant_id)
    await conn.execute(
        sa.update(shopper_choices)
        .where(*mine, _c.state == "open")
        .values(state="handled", updated_at=now)
    )
    row = (await conn.execute(sa.select(shopper_choices).where(*mine))).first()
    if row is None:
        return None
    await refresh_problem(conn, row.shipment_id, now)
    return _stored(row)
