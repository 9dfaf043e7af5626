"""The recommendations of one shipment: its merchant's catalogue read once, ranked, made cards.

One query reads the products that may be shown plus the ones that were ordered (their
categories say what the shopper likes, even when they are no longer available). An ordered
item the feed does not know still counts through its own `category`, when the merchant sent one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from babel import Locale
from babel.numbers import format_currency
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.recommendations.ranking import DEFAULT_COUNT, Candidate, paths, rank
from suivi_server.storage.schema import products

_p = products.c
MAX_COUNT = 12
PLACEMENTS = ("page", "widget", "email")


@dataclass(frozen=True, slots=True)
class RecommendationSettings:
    """`settings["recommendations"]` of a merchant: how many, and where besides the page."""

    count: int = DEFAULT_COUNT
    in_widget: bool = False
    in_email: bool = True

    @classmethod
    def of(cls, merchant_settings: Mapping[str, Any]) -> RecommendationSettings:
        raw = merchant_settings.get("recommendations")
        if not isinstance(raw, Mapping):
            return cls()
        count = raw.get("count")
        if not isinstance(count, int) or isinstance(count, bool):
            count = DEFAULT_COUNT
        return cls(
            count=max(0, min(count, MAX_COUNT)),
            in_widget=raw.get("in_widget") is True,
            in_email=raw.get("in_email") is not False,
        )


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A product card; `href` is the click-counting redirect, `rank` 1-based."""

    product_id: int
    title: str
    image_url: str | None
    price: Decimal | None
    currency: str | None
    brand: str | None
    rank: int
    href: str = ""
    placement: str = "page"

    def price_text(self, locale: Locale | str) -> str | None:
        if self.price is None or self.currency is None:
            return None
        return format_currency(self.price, self.currency, locale=locale)

    def linked(self, href: str, placement: str) -> Recommendation:
        return replace(self, href=href, placement=placement)


def click_path(token: str, product_id: int, placement: str, rank: int) -> str:
    return f"/r/{token}/{product_id}?p={placement}&i={rank}"


def bought_skus(items: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str(item["product_id"]) for item in items if item.get("product_id")}


async def recommend(
    conn: AsyncConnection, merchant_id: int, items: Sequence[Mapping[str, Any]], count: int
) -> list[Recommendation]:
    if count <= 0:
        return []
    bought = bought_skus(items)
    stmt = sa.select(
        _p.id, _p.sku, _p.title, _p.image_url, _p.price, _p.currency, _p.brand, _p.categories,
        _p.available, _p.pinned, _p.excluded,
    ).where(
        _p.merchant_id == merchant_id,
        sa.or_(sa.and_(_p.available.is_(True), _p.excluded.is_(False)), _p.sku.in_(bought)),
    )  # fmt: skip
    rows = {row.id: row for row in await conn.execute(stmt)}
    ordered = [
        *(p for row in rows.values() if row.sku in bought for p in paths(row.categories or [])),
        *paths(str(item["category"]) for item in items if item.get("category")),
    ]
    candidates = (
        Candidate(
            row.id, row.sku, paths(row.categories or []), row.available, row.pinned, row.excluded
        )
        for row in rows.values()
    )
    chosen = rank(candidates, bought=bought, ordered=ordered, count=count)
    return [_card(rows[c.id], position) for position, c in enumerate(chosen, start=1)]


def _card(row: Any, position: int) -> Recommendation:
    return Recommendation(
        product_id=row.id,
        title=row.title,
        image_url=row.image_url,
        price=_decimal(row.price),
        currency=row.currency,
        brand=row.brand,
        rank=position,
    )


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None
