"""The product API: import a feed, list the catalogue, pin or exclude a product.

`POST /api/products/import` takes the body as `suivi import-products` takes a file (JSON lines,
CSV, Google Merchant Center XML or TSV) and answers one result per line, like the shipment import.
Products are addressed by their numeric id: a merchant's sku may contain slashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi_server.api.auth import Caller
from suivi_server.api.body import MAX_IMPORT_BYTES, json_object, read_body
from suivi_server.api.errors import ApiError, invalid, not_found
from suivi_server.api.openapi import Operation
from suivi_server.api.query import single_values
from suivi_server.api.responses import ImportLine
from suivi_server.pages.queries import as_utc
from suivi_server.recommendations.feed import FeedFormat, guess_feed_format, read_feed
from suivi_server.recommendations.store import import_feed, set_curation
from suivi_server.storage.schema import products

MAX_ID = 2**31 - 1
_p = products.c


class ProductImportQuery(BaseModel):
    """Query parameters of POST /api/products/import."""

    model_config = ConfigDict(extra="ignore")

    format: FeedFormat | None = Field(
        default=None, description="default: from the Content-Type, else from the content"
    )
    replace: Literal["true", "false"] = Field(
        default="false", description="true: products missing from this feed become unavailable"
    )


class ProductImportOut(BaseModel):
    created: int
    updated: int
    failed: int
    unavailable: int = Field(description="products marked unavailable by replace=true")
    lines: list[ImportLine]


class ProductListQuery(BaseModel):
    """Query parameters of GET /api/products."""

    model_config = ConfigDict(extra="ignore")

    available: Literal["true", "false"] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="next_cursor"
    )


class ProductOut(BaseModel):
    id: int
    sku: str
    title: str
    url: str
    image_url: str | None
    price: str | None
    currency: str | None
    brand: str | None
    categories: list[str]
    available: bool
    pinned: bool
    excluded: bool
    updated_at: AwareDatetime


class ProductPage(BaseModel):
    data: list[ProductOut]
    next_cursor: str | None


class ProductPatch(BaseModel):
    """The merchant's curation: pinned products come first, excluded ones never show."""

    model_config = ConfigDict(extra="forbid")

    pinned: bool | None = None
    excluded: bool | None = None


def _text(body: bytes) -> str:
    if not body:
        raise ApiError(400, "empty_body", "the body is empty: send JSON lines, CSV or a GMC feed")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "bad_encoding", "the body must be UTF-8 text") from None


async def import_products(request: Request, caller: Caller) -> Response:
    try:
        query = ProductImportQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    text = _text(await read_body(request, MAX_IMPORT_BYTES))
    fmt = query.format or guess_feed_format(text, request.headers.get("content-type"))
    summary = await import_feed(
        caller.conn,
        caller.merchant.id,
        list(read_feed(text, fmt)),
        caller.services.clock(),
        replace=query.replace == "true",
    )
    return JSONResponse(summary.as_json())


def product_json(row: Any) -> dict[str, Any]:
    updated: datetime = as_utc(row.updated_at)
    return {
        "id": row.id,
        "sku": row.sku,
        "title": row.title,
        "url": row.url,
        "image_url": row.image_url,
        "price": row.price,
        "currency": row.currency,
        "brand": row.brand,
        "categories": list(row.categories or []),
        "available": row.available,
        "pinned": row.pinned,
        "excluded": row.excluded,
        "updated_at": updated.isoformat(),
    }


async def list_products(request: Request, caller: Caller) -> Response:
    try:
        query = ProductListQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    stmt = sa.select(products).where(_p.merchant_id == caller.merchant.id)
    if query.available is not None:
        stmt = stmt.where(_p.available.is_(query.available == "true"))
    if query.cursor is not None:
        stmt = stmt.where(_p.id > query.cursor)
    rows = (await caller.conn.execute(stmt.order_by(_p.id).limit(query.limit + 1))).all()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return JSONResponse(
        {
            "data": [product_json(row) for row in page],
            "next_cursor": str(page[-1].id) if more else None,
        }
    )


async def patch_product(request: Request, caller: Caller) -> Response:
    product_id: int = request.path_params["product_id"]
    if not 0 < product_id <= MAX_ID:
        raise not_found("product")
    try:
        patch = ProductPatch.model_validate(await json_object(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    changes = patch.model_dump(exclude_none=True)
    now = caller.services.clock()
    if not await set_curation(caller.conn, caller.merchant.id, product_id, changes, now):
        raise not_found("product")
    row = (await caller.conn.execute(sa.select(products).where(_p.id == product_id))).one()
    return JSONResponse(product_json(row))


OPERATIONS = [
    Operation(
        "POST",
        "/products/import",
        import_products,
        "Import a product feed: JSON lines, CSV, Google Merchant Center XML or TSV",
        response=ProductImportOut,
        body_types=(
            "application/x-ndjson",
            "text/csv",
            "application/xml",
            "text/tab-separated-values",
        ),
        query=ProductImportQuery,
    ),
    Operation(
        "GET",
        "/products",
        list_products,
        "List the product catalogue, in feed order",
        response=ProductPage,
        query=ProductListQuery,
    ),
    Operation(
        "PATCH",
        "/products/{product_id:int}",
        patch_product,
        "Pin or exclude a product from recommendations",
        response=ProductOut,
        body=ProductPatch,
    ),
]
