"""Situations per shipment: when each began, with which facts, and when it ended.

A situation is stored once per (shipment, kind, fingerprint): seeing it again on the next
poll inserts nothing, and the same situation with new facts (a new date) is a new row. The
rows inserted by a poll are the transitions that notifications act on; they are written in the
same transaction as the events that caused them, so a crash never sends a message twice nor
forgets one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import DetectedSituation
from suivi_server.storage.dialect import insert_ignoring_conflicts
from suivi_server.storage.problems import refresh_problem
from suivi_server.storage.schema import shipment_situations

_t = shipment_situations.c
_IDENTITY = ("shipment_id", "kind", "fingerprint")


def _plain(facts: Any) -> Any:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in facts.items()}


async def record_situations(
    conn: AsyncConnection, shipment_id: int, detected: Sequence[DetectedSituation], now: datetime
) -> list[DetectedSituation]:
    """Store what is true now, close what no longer is, keep the shipment's leading problem in
    step; return the situations that are new."""
    new: list[DetectedSituation] = []
    for situation in detected:
        statement = insert_ignoring_conflicts(conn, shipment_situations, _IDENTITY).values(
            shipment_id=shipment_id,
            kind=situation.kind.value,
            fingerprint=situation.fingerprint,
            facts=_plain(situation.facts),
            detected_at=now,
        )
        inserted = await conn.execute(statement.returning(_t.id))
        if inserted.first() is not None:
            new.append(situation)
    current = [(s.kind.value, s.fingerprint) for s in detected]
    still_true = sa.tuple_(_t.kind, _t.fingerprint).in_(current) if current else sa.false()
    await conn.execute(
        sa.update(shipment_situations)
        .where(_t.shipment_id == shipment_id, _t.resolved_at.is_(None), sa.not_(still_true))
        .values(resolved_at=now)
    )
    await refresh_problem(conn, shipment_id, now)
    return new


async def active_situations(conn: AsyncConnection, shipment_id: int) -> list[Any]:
    """The situations true at the last poll, oldest first (what banners show)."""
    query = (
        sa.select(_t.kind, _t.facts, _t.detected_at)
        .where(_t.shipment_id == shipment_id, _t.resolved_at.is_(None))
        .order_by(_t.detected_at, _t.id)
    )
    return list((await conn.execute(query)).all())
