"""The problem shipments list: one indexed range, then bounded lookups for the page's rows.

The list walks ix_shipments_merchant_id_problem_since (oldest problem first) with a keyset
cursor, never OFFSET; a shipment marked handled after its problem started is left out until a
newer problem starts. A search is an exact lookup instead, over all the merchant's shipments
(a caller may ask about a parcel that has no problem): order key
(ix_shipments_merchant_order_key), tracking number (ix_shipments_merchant_number), or email
whatever its case (ix_shipments_merchant_id_email_key).
Each page then costs two more queries, whatever its size: the rows' active situations
(ix_shipment_situations_active) and what the shopper was last sent
(ix_notifications_shipment_id_channel).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.pages.queries import SituationRow
from suivi_server.storage.schema import (
    notifications,
    order_lookup_key,
    shipment_handling,
    shipment_situations,
    shipments,
)

PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL
_CURSOR = re.compile(r"(?P<micros>-?[0-9]{1,19})\.(?P<id>[1-9][0-9]{0,9})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Channels that speak to the merchant's systems, not to the shopper.
MERCHANT_CHANNELS: frozenset[str] = frozenset({"webhook"})

_s, _h, _t, _n = shipments.c, shipment_handling.c, shipment_situations.c, notifications.c


class BadCursor(ValueError):
    """A `next` parameter this module did not write."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this (problem_since, id)."""

    since: datetime
    id: int

    def encode(self) -> str:
        return f"{(self.since - _EPOCH) // timedelta(microseconds=1)}.{self.id}"

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        """Raises BadCursor on anything but a cursor this module wrote."""
        if (found := _CURSOR.fullmatch(raw)) is None or int(found["id"]) > MAX_ID:
            raise BadCursor(raw)
        try:
            return cls(_EPOCH + timedelta(microseconds=int(found["micros"])), int(found["id"]))
        except OverflowError as exc:  # past the years datetime holds
            raise BadCursor(raw) from exc


@dataclass(frozen=True)
class ProblemFilter:
    kind: str | None = None
    carrier: str | None = None
    search: str | None = None
    after: Cursor | None = None
    limit: int = PAGE_SIZE


@dataclass(frozen=True)
class Told:
    """The last message the shopper was sent about this shipment."""

    channel: str
    event: str
    sent_at: datetime


@dataclass(frozen=True)
class ProblemRow:
    id: int
    order_number: str
    tracking_number: str
    carrier: str
    status: str
    substatus: str | None
    problem: str | None
    problem_since: datetime | None
    customer_email: str | None
    handled_at: datetime | None
    shipment: Mapping[str, Any]  # the row as the shopper page reads it (for its banners)
    situations: tuple[SituationRow, ...] = ()
    told: Told | None = None


@dataclass(frozen=True)
class ProblemPage:
    rows: tuple[ProblemRow, ...]
    next: Cursor | None


def _in_problem_list(merchant_id: int, now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _s.merchant_id == merchant_id,
        _s.problem_since <= now,
        _s.problem.is_not(None),
        sa.or_(_h.handled_at.is_(None), _s.problem_since > _h.handled_at),
    )


def _matches(merchant_id: int, search: str) -> sa.ColumnElement[bool]:
    """Exact match on the order number (as the lookup form folds it), the tracking number as
    typed or as carriers write it, or (text with an @) the email address whatever
    its case: one indexed lookup each."""
    typed = search.strip()
    numbers = sorted({typed, "".join(typed.split()).upper()})
    mine = _s.merchant_id == merchant_id
    lookups = [
        sa.select(_s.id).where(mine, _s.order_key == order_lookup_key(typed)),
        sa.select(_s.id).where(mine, _s.tracking_number.in_(numbers)),
    ]
    if "@" in typed:
        email_key = sa.func.lower(_s.customer_email)
        lookups.append(sa.select(_s.id).where(mine, email_key == typed.lower()))
    return _s.id.in_(sa.union(*lookups).scalar_subquery())


async def problem_page(
    conn: AsyncConnection, merchant_id: int, where: ProblemFilter, now: datetime
) -> ProblemPage:
    """One page of the merchant's problem shipments (or of a search), and the next cursor."""
    query = sa.select(shipments, _h.handled_at).outerjoin(
        shipment_handling, _h.shipment_id == _s.id
    )
    if where.search:
        query = query.where(_s.merchant_id == merchant_id, _matches(merchant_id, where.search))
        query = query.order_by(_s.id.desc())
    else:
        query = query.where(_in_problem_list(merchant_id, now))
        if where.after is not None:
            after = where.after
            # the bound on its own first, so it is the index range's start, not a filter
            query = query.where(
                _s.problem_since >= after.since,
                sa.or_(_s.problem_since > after.since, _s.id > after.id),
            )
        query = query.order_by(_s.problem_since, _s.id)
    for column, value in ((_s.problem, where.kind), (_s.carrier, where.carrier)):
        if value:
            query = query.where(column == value)
    found = (await conn.execute(query.limit(where.limit + 1))).all()
    rows = found[: where.limit]
    ids = [row.id for row in rows]
    situations = await _situations(conn, ids)
    told = await _last_told(conn, ids)
    page = tuple(
        ProblemRow(
            id=r.id,
            order_number=r.order_number,
            tracking_number=r.tracking_number,
            carrier=r.carrier,
            status=r.status,
            substatus=r.substatus,
            problem=r.problem,
            problem_since=r.problem_since,
            customer_email=r.customer_email,
            handled_at=r.handled_at,
            shipment={c.name: getattr(r, c.name) for c in shipments.c},
            situations=situations.get(r.id, ()),
            told=told.get(r.id),
        )
        for r in rows
    )
    last = page[-1] if page else None
    more = len(found) > where.limit and not where.search
    since = last.problem_since if last else None
    return ProblemPage(page, Cursor(since, last.id) if more and last and since else None)


async def _situations(
    conn: AsyncConnection, ids: Sequence[int]
) -> dict[int, tuple[SituationRow, ...]]:
    if not ids:
        return {}
    query = (
        sa.select(_t.shipment_id, _t.kind, _t.facts, _t.detected_at)
        .where(_t.shipment_id.in_(ids), _t.resolved_at.is_(None))
        .order_by(_t.detected_at, _t.id)
    )
    found: dict[int, list[SituationRow]] = {}
    for row in (await conn.execute(query)).all():
        found.setdefault(row.shipment_id, []).append(
            SituationRow(row.kind, row.facts or {}, row.detected_at)
        )
    return {k: tuple(v) for k, v in found.items()}


async def _last_told(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Told]:
    if not ids:
        return {}
    query = (
        sa.select(_n.shipment_id, _n.channel, _n.event, _n.sent_at)
        .where(
            _n.shipment_id.in_(ids),
            _n.channel.not_in(sorted(MERCHANT_CHANNELS)),
            _n.state == "sent",
            _n.sent_at.is_not(None),
        )
        .order_by(_n.sent_at.desc(), _n.id.desc())
    )
    told: dict[int, Told] = {}
    for row in (await conn.execute(query)).all():
        told.setdefault(row.shipment_id, Told(row.channel, row.event, row.sent_at))
    return told
