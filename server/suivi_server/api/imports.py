"""Importing many shipments: each line validated and stored exactly like POST /api/shipments.

Used by POST /api/shipments/import and by `suivi import`; one result per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi_server.api.auth import Caller
from suivi_server.api.body import MAX_IMPORT_BYTES, read_body
from suivi_server.api.errors import ApiError, field_errors, invalid
from suivi_server.api.models import ShipmentIn, shipment_columns
from suivi_server.api.query import single_values
from suivi_server.importer import Format, Line, guess_format, parse
from suivi_server.storage.shipments import upsert_shipment


@dataclass(frozen=True, slots=True)
class LineResult:
    line: int
    result: Literal["created", "updated", "failed"]
    id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


async def import_line(
    conn: AsyncConnection, merchant_id: int, line: Line, now: datetime
) -> LineResult:
    """Validate and store one line exactly as POST /api/shipments would."""
    if line.data is None:
        error = {"field": "line", "message": line.error or "unreadable", "type": "unreadable"}
        return LineResult(line.number, "failed", errors=[error])
    try:
        shipment = ShipmentIn.model_validate(line.data)
    except ValidationError as exc:
        return LineResult(line.number, "failed", errors=field_errors(exc))
    shipment_id, created = await upsert_shipment(conn, merchant_id, shipment_columns(shipment), now)
    return LineResult(line.number, "created" if created else "updated", shipment_id)


class ImportQuery(BaseModel):
    """Query parameters of POST /api/shipments/import."""

    model_config = ConfigDict(extra="ignore")

    format: Format | None = Field(
        default=None, description="default: from the Content-Type, else from the content"
    )


def _format(request: Request, text: str) -> Format:
    """`?format=csv|jsonl` wins over the Content-Type, which wins over sniffing the body."""
    try:
        requested = ImportQuery.model_validate(single_values(request)).format
    except ValidationError as exc:
        raise invalid(exc) from None
    if requested is None:
        return guess_format(text, request.headers.get("content-type"))
    return requested


async def import_shipments(request: Request, caller: Caller) -> Response:
    body = await read_body(request, MAX_IMPORT_BYTES)
    if not body:
        raise ApiError(400, "empty_body", "the body is empty: send JSON lines or CSV")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "bad_encoding", "the body must be UTF-8 text") from None
    now = caller.services.clock()
    results = [
        await import_line(caller.conn, caller.merchant.id, line, now)
        for line in parse(text, _format(request, text))
    ]
    counts = {
        kind: sum(r.result == kind for r in results) for kind in ("created", "updated", "failed")
    }
    lines = [{"line": r.line, "result": r.result, "id": r.id, "errors": r.errors} for r in results]
    return JSONResponse({**counts, "lines": lines})
