"""What a signed-link page is made of, read in one indexed query: its cache key's versions.

A page changes only when one of the rows it shows changes. The probe reads, for one shipment,
the shipment's shown columns (JSON as stored text, never decoded here), its merchant (theme and
settings), the shipment's few feature rows themselves (choices, opt-ins, survey answer: an edit
within the same instant still shows), and for the many rows (events, situations, the
merchant's products) a count and the newest id and stamp: a new event, a situation resolved, a
choice made, an opt-in confirmed, an answer edited, a product or survey changed all move them.
The statements are built once, at import; only the shipment id is bound per request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import (
    merchants,
    notification_optins,
    products,
    shipment_situations,
    shipments,
    shopper_choices,
    survey_answers,
    surveys,
    tracking_events,
)

# What the page never shows: the worker's bookkeeping, which moves on every poll.
_UNSHOWN = frozenset(
    {"next_poll_at", "lease_owner", "lease_expires_at", "last_error", "last_polled_at"}
    | {"poll_errors", "updated_at", "learned_at"}
)
_SHIPMENT_ID = sa.bindparam("shipment_id", type_=sa.Integer)


def _text(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """JSON columns travel as their stored text: hashed, not decoded."""
    return sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column


def _stamps(table: sa.Table, owner: sa.ColumnElement[Any], *columns: str) -> sa.ScalarSelect[Any]:
    """A count and the newest of `columns` of one owner's rows, as one text value."""
    parts: list[sa.ColumnElement[Any]] = [sa.cast(sa.func.count(), sa.Text)]
    parts += [sa.func.coalesce(sa.cast(sa.func.max(table.c[c]), sa.Text), "") for c in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.concat("/").concat(part)
    return sa.select(joined).where(owner).scalar_subquery()


def _rows(table: sa.Table, owner: sa.ColumnElement[Any], *columns: str) -> sa.ScalarSelect[Any]:
    """Every one of an owner's few rows, as the text of `columns`: an edit made within the
    same instant as the last one (same stamp) still changes it."""
    fields = [sa.func.coalesce(sa.cast(table.c[c], sa.Text), "") for c in columns]
    row: sa.ColumnElement[Any] = fields[0]
    for field in fields[1:]:
        row = row.concat("|").concat(field)
    return sa.select(sa.func.aggregate_strings(row, ";")).where(owner).scalar_subquery()


_BASE: tuple[sa.ColumnElement[Any], ...] = (
    *(_text(c).label(c.name) for c in shipments.c if c.name not in _UNSHOWN),
    merchants.c.slug.label("m_slug"),
    merchants.c.name.label("m_name"),
    merchants.c.theme.label("m_theme"),
    sa.cast(merchants.c.settings, sa.Text).label("m_settings"),
    _stamps(
        tracking_events, tracking_events.c.shipment_id == shipments.c.id, "id", "created_at"
    ).label("v_events"),
    _stamps(
        shipment_situations,
        sa.and_(
            shipment_situations.c.shipment_id == shipments.c.id,
            shipment_situations.c.resolved_at.is_(None),
        ),
        "id",
        "detected_at",
    ).label("v_situations"),
)
# What the full page's features add (pages/extras.py): choices, opt-ins, survey, products.
_FEATURES: tuple[sa.ColumnElement[Any], ...] = (
    _rows(
        shopper_choices,
        shopper_choices.c.shipment_id == shipments.c.id,
        "id",
        "state",
        "kind",
        "details",
        "updated_at",
    ).label("v_choices"),
    _rows(
        notification_optins,
        notification_optins.c.shipment_id == shipments.c.id,
        "id",
        "channel",
        "address",
        "requested_at",
        "confirmed_at",
        "revoked_at",
    ).label("v_optins"),
    _rows(
        survey_answers,
        survey_answers.c.shipment_id == shipments.c.id,
        "id",
        "survey_id",
        "answers",
        "updated_at",
    ).label("v_answer"),
    sa.select(survey_answers.c.answered_at)
    .where(survey_answers.c.shipment_id == shipments.c.id)
    .scalar_subquery()
    .label("answered_at"),
    _rows(surveys, surveys.c.merchant_id == merchants.c.id, "id", "active", "updated_at").label(
        "v_surveys"
    ),
    _stamps(products, products.c.merchant_id == merchants.c.id, "id", "updated_at").label(
        "v_products"
    ),
)


def _probe(columns: tuple[sa.ColumnElement[Any], ...]) -> sa.Select[Any]:
    return (
        sa.select(*columns)
        .join(merchants, merchants.c.id == shipments.c.merchant_id)
        .where(shipments.c.id == _SHIPMENT_ID)
    )


FRAGMENT_PROBE = _probe(_BASE)
PAGE_PROBE = _probe(_BASE + _FEATURES)


@dataclass(frozen=True)
class Versions:
    """One shipment's page inputs as versions: `digest` changes whenever any of them does."""

    digest: str
    merchant_settings: Mapping[str, Any]
    customer_locale: str | None
    answered_at: datetime | None


@lru_cache(maxsize=1024)
def _settings(text: str) -> Mapping[str, Any]:
    """A merchant's settings, decoded once per distinct text (all its pages share it)."""
    decoded = json.loads(text) if text else {}
    return decoded if isinstance(decoded, dict) else {}


async def read_versions(engine: AsyncEngine, shipment_id: int, *, full: bool) -> Versions | None:
    """The versions of one shipment's page (`full`: with what its features show), or None."""
    probe = PAGE_PROBE if full else FRAGMENT_PROBE
    async with engine.connect() as conn:
        row = (await conn.execute(probe, {"shipment_id": shipment_id})).mappings().first()
    if row is None:
        return None
    digest = hashlib.sha256(repr(tuple(row.values())).encode()).hexdigest()
    answered = row.get("answered_at")
    return Versions(
        digest=digest,
        merchant_settings=_settings(row["m_settings"] or ""),
        customer_locale=row["customer_locale"],
        answered_at=answered if isinstance(answered, datetime) or answered is None else None,
    )
