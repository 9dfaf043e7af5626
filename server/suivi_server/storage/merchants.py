"""Merchants and their API keys, stored hashed: the clear key is shown once, at creation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.security import api_key_matches, api_key_prefix, generate_api_key
from suivi_server.storage.schema import api_keys, merchants


@dataclass(frozen=True, slots=True)
class Merchant:
    id: int
    slug: str
    name: str
    theme: str
    settings: Mapping[str, Any] = field(default_factory=dict)


_COLUMNS = (
    merchants.c.id,
    merchants.c.slug,
    merchants.c.name,
    merchants.c.theme,
    merchants.c.settings,
)


def _merchant(row: Any) -> Merchant:
    return Merchant(row.id, row.slug, row.name, row.theme, dict(row.settings or {}))


async def create_merchant(
    conn: AsyncConnection,
    slug: str,
    name: str,
    now: datetime,
    *,
    theme: str = "default",
    settings: Mapping[str, Any] | None = None,
) -> Merchant:
    stored = dict(settings or {})
    query = sa.insert(merchants).returning(merchants.c.id)
    values = {"slug": slug, "name": name, "theme": theme, "settings": stored, "created_at": now}
    merchant_id = (await conn.execute(query.values(values))).scalar_one()
    return Merchant(merchant_id, slug, name, theme, stored)


async def issue_api_key(
    conn: AsyncConnection, merchant_id: int, now: datetime, *, label: str = ""
) -> str:
    """A new key for the merchant; the returned clear key cannot be recovered later."""
    key = generate_api_key()
    await conn.execute(
        sa.insert(api_keys).values(
            merchant_id=merchant_id,
            prefix=key.prefix,
            key_hash=key.key_hash,
            label=label,
            created_at=now,
        )
    )
    return key.key


async def revoke_api_key(conn: AsyncConnection, key: str, now: datetime) -> bool:
    """Revoke a key by its clear value (or its prefix); True when a live key was revoked."""
    prefix = api_key_prefix(key) or key
    result = await conn.execute(
        sa.update(api_keys)
        .where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount > 0


async def merchant_for_api_key(conn: AsyncConnection, key: str) -> Merchant | None:
    """The merchant owning a live key: one lookup by the unique prefix, then a hash compare."""
    prefix = api_key_prefix(key)
    if prefix is None or not (prefix.isascii() and prefix.isalnum()):
        return None
    row = (
        await conn.execute(
            sa.select(*_COLUMNS, api_keys.c.key_hash)
            .join(api_keys, api_keys.c.merchant_id == merchants.c.id)
            .where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
        )
    ).first()
    if row is None or not api_key_matches(key, row.key_hash):
        return None
    return _merchant(row)


async def merchant_by_slug(conn: AsyncConnection, slug: str) -> Merchant | None:
    row = (await conn.execute(sa.select(*_COLUMNS).where(merchants.c.slug == slug))).first()
    return _merchant(row) if row else None
