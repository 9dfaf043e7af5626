"""Situations per shipment: when each began, with which facts, and when it ended.

A situation is stored once per (shipment, kind, fingerprint): seeing it again on the next
poll inserts nothing, and the same situation with new facts (a new date) is a new row. The
rows inserted by a poll are the transitions that notifications act on; they are written in the
same transaction as the events that caused them, so a crash never sends a message twice nor
forgets one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

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


class Active(NamedTuple):
    """An active situation as the problem rules read it (`storage/problems.py`)."""

    kind: str
    facts: Any
    detected_at: datetime


@dataclass(frozen=True, slots=True)
class SituationChanges:
    """What one poll's detected situations change, from the rows stored for the shipment."""

    new: list[DetectedSituation]  # what notifications act on
    inserts: list[dict[str, Any]]
    resolved: list[int]  # ids of active rows no longer true
    active: list[Active]  # what is active once written


def stored_situations() -> sa.Select[Any]:
    """Every situation row of a shipment (or a batch: `shipment_id IN …`), resolved or not:
    its identity is never inserted twice."""
    return sa.select(
        _t.id, _t.shipment_id, _t.kind, _t.fingerprint, _t.facts, _t.detected_at, _t.resolved_at
    )


def situation_changes(
    shipment_id: int, detected: Sequence[DetectedSituation], stored: Sequence[Any], now: datetime
) -> SituationChanges:
    """Store what is true now, close what no longer is: planned from the shipment's rows read
    under its lock, so no one else writes them meanwhile. A situation seen before keeps its row
    (and its start); one resolved earlier is not opened again under the same fingerprint."""
    known = {(row.kind, row.fingerprint) for row in stored}
    current = {(s.kind.value, s.fingerprint) for s in detected}
    new: list[DetectedSituation] = []
    inserts: list[dict[str, Any]] = []
    for situation in detected:
        identity = (situation.kind.value, situation.fingerprint)
        if identity in known:
            continue
        known.add(identity)
        new.append(situation)
        inserts.append(
            {
                "shipment_id": shipment_id,
                "kind": situation.kind.value,
                "fingerprint": situation.fingerprint,
                "facts": _plain(situation.facts),
                "detected_at": now,
            }
        )
    open_rows = [row for row in stored if row.resolved_at is None]
    resolved = [row.id for row in open_rows if (row.kind, row.fingerprint) not in current]
    active = [
        Active(row.kind, row.facts, row.detected_at) for row in open_rows if row.id not in resolved
    ]
    active += [Active(row["kind"], row["facts"], now) for row in inserts]
    return SituationChanges(new, inserts, resolved, active)


async def write_situations(
    conn: AsyncConnection, inserts: Sequence[dict[str, Any]], resolved: Sequence[int], now: datetime
) -> None:
    """A batch's situation changes in two statements (an executemany and one update)."""
    if inserts:
        await conn.execute(insert_ignoring_conflicts(conn, shipment_situations, _IDENTITY), inserts)
    if resolved:
        await conn.execute(
            sa.update(shipment_situations).where(_t.id.in_(resolved)).values(resolved_at=now)
        )


async def record_situations(
    conn: AsyncConnection, shipment_id: int, detected: Sequence[DetectedSituation], now: datetime
) -> list[DetectedSituation]:
    """Store what is true now, close what no longer is, keep the shipment's leading problem in
    step (one shipment, under its lock); return the situations that are new."""
    stored = (await conn.execute(stored_situations().where(_t.shipment_id == shipment_id))).all()
    changes = situation_changes(shipment_id, detected, stored, now)
    await write_situations(conn, changes.inserts, changes.resolved, now)
    await refresh_problem(conn, shipment_id, now)
    return changes.new


async def active_situations(conn: AsyncConnection, shipment_id: int) -> list[Any]:
    """The situations true at the last poll, oldest first (what banners show)."""
    query = (
        sa.select(_t.kind, _t.facts, _t.detected_at)
        .where(_t.shipment_id == shipment_id, _t.resolved_at.is_(None))
        .order_by(_t.detected_at, _t.id)
    )
    return list((await conn.execute(query)).all())
