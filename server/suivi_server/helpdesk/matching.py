"""Which of the merchant's shipments a ticket is about: by tracking number, order number, email.

The ticket's custom reference fields, subject and text are cut into words; those shaped like a
tracking number of an installed carrier (the adapters' own number patterns, through the SDK
registry) are looked up among the merchant's tracking numbers, the others that hold a digit
among its order numbers (whatever their case, with or without a leading "#"). Failing both, the
requester's email names the shipment when exactly one of theirs was in flight at the ticket's
time. Every query filters on the merchant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import Registry
from suivi.toolkit import Adapter, NumberPattern
from suivi_server.helpdesk.tickets import Ticket
from suivi_server.storage.schema import order_lookup_key, shipments

# Words that may be a reference: letters, digits and the separators order numbers use.
_WORD = re.compile(r"#?[0-9A-Za-z][0-9A-Za-z_/.-]*")
# Shorter bare numbers are quantities, days, house numbers more often than orders ("#12" counts).
MIN_ORDER = 4
MAX_CANDIDATES = 40  # per kind: a long thread must not make a huge IN list
# How far back the email fallback looks for the requester's parcel (range on created_at).
EMAIL_WINDOW = timedelta(days=60)

_s = shipments.c
By = Literal["tracking_number", "order_number", "email"]


@dataclass(frozen=True, slots=True)
class Match:
    shipment_id: int
    by: By


@cache
def number_patterns() -> tuple[NumberPattern, ...]:
    """Every installed carrier's tracking-number shapes (broken plugins left out)."""
    loaded, _ = Registry().load_all()
    return tuple(p for cls in loaded.values() for p in cls.number_patterns)


def candidates(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """(tracking numbers, order keys) worth looking up, in the order they appear."""
    tracking: dict[str, None] = {}
    orders: dict[str, None] = {}
    patterns = number_patterns()
    for text in texts:
        for word in _WORD.findall(text):
            word = word.rstrip("./-_")
            bare = word.lstrip("#")
            if not any(ch.isdigit() for ch in bare) or len(word) > 64:
                continue
            number = Adapter.normalize(bare)
            if any(p.score(number) for p in patterns):
                tracking.setdefault(number, None)
            if len(bare) >= MIN_ORDER or (word.startswith("#") and len(bare) >= 2):
                for key in (bare, "#" + bare):
                    orders.setdefault(order_lookup_key(key), None)
    return list(tracking)[:MAX_CANDIDATES], list(orders)[: MAX_CANDIDATES * 3]


async def _first(
    conn: AsyncConnection, merchant_id: int, condition: sa.ColumnElement[bool]
) -> int | None:
    query = (
        sa.select(_s.id)
        .where(_s.merchant_id == merchant_id, condition)
        .order_by(_s.id.desc())
        .limit(1)
    )
    return (await conn.execute(query)).scalar()


async def _by_email(
    conn: AsyncConnection, merchant_id: int, email: str, at: datetime
) -> int | None:
    """The requester's one shipment in flight at `at` (created, not yet delivered); None when
    they had none or several (then the ticket could be about any of them)."""
    query = (
        sa.select(_s.id)
        .where(
            _s.merchant_id == merchant_id,
            _s.created_at.between(at - EMAIL_WINDOW, at),
            sa.func.lower(_s.customer_email) == email.lower(),
            sa.or_(_s.delivered_at.is_(None), _s.delivered_at > at),
        )
        .limit(2)
    )
    found = (await conn.execute(query)).scalars().all()
    return found[0] if len(found) == 1 else None


async def find_shipment(conn: AsyncConnection, merchant_id: int, ticket: Ticket) -> Match | None:
    """The shipment the ticket is about: searched in its custom reference fields first (what an
    agent typed beats a number in the prose; a whole cell may be an order number without
    digits), then in its subject and text, tracking numbers before order numbers; else by the
    requester's email. None when nothing names one of this merchant's shipments."""
    sources = [(cell, True) for cell in ticket.references]
    for text, whole in [*sources, (f"{ticket.subject}\n{ticket.text}", False)]:
        tracking, orders = candidates([text])
        if whole and len(text.strip()) <= 64:
            orders.insert(0, order_lookup_key(text))
        if tracking:
            found = await _first(conn, merchant_id, _s.tracking_number.in_(tracking))
            if found is not None:
                return Match(found, "tracking_number")
        if orders:
            found = await _first(conn, merchant_id, _s.order_key.in_(orders))
            if found is not None:
                return Match(found, "order_number")
    if ticket.email:
        found = await _by_email(conn, merchant_id, ticket.email, ticket.occurred_at)
        if found is not None:
            return Match(found, "email")
    return None
