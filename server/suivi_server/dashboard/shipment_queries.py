"""Everything the shipment view shows, each read by shipment id on its own index and always
filtered on the merchant: another merchant's shipment id finds nothing.

Shipment: primary key. Events: uq_tracking_events_shipment_id (its leading column).
Situations: ix_shipment_situations_active. Notifications: ix_notifications_shipment_id_channel.
Choices: ix_shopper_choices_shipment_id. Survey answer: its unique shipment_id. Contacts:
ix_contacts_shipment_id. Notes: ix_shipment_notes_shipment_id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.dashboard.triage import Note, handled_at, notes_of
from suivi_server.pages.queries import EventRow, SituationRow
from suivi_server.storage.schema import (
    contacts,
    notifications,
    shipment_situations,
    shipments,
    shopper_choices,
    survey_answers,
    surveys,
    tracking_events,
)


@dataclass(frozen=True)
class Event:
    occurred_at: datetime
    status: str
    substatus: str | None
    label: str
    location: Mapping[str, Any] | None
    affects_status: bool


@dataclass(frozen=True)
class Sent:
    channel: str
    event: str
    state: str
    at: datetime  # sent, else last updated
    reason: str | None
    recipient: str | None


@dataclass(frozen=True)
class Chosen:
    kind: str
    situation: str | None
    state: str
    details: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class SurveyAnswer:
    title: str
    answers: tuple[tuple[str, str], ...]  # (question label, answer as text)
    answered_at: datetime


@dataclass(frozen=True)
class Contact:
    source: str
    channel: str
    reason: str
    text: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class ShipmentFile:
    shipment: Mapping[str, Any]
    events: tuple[Event, ...]
    situations: tuple[SituationRow, ...]
    sent: tuple[Sent, ...]
    choices: tuple[Chosen, ...]
    survey: SurveyAnswer | None
    contacts: tuple[Contact, ...]
    notes: tuple[Note, ...]
    handled_at: datetime | None

    def page_events(self) -> tuple[EventRow, ...]:
        """The moves, as the shopper page reads them (newest first)."""
        return tuple(
            EventRow(e.occurred_at, e.status, e.substatus, e.location)
            for e in self.events
            if e.affects_status
        )


def _text(answer: Any) -> str:
    if isinstance(answer, list):
        return ", ".join(str(a) for a in answer)
    return "" if answer is None else str(answer)


async def owns(conn: AsyncConnection, merchant_id: int, shipment_id: int) -> bool:
    mine = sa.and_(shipments.c.id == shipment_id, shipments.c.merchant_id == merchant_id)
    return (await conn.execute(sa.select(shipments.c.id).where(mine))).first() is not None


async def shipment_file(
    conn: AsyncConnection, merchant_id: int, shipment_id: int
) -> ShipmentFile | None:
    """The shipment and all that happened around it; None when it is not this merchant's."""
    mine = sa.and_(shipments.c.id == shipment_id, shipments.c.merchant_id == merchant_id)
    row = (await conn.execute(sa.select(shipments).where(mine))).mappings().first()
    if row is None:
        return None
    e, t, n = tracking_events.c, shipment_situations.c, notifications.c
    events = await conn.execute(
        sa.select(e.occurred_at, e.status, e.substatus, e.label, e.location, e.affects_status)
        .where(e.shipment_id == shipment_id)
        .order_by(e.occurred_at.desc(), e.id.desc())
    )
    situations = await conn.execute(
        sa.select(t.kind, t.facts, t.detected_at)
        .where(t.shipment_id == shipment_id, t.resolved_at.is_(None))
        .order_by(t.detected_at, t.id)
    )
    sent = await conn.execute(
        sa.select(n.channel, n.event, n.state, n.sent_at, n.updated_at, n.reason, n.recipient)
        .where(n.shipment_id == shipment_id, n.merchant_id == merchant_id)
        .order_by(n.id.desc())
    )
    c = shopper_choices.c
    choices = await conn.execute(
        sa.select(c.kind, c.situation, c.state, c.details, c.created_at)
        .where(c.shipment_id == shipment_id, c.merchant_id == merchant_id)
        .order_by(c.id.desc())
    )
    k = contacts.c
    contact_rows = await conn.execute(
        sa.select(k.source, k.channel, k.reason, k.text, k.occurred_at)
        .where(k.shipment_id == shipment_id, k.merchant_id == merchant_id)
        .order_by(k.occurred_at.desc(), k.id.desc())
    )
    return ShipmentFile(
        shipment=dict(row),
        events=tuple(Event(*r) for r in events.all()),
        situations=tuple(SituationRow(r.kind, r.facts or {}, r.detected_at) for r in situations),
        sent=tuple(
            Sent(r.channel, r.event, r.state, r.sent_at or r.updated_at, r.reason, r.recipient)
            for r in sent.all()
        ),
        choices=tuple(Chosen(*r) for r in choices.all()),
        survey=await _survey(conn, merchant_id, shipment_id),
        contacts=tuple(Contact(*r) for r in contact_rows.all()),
        notes=tuple(await notes_of(conn, merchant_id, shipment_id)),
        handled_at=await handled_at(conn, merchant_id, shipment_id),
    )


async def _survey(conn: AsyncConnection, merchant_id: int, shipment_id: int) -> SurveyAnswer | None:
    a, s = survey_answers.c, surveys.c
    row = (
        await conn.execute(
            sa.select(s.title, s.questions, a.answers, a.answered_at)
            .join(surveys, s.id == a.survey_id)
            .where(a.shipment_id == shipment_id, a.merchant_id == merchant_id)
        )
    ).first()
    if row is None:
        return None
    labels = {str(q.get("id")): str(q.get("label")) for q in row.questions or ()}
    answers = tuple(
        (labels.get(key, key), _text(value)) for key, value in (row.answers or {}).items()
    )
    return SurveyAnswer(row.title, answers, row.answered_at)
