"""POST /api/contacts/import: a helpdesk's ticket export (CSV) in, one contact per ticket.

`?format=zendesk|freshdesk|gorgias` names the helpdesk; `auto` (the default) reads it from the
header row. The body is bounded while it streams, the number of tickets too; the import runs in
the request's one transaction, so a refusal (too many tickets) stores nothing, while a bad line
is reported by number and the good ones are kept. Scoped to the calling merchant.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi_server.api.auth import Caller
from suivi_server.api.body import read_body
from suivi_server.api.errors import ApiError, invalid
from suivi_server.api.openapi import Operation
from suivi_server.api.query import single_values
from suivi_server.helpdesk.formats import UnknownFormat
from suivi_server.helpdesk.importer import TooManyLines, import_export

MAX_EXPORT_BYTES = 16 * 1024 * 1024
MAX_TICKETS = 20_000


class ContactImportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["auto", "zendesk", "freshdesk", "gorgias"] = Field(
        default="auto", description="the helpdesk; auto: read from the header row"
    )


class LineError(BaseModel):
    line: int
    field: str
    message: str


class ContactImportOut(BaseModel):
    format: str
    created: int
    existing: int = Field(description="tickets imported before: nothing added")
    failed: int
    matched: int = Field(description="contacts linked to one of the merchant's shipments")
    unmatched: int
    reasons: dict[str, int]
    errors: list[LineError]


def decode(body: bytes) -> str:
    """The export as text (UTF-8, with or without the BOM Excel adds); ApiError otherwise."""
    if not body.strip():
        raise ApiError(400, "empty_body", "the body is empty: send a helpdesk's ticket export")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "bad_encoding", "the export must be UTF-8 text") from None


async def import_contacts(request: Request, caller: Caller) -> Response:
    try:
        query = ContactImportQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    text = decode(await read_body(request, MAX_EXPORT_BYTES))
    helpdesk = None if query.format == "auto" else query.format
    try:
        summary = await import_export(
            caller.conn, caller.merchant, text, helpdesk, caller.services.clock(), MAX_TICKETS
        )
    except UnknownFormat as exc:
        raise ApiError(422, "unknown_format", str(exc)) from None
    except TooManyLines as exc:
        raise ApiError(413, "too_many_tickets", str(exc)) from None
    return JSONResponse(summary.as_json())


OPERATION = Operation(
    "POST",
    "/contacts/import",
    import_contacts,
    "Import a Zendesk, Freshdesk or Gorgias ticket export: one contact per ticket",
    response=ContactImportOut,
    body_types=("text/csv",),
    query=ContactImportQuery,
    errors=(
        (400, "empty, or not UTF-8"),
        (422, "not a ticket export (of the helpdesk named)"),
        (413, "larger than 16 MiB or more than 20000 tickets"),
    ),
)
