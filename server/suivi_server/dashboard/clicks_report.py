"""Recommendation clicks over a period: per placement, and the ten most clicked products.

Both read one indexed range (`ix_recommendation_clicks_merchant_id_clicked_at`); product titles
come from the merchant's catalogue by (merchant_id, sku), its unique key. A product since
removed from the feed keeps its clicks under its sku.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.schema import products, recommendation_clicks

TOP_PRODUCTS = 10
_c, _p = recommendation_clicks.c, products.c


@dataclass(frozen=True)
class PlacementClicks:
    placement: str  # page, widget or email
    clicks: int
    shipments: int  # distinct parcels whose shopper clicked


@dataclass(frozen=True)
class ProductClicks:
    sku: str
    title: str | None  # None when the product left the catalogue
    clicks: int


@dataclass(frozen=True)
class ClickReport:
    total: int
    by_placement: list[PlacementClicks]
    top_products: list[ProductClicks]


async def click_report(
    conn: AsyncConnection, *, merchant_id: int, start: datetime, end: datetime
) -> ClickReport:
    mine = (_c.merchant_id == merchant_id, _c.clicked_at >= start, _c.clicked_at < end)
    clicks = sa.func.count().label("clicks")
    placements = (
        sa.select(_c.placement, clicks, sa.func.count(sa.distinct(_c.shipment_id)))
        .where(*mine)
        .group_by(_c.placement)
        .order_by(clicks.desc(), _c.placement)
    )
    top = (
        sa.select(_c.sku, clicks).where(*mine).group_by(_c.sku).order_by(clicks.desc(), _c.sku)
    ).limit(TOP_PRODUCTS)
    by_placement = [
        PlacementClicks(row[0], row[1], row[2]) for row in (await conn.execute(placements)).all()
    ]
    ranked = (await conn.execute(top)).all()
    titles = dict(
        (
            await conn.execute(
                sa.select(_p.sku, _p.title).where(
                    _p.merchant_id == merchant_id, _p.sku.in_([r.sku for r in ranked])
                )
            )
        ).all()
    )
    return ClickReport(
        total=sum(p.clicks for p in by_placement),
        by_placement=by_placement,
        top_products=[ProductClicks(r.sku, titles.get(r.sku), r.clicks) for r in ranked],
    )
