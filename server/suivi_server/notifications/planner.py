"""Writing the outbox: the merchant's rules turn new situations into notification rows.

Called inside the transaction that records the situations (storage/situations.py), so a
situation and its messages are committed together or not at all: a crash can neither lose a
message nor, on the next poll, write it again (the idempotency key is unique).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import DetectedSituation
from suivi_server.notifications.message import STATUS_CHANGED
from suivi_server.notifications.rules import NotificationRules, rules_of
from suivi_server.storage.dialect import insert_ignoring_conflicts
from suivi_server.storage.schema import notification_optins, notifications


def idempotency_key(shipment_id: int, event: str, occurrence: str, channel: str) -> str:
    """Shipment + event + occurrence + channel, readable and bounded in length."""
    digest = hashlib.sha256(occurrence.encode()).hexdigest()[:16]
    return f"ntf_{shipment_id}_{event}_{digest}_{channel}"


def plain(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts as JSON values: dates and times as ISO strings, tuples as lists."""

    def value(v: Any) -> Any:
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return list(v) if isinstance(v, tuple) else v

    return {k: value(v) for k, v in facts.items()}


def status_occurrence(status: str, substatus: str | None, since: datetime | None) -> str:
    return f"{status}/{substatus or ''}@{since.isoformat() if since else ''}"


async def plan_notifications(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    shipment_id: int,
    merchant_settings: Mapping[str, Any],
    situations: Iterable[DetectedSituation],
    status_change: tuple[str, str | None, datetime | None] | None,
    now: datetime,
) -> int:
    """Write the rows the rules ask for; return how many were new."""
    rules = rules_of(merchant_settings)
    planned: list[tuple[str, str, dict[str, Any]]] = [
        (s.kind.value, s.fingerprint, plain(s.facts)) for s in situations
    ]
    asked = await opted_in_channels(conn, shipment_id) if planned else ()
    written = 0
    for event, occurrence, facts in planned:
        written += await _write(
            conn, merchant_id, shipment_id, rules, event, occurrence, facts, now, also=asked
        )
    if status_change is not None:
        status, substatus, since = status_change
        facts = plain({"status": status, "substatus": substatus, "since": since})
        occurrence = status_occurrence(*status_change)
        written += await _write(
            conn, merchant_id, shipment_id, rules, STATUS_CHANGED, occurrence, facts, now
        )
    return written


async def opted_in_channels(conn: AsyncConnection, shipment_id: int) -> tuple[str, ...]:
    """Channels the shopper asked for on this parcel's page (confirmed, not revoked)."""
    o = notification_optins.c
    query = sa.select(o.channel).where(
        o.shipment_id == shipment_id, o.confirmed_at.is_not(None), o.revoked_at.is_(None)
    )
    return tuple(dict.fromkeys((await conn.execute(query)).scalars()))


async def plan_event(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    shipment_id: int,
    merchant_settings: Mapping[str, Any],
    event: str,
    occurrence: str,
    facts: Mapping[str, Any],
    now: datetime,
) -> int:
    """One event that is not a situation (a shopper's choice…), in the caller's transaction."""
    rules = rules_of(merchant_settings)
    return await _write(conn, merchant_id, shipment_id, rules, event, occurrence, plain(facts), now)


async def _write(
    conn: AsyncConnection,
    merchant_id: int,
    shipment_id: int,
    rules: NotificationRules,
    event: str,
    occurrence: str,
    facts: dict[str, Any],
    now: datetime,
    *,
    also: tuple[str, ...] = (),
) -> int:
    """The rule's rows for one event; `also`: channels the shopper asked for on the page."""
    rule = rules.rule(event)
    if not rule.enabled:
        return 0
    written = 0
    for channel in dict.fromkeys((*rule.channels, *also)):
        statement = insert_ignoring_conflicts(conn, notifications, ("idempotency_key",))
        inserted = await conn.execute(
            statement.values(
                merchant_id=merchant_id,
                shipment_id=shipment_id,
                event=event,
                occurrence=occurrence[:100],
                channel=channel,
                idempotency_key=idempotency_key(shipment_id, event, occurrence, channel),
                facts=facts,
                template=rule.template,
                due_at=now + timedelta(minutes=rule.delay_minutes),
                created_at=now,
                updated_at=now,
            ).returning(notifications.c.id)
        )
        written += inserted.first() is not None
    return written
