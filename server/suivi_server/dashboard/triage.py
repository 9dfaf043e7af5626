"""What agents write about a shipment: notes, and the mark that takes it off the problem list.

A handled mark is one row per shipment (shipment_handling), moved forward each time: the
shipment leaves the list until a problem newer than the mark starts. Marking handled also
writes a note (possibly empty) so the shipment's history says who did it and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.dialect import upsert_insert
from suivi_server.storage.schema import dashboard_users, shipment_handling, shipment_notes

MAX_NOTE = 2000
_n, _h, _u = shipment_notes.c, shipment_handling.c, dashboard_users.c


class NoteTooLong(ValueError):
    """A note longer than MAX_NOTE characters: refused, never cut."""


@dataclass(frozen=True)
class Note:
    text: str
    handled: bool
    author: str | None
    created_at: datetime


def clean_note(raw: str) -> str:
    """Trimmed; control characters other than line breaks and tabs dropped."""
    text = "".join(ch for ch in raw.strip() if ch in "\n\t" or ch.isprintable())
    if len(text) > MAX_NOTE:
        raise NoteTooLong(text)
    return text


async def add_note(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    shipment_id: int,
    user_id: int,
    text: str,
    now: datetime,
    handled: bool = False,
) -> None:
    await conn.execute(
        sa.insert(shipment_notes).values(
            merchant_id=merchant_id,
            shipment_id=shipment_id,
            user_id=user_id,
            text=text,
            handled=handled,
            created_at=now,
        )
    )


async def mark_handled(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    shipment_id: int,
    user_id: int,
    note: str,
    now: datetime,
) -> None:
    """Move the shipment's handled mark to `now` (concurrent marks never fail), with a note."""
    statement = upsert_insert(conn, shipment_handling).values(
        shipment_id=shipment_id, merchant_id=merchant_id, user_id=user_id, handled_at=now
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["shipment_id"],
            set_={"user_id": user_id, "handled_at": now},
        )
    )
    await add_note(
        conn,
        merchant_id=merchant_id,
        shipment_id=shipment_id,
        user_id=user_id,
        text=note,
        now=now,
        handled=True,
    )


async def notes_of(conn: AsyncConnection, merchant_id: int, shipment_id: int) -> list[Note]:
    """The shipment's notes, newest first, with their author (ix_shipment_notes_shipment_id)."""
    query = (
        sa.select(_n.text, _n.handled, _n.created_at, _u.name, _u.email)
        .outerjoin(dashboard_users, _u.id == _n.user_id)
        .where(_n.shipment_id == shipment_id, _n.merchant_id == merchant_id)
        .order_by(_n.created_at.desc(), _n.id.desc())
    )
    return [
        Note(row.text, row.handled, row.name or row.email, row.created_at)
        for row in (await conn.execute(query)).all()
    ]


async def handled_at(conn: AsyncConnection, merchant_id: int, shipment_id: int) -> datetime | None:
    query = sa.select(_h.handled_at).where(
        _h.shipment_id == shipment_id, _h.merchant_id == merchant_id
    )
    return (await conn.execute(query)).scalar_one_or_none()
