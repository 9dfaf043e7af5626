"""Shipment endpoints: create-or-update, read, list, edit, tracking and the shopper's link.

Every lookup is scoped to the calling merchant; another merchant's id answers exactly like an
id that does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi import Status
from suivi_server.api.auth import Caller, reused
from suivi_server.api.body import json_object
from suivi_server.api.errors import ApiError, invalid, not_found
from suivi_server.api.models import ShipmentIn, ShipmentPatch, shipment_columns
from suivi_server.api.query import single_values
from suivi_server.api.responses import shipment_json, tracking_json
from suivi_server.storage import shipments as store
from suivi_server.storage.refresh import schedule_refresh

REFRESH_INTERVAL = timedelta(minutes=5)
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id cannot exist, and must not reach the driver


class ListQuery(BaseModel):
    """Query parameters of GET /api/shipments."""

    model_config = ConfigDict(extra="ignore")

    status: list[Status] = Field(default_factory=list, description="comma-separated statuses")
    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")] | None = None
    problem: Literal["true", "false"] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="next_cursor"
    )


def _shipment_id(request: Request) -> int:
    shipment_id: int = request.path_params["shipment_id"]
    if not 0 < shipment_id <= MAX_ID:
        raise not_found()
    return shipment_id


async def _answer(caller: Caller, shipment_id: int, status_code: int = 200) -> JSONResponse:
    row = await store.get_shipment(caller.conn, caller.merchant.id, shipment_id)
    if row is None:
        raise not_found()
    headers = {"Location": f"/api/shipments/{shipment_id}"} if status_code == 201 else None
    return JSONResponse(shipment_json(row), status_code=status_code, headers=headers)


async def create_or_update(request: Request, caller: Caller) -> Response:
    """201 with the new shipment, or 200 when this order + tracking number already exists."""
    body = await json_object(request)
    try:
        shipment = ShipmentIn.model_validate(body)
    except ValidationError as exc:
        raise invalid(exc) from None
    now = caller.services.clock()
    shipment_id, created = await store.upsert_shipment(
        caller.conn, caller.merchant.id, shipment_columns(shipment), now
    )
    return await _answer(caller, shipment_id, 201 if created else 200)


async def list_shipments(request: Request, caller: Caller) -> Response:
    params = single_values(request)
    raw_status = params.pop("status", "")
    try:
        query = ListQuery.model_validate(
            {**params, "status": [s.strip() for s in raw_status.split(",") if s.strip()]}
        )
    except ValidationError as exc:
        raise invalid(exc) from None
    rows = await store.list_shipments(
        caller.conn,
        caller.merchant.id,
        limit=query.limit + 1,
        before_id=query.cursor,
        statuses=[s.value for s in query.status],
        carrier=query.carrier,
        problem=None if query.problem is None else query.problem == "true",
    )
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return JSONResponse(
        {
            "data": [shipment_json(row) for row in page],
            "next_cursor": str(page[-1].id) if more else None,
        }
    )


@reused
async def get_shipment(request: Request, caller: Caller) -> Response:
    """Reused within the recheck interval, with its ETag (api/read_cache.py)."""
    return await _answer(caller, _shipment_id(request))


async def patch_shipment(request: Request, caller: Caller) -> Response:
    shipment_id = _shipment_id(request)
    body = await json_object(request)
    try:
        patch = ShipmentPatch.model_validate(body)
    except ValidationError as exc:
        raise invalid(exc) from None
    changes = shipment_columns(patch)
    now = caller.services.clock()
    if not await store.update_shipment(caller.conn, caller.merchant.id, shipment_id, changes, now):
        raise not_found()
    return await _answer(caller, shipment_id)


async def get_tracking(request: Request, caller: Caller) -> Response:
    """Events newest first, with the current status and estimate, in one query."""
    found = await store.shipment_with_events(caller.conn, caller.merchant.id, _shipment_id(request))
    if found is None:
        raise not_found()
    return JSONResponse(tracking_json(*found))


class PageUrlQuery(BaseModel):
    """Query parameters of GET /api/shipments/{id}/page-url."""

    model_config = ConfigDict(extra="ignore")

    expires_in_days: Annotated[int, Field(ge=1, le=365)] | None = None


async def page_url(request: Request, caller: Caller) -> Response:
    """The signed link to send the shopper; signing is cheap, so each call signs afresh."""
    shipment_id = _shipment_id(request)
    try:
        query = PageUrlQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    if await store.get_shipment(caller.conn, caller.merchant.id, shipment_id) is None:
        raise not_found()
    expires_at = None
    if query.expires_in_days is not None:
        expires_at = caller.services.clock() + timedelta(days=query.expires_in_days)
    url = caller.services.page_url(shipment_id, expires_at=expires_at)
    return JSONResponse({"url": url, "expires_at": expires_at.isoformat() if expires_at else None})


async def refresh(request: Request, caller: Caller) -> Response:
    """Ask for an immediate carrier poll (at most one per shipment every few minutes)."""
    shipment_id = _shipment_id(request)
    row = await store.get_shipment(caller.conn, caller.merchant.id, shipment_id)
    if row is None:
        raise not_found()
    now = caller.services.clock()
    if await schedule_refresh(caller.conn, shipment_id, now=now, min_interval=REFRESH_INTERVAL):
        return JSONResponse({"scheduled": True, "next_poll_at": now.isoformat()}, status_code=202)
    wait = REFRESH_INTERVAL
    if row.last_polled_at is not None:
        wait = max(timedelta(seconds=1), row.last_polled_at + REFRESH_INTERVAL - now)
    raise ApiError(
        429,
        "too_soon",
        "this shipment was polled moments ago or a poll is already due; try again later",
        headers={"Retry-After": str(int(wait.total_seconds()) or 1)},
    )
