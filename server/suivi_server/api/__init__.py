"""Merchant API (JSON, bearer API keys), documented at /api/openapi.json."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from suivi_server.api import responses as out
from suivi_server.api import shipments
from suivi_server.api.auth import merchant_endpoint
from suivi_server.api.errors import HANDLERS
from suivi_server.api.imports import ImportQuery, import_shipments
from suivi_server.api.models import ShipmentIn, ShipmentPatch
from suivi_server.api.openapi import Operation, document
from suivi_server.services import Services

_ID = "/shipments/{shipment_id:int}"
OPERATIONS = [
    Operation(
        "POST",
        "/shipments",
        shipments.create_or_update,
        "Create or update a shipment",
        status=201,
        response=out.ShipmentOut,
        body=ShipmentIn,
        also=((200, "updated: this order and tracking number already existed"),),
    ),
    Operation(
        "GET",
        "/shipments",
        shipments.list_shipments,
        "List shipments, newest first",
        response=out.ShipmentPage,
        query=shipments.ListQuery,
    ),
    Operation(
        "POST",
        "/shipments/import",
        import_shipments,
        "Import JSON lines or CSV",
        response=out.ImportOut,
        body_types=("application/x-ndjson", "text/csv"),
        query=ImportQuery,
    ),
    Operation("GET", _ID, shipments.get_shipment, "Get a shipment", response=out.ShipmentOut),
    Operation(
        "PATCH",
        _ID,
        shipments.patch_shipment,
        "Change a shipment",
        response=out.ShipmentOut,
        body=ShipmentPatch,
    ),
    Operation(
        "GET",
        _ID + "/tracking",
        shipments.get_tracking,
        "Events and current status",
        response=out.TrackingOut,
    ),
    Operation(
        "GET",
        _ID + "/page-url",
        shipments.page_url,
        "The shopper's signed page link",
        response=out.PageUrlOut,
        query=shipments.PageUrlQuery,
    ),
    Operation(
        "POST",
        _ID + "/refresh",
        shipments.refresh,
        "Poll the carrier now (rate-limited per shipment)",
        status=202,
        response=out.RefreshOut,
        errors=((429, "polled moments ago or a poll is already due"),),
    ),
]


def routes(services: Services) -> list[BaseRoute]:
    spec = document(OPERATIONS)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(spec)

    paths = dict.fromkeys(op.path for op in OPERATIONS)
    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        *(_route(services, path, [op for op in OPERATIONS if op.path == path]) for path in paths),
    ]


def _route(services: Services, path: str, operations: list[Operation]) -> Route:
    """One route per path, so a wrong method answers 405 with every method of the path."""
    handlers: dict[str, Callable[[Request], Awaitable[Response]]] = {
        op.method: merchant_endpoint(services, op.handler) for op in operations
    }

    async def endpoint(request: Request) -> Response:
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, endpoint, methods=list(handlers))


def exception_handlers() -> Mapping[Any, Any]:
    return HANDLERS
