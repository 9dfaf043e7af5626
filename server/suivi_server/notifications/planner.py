"""Writing the outbox: the merchant's rules turn new situations into notification rows.

Planned and written inside the transaction that records the situations (worker/pipeline.py),
so a situation and its messages are committed together or not at all: a crash can neither lose
a message nor, on the next poll, write it again (the idempotency key is unique).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
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


def planned_notifications(
    *,
    merchant_id: int,
    shipment_id: int,
    merchant_settings: Mapping[str, Any],
    situations: Iterable[DetectedSituation],
    status_change: tuple[str, str | None, datetime | None] | None,
    now: datetime,
    asked: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The outbox rows the rules ask for after one answer; `asked`: the channels the shopper
    asked for on the parcel's page (`opted_in_many`), added to each situation's."""
    rules = rules_of(merchant_settings)
    rows: list[dict[str, Any]] = []
    for situation in situations:
        event, occurrence = situation.kind.value, situation.fingerprint
        facts = plain(situation.facts)
        rows += _rows(merchant_id, shipment_id, rules, event, occurrence, facts, now, also=asked)
    if status_change is not None:
        status, substatus, since = status_change
        facts = plain({"status": status, "substatus": substatus, "since": since})
        occurrence = status_occurrence(*status_change)
        rows += _rows(merchant_id, shipment_id, rules, STATUS_CHANGED, occurrence, facts, now)
    return rows


async def write_outbox(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows in one executemany; a key already written is skipped (unique)."""
    if rows:
        await conn.execute(_insert(conn), rows)


def _insert(conn: AsyncConnection) -> Any:
    """The outbox insert, built once per dialect so its compiled form is cached with it."""
    dialect = conn.dialect.name
    if dialect not in _INSERTS:
        _INSERTS[dialect] = insert_ignoring_conflicts(conn, notifications, ("idempotency_key",))
    return _INSERTS[dialect]


_INSERTS: dict[str, Any] = {}


async def opted_in_many(
    conn: AsyncConnection, shipment_ids: Sequence[int]
) -> dict[int, tuple[str, ...]]:
    """Per shipment, the channels the shopper asked for on the parcel's page (confirmed, not
    revoked), for a batch of shipments in one statement."""
    if not shipment_ids:
        return {}
    o = notification_optins.c
    query = sa.select(o.shipment_id, o.channel).where(
        o.shipment_id.in_(shipment_ids), o.confirmed_at.is_not(None), o.revoked_at.is_(None)
    )
    channels: dict[int, dict[str, None]] = {}
    for shipment_id, channel in await conn.execute(query):
        channels.setdefault(shipment_id, {})[channel] = None
    return {shipment_id: tuple(found) for shipment_id, found in channels.items()}


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
    written = 0
    for row in _rows(merchant_id, shipment_id, rules, event, occurrence, plain(facts), now):
        inserted = await conn.execute(_insert(conn).values(**row).returning(notifications.c.id))
        written += inserted.first() is not None
    return written


def _rows(
    merchant_id: int,
    shipment_id: int,
    rules: NotificationRules,
    event: str,
    occurrence: str,
    facts: dict[str, Any],
    now: datetime,
    *,
    also: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The rule's rows for one event; `also`: channels the shopper asked for on the page."""
    rule = rules.rule(event)
    if not rule.enabled:
        return []
    return [
        {
            "merchant_id": merchant_id,
            "shipment_id": shipment_id,
            "event": event,
            "occurrence": occurrence[:100],
            "channel": channel,
            "idempotency_key": idempotency_key(shipment_id, event, occurrence, channel),
            "facts": facts,
            "template": rule.template,
            "due_at": now + timedelta(minutes=rule.delay_minutes),
            "created_at": now,
            "updated_at": now,
        }
        for channel in dict.fromkeys((*rule.channels, *also))
    ]
