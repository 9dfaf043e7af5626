"""Storing a helpdesk export's tickets as contacts, each with the shipment's state at its time.

One ticket is one contact (source "import"), identified by "<helpdesk>:<ticket id>", so the
same export imported twice adds nothing. A ticket that names none of the merchant's shipments
is still stored (shipment_id NULL) and counted: the feedback loop counts every contact. For a
matched one, the status and situation recorded are those of the ticket's moment, not today's:
the last status-changing event at or before it, and the situations detected before it and not
yet resolved then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.engagement import contacts
from suivi_server.helpdesk.classifier import classify
from suivi_server.helpdesk.matching import By, find_shipment
from suivi_server.helpdesk.tickets import BadLine, Ticket, read_export
from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import shipment_situations, shipments, tracking_events

DEFAULT_ZONE = "Europe/Paris"
_e = tracking_events.c
_t = shipment_situations.c


@dataclass(frozen=True, slots=True)
class TicketResult:
    line: int
    result: Literal["created", "existing", "failed"]
    contact_id: int | None = None
    shipment_id: int | None = None
    matched_by: By | None = None
    reason: str | None = None
    errors: tuple[dict[str, str], ...] = ()


@dataclass
class Summary:
    """What an import did, line by line for the failures, in totals for the rest."""

    format: str
    created: int = 0
    existing: int = 0
    failed: int = 0
    matched: int = 0
    unmatched: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    failures: list[TicketResult] = field(default_factory=list)

    def add(self, result: TicketResult) -> None:
        if result.result == "failed":
            self.failed += 1
            self.failures.append(result)
            return
        if result.result == "created":
            self.created += 1
        else:
            self.existing += 1
        if result.shipment_id is None:
            self.unmatched += 1
        else:
            self.matched += 1
        self.reasons[result.reason or "other"] += 1

    def merge(self, other: Summary) -> None:
        """Add the totals of another batch of the same export."""
        for name in ("created", "existing", "failed", "matched", "unmatched"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)
        self.failures.extend(other.failures)

    def as_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "created": self.created,
            "existing": self.existing,
            "failed": self.failed,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "reasons": dict(sorted(self.reasons.items())),
            "errors": [{"line": f.line, **error} for f in self.failures for error in f.errors],
        }


async def status_at(conn: AsyncConnection, shipment_id: int, at: datetime) -> str:
    """The shipment's status at `at`: its last status-changing event by then; before its first
    event, "pending"; with no events at all, its stored status (nothing says otherwise)."""
    last = (
        sa.select(_e.status)
        .where(_e.shipment_id == shipment_id, _e.occurred_at <= at, _e.affects_status)
        .order_by(_e.occurred_at.desc(), _e.id.desc())
        .limit(1)
    )
    status = (await conn.execute(last)).scalar()
    if status is not None:
        return str(status)
    later = sa.select(_e.id).where(_e.shipment_id == shipment_id).limit(1)
    if (await conn.execute(later)).first() is not None:
        return "pending"
    stored = sa.select(shipments.c.status).where(shipments.c.id == shipment_id)
    return str((await conn.execute(stored)).scalar_one())


async def situation_at(conn: AsyncConnection, shipment_id: int, at: datetime) -> str | None:
    """The leading situation active at `at`: detected by then, not resolved yet."""
    query = (
        sa.select(_t.kind)
        .where(
            _t.shipment_id == shipment_id,
            _t.detected_at <= at,
            sa.or_(_t.resolved_at.is_(None), _t.resolved_at > at),
        )
        .order_by(_t.detected_at, _t.id)
    )
    kinds = (await conn.execute(query)).scalars().all()
    return contacts.leading_situation(kinds)


def _text(ticket: Ticket) -> str | None:
    joined = "\n\n".join(part for part in (ticket.subject, ticket.text) if part)
    if len(joined) > contacts.MAX_TEXT:
        joined = joined[: contacts.MAX_TEXT - 1] + "…"
    return joined or None


async def import_ticket(
    conn: AsyncConnection, merchant_id: int, helpdesk: str, line: Ticket | BadLine, now: datetime
) -> TicketResult:
    """Store one ticket as a contact (or find it stored already); a bad line fails alone."""
    if isinstance(line, BadLine):
        error = {"field": line.field, "message": line.message}
        return TicketResult(line.line, "failed", errors=(error,))
    match = await find_shipment(conn, merchant_id, line)
    shipment_id = match.shipment_id if match else None
    reason = classify(line.subject, line.text)
    contact = contacts.NewContact(
        shipment_id=shipment_id,
        source="import",
        channel=line.channel,
        reason=reason,
        situation=await situation_at(conn, shipment_id, line.occurred_at) if shipment_id else None,
        status=await status_at(conn, shipment_id, line.occurred_at) if shipment_id else None,
        occurred_at=line.occurred_at,
        text=_text(line),
        external_id=f"{helpdesk}:{line.ticket_id}",
    )
    stored, new = await contacts.record_contact(conn, merchant_id, contact, now)
    return TicketResult(
        line.line,
        "created" if new else "existing",
        contact_id=stored.id,
        shipment_id=stored.shipment_id,
        matched_by=match.by if match and new else None,
        reason=stored.reason,
    )


async def import_tickets(
    conn: AsyncConnection,
    merchant_id: int,
    helpdesk: str,
    lines: Iterable[Ticket | BadLine],
    now: datetime,
) -> Summary:
    """Import every line, one at a time as they are read, in the caller's transaction."""
    summary = Summary(helpdesk)
    for line in lines:
        summary.add(await import_ticket(conn, merchant_id, helpdesk, line, now))
    return summary


class TooManyLines(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} tickets: split the export")
        self.limit = limit


def merchant_zone(merchant: Merchant) -> ZoneInfo:
    """Where the merchant's helpdesk writes dates without an offset: its time zone."""
    try:
        return ZoneInfo(str(merchant.settings.get("timezone") or DEFAULT_ZONE))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


async def import_export(
    conn: AsyncConnection,
    merchant: Merchant,
    text: str,
    helpdesk: str | None,
    now: datetime,
    max_lines: int | None = None,
) -> Summary:
    """Read `text` as `helpdesk`'s export (detected when None) and import every ticket;
    UnknownFormat when the header is not one. Past `max_lines` tickets, TooManyLines before
    anything is stored (a first pass counts them: the caller may commit what it returns)."""
    zone = merchant_zone(merchant)
    if max_lines is not None:
        counted = read_export(text, helpdesk, merchant_zone=zone, now=now).lines
        if sum(1 for _ in counted) > max_lines:
            raise TooManyLines(max_lines)
    export = read_export(text, helpdesk, merchant_zone=zone, now=now)
    return await import_tickets(conn, merchant.id, export.columns.format.name, export.lines, now)
