"""The merchant's catalogue: products upserted by (merchant, sku), curation kept across imports.

A re-import changes what the feed says (title, price, availability…) and never the merchant's
pins and exclusions. With `replace`, products the feed no longer lists become unavailable
(never deleted: past clicks still name them). A line that failed but named its id counts as
listed, so a typo in one price does not hide that product.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.recommendations.feed import FeedLine, ProductIn
from suivi_server.storage.schema import products

_p = products.c


@dataclass(frozen=True, slots=True)
class LineResult:
    line: int
    result: Literal["created", "updated", "failed"]
    id: int | None = None
    errors: list[Mapping[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    lines: list[LineResult]
    unavailable: int = 0

    def counts(self) -> dict[str, int]:
        found = {
            k: sum(r.result == k for r in self.lines) for k in ("created", "updated", "failed")
        }
        return {**found, "unavailable": self.unavailable}

    def as_json(self) -> dict[str, Any]:
        lines = [
            {"line": r.line, "result": r.result, "id": r.id, "errors": list(r.errors)}
            for r in self.lines
        ]
        return {**self.counts(), "lines": lines}


def columns(product: ProductIn) -> dict[str, Any]:
    return {
        "title": product.title,
        "url": product.url,
        "image_url": product.image,
        "price": None if product.price is None else str(product.price),
        "currency": product.currency,
        "brand": product.brand,
        "categories": list(dict.fromkeys(product.categories)),
        "available": product.available,
    }


async def store_line(
    conn: AsyncConnection, merchant_id: int, line: FeedLine, now: datetime
) -> LineResult:
    if line.product is None:
        return LineResult(line.number, "failed", errors=list(line.errors))
    sku = line.product.id
    values = columns(line.product)
    existing = await conn.scalar(
        sa.select(_p.id).where(_p.merchant_id == merchant_id, _p.sku == sku)
    )
    if existing is not None:
        await conn.execute(
            sa.update(products).where(_p.id == existing).values(**values, updated_at=now)
        )
        return LineResult(line.number, "updated", int(existing))
    inserted = await conn.execute(
        sa.insert(products).values(
            merchant_id=merchant_id, sku=sku, **values, created_at=now, updated_at=now
        )
    )
    key = inserted.inserted_primary_key
    assert key is not None
    return LineResult(line.number, "created", int(key[0]))


async def mark_missing_unavailable(
    conn: AsyncConnection, merchant_id: int, listed: Iterable[str], now: datetime
) -> int:
    """Products the feed no longer lists become unavailable; how many changed."""
    listed = set(listed)
    rows = await conn.execute(
        sa.select(_p.id, _p.sku).where(_p.merchant_id == merchant_id, _p.available.is_(True))
    )
    missing = [row.id for row in rows if row.sku not in listed]
    for start in range(0, len(missing), 500):
        await conn.execute(
            sa.update(products)
            .where(_p.id.in_(missing[start : start + 500]))
            .values(available=False, updated_at=now)
        )
    return len(missing)


async def import_feed(
    conn: AsyncConnection,
    merchant_id: int,
    lines: Sequence[FeedLine],
    now: datetime,
    *,
    replace: bool = False,
) -> ImportSummary:
    results = [await store_line(conn, merchant_id, line, now) for line in lines]
    unavailable = 0
    if replace:
        listed = (line.sku for line in lines if line.sku is not None)
        unavailable = await mark_missing_unavailable(conn, merchant_id, listed, now)
    return ImportSummary(results, unavailable)


async def set_curation(
    conn: AsyncConnection,
    merchant_id: int,
    product_id: int,
    changes: Mapping[str, bool],
    now: datetime,
) -> bool:
    """Pin or exclude one of this merchant's products; False when it is not theirs."""
    where = sa.and_(_p.id == product_id, _p.merchant_id == merchant_id)
    if changes:
        result = await conn.execute(
            sa.update(products).where(where).values(**changes, updated_at=now)
        )
        return bool(result.rowcount)
    return await conn.scalar(sa.select(_p.id).where(where)) is not None
