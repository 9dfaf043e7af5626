"""The merchant API's operations and routes: one table, which the OpenAPI document is built from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from suivi_server.api import estimates, shipments
from suivi_server.api import notifications as notes
from suivi_server.api import responses as out
from suivi_server.api.auth import ApiKeys, merchant_endpoint
from suivi_server.api.errors import HANDLERS
from suivi_server.api.imports import ImportQuery, import_shipments
from suivi_server.api.models import ShipmentIn, ShipmentPatch
from suivi_server.api.openapi import Operation, document
from suivi_server.engagement import api as engagement
from suivi_server.helpdesk import api as helpdesk
from suivi_server.recommendations import api as product_api
from suivi_server.services import Services
from suivi_server.surveys import api as surveys

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
    Operation(
        "GET",
        _ID + "/notifications/preview",
        notes.preview,
        "Render a notification for this shipment without sending it",
        response=notes.PreviewOut,
        query=notes.PreviewQuery,
    ),
    Operation(
        "GET",
        "/notifications",
        notes.list_notifications,
        "The delivery log of notifications, newest first",
        response=notes.NotificationPage,
        query=notes.LogQuery,
    ),
    Operation(
        "POST",
        "/notifications/{notification_id:int}/replay",
        notes.replay_notification,
        "Deliver a webhook again (same webhook-id)",
        status=202,
        response=notes.NotificationOut,
        errors=((409, "not a webhook delivery, or already waiting to be sent"),),
    ),
    Operation(
        "GET",
        "/notification-rules",
        notes.get_rules,
        "Which events notify, on which channels, when",
        response=notes.RulesOut,
    ),
    Operation(
        "PUT",
        "/notification-rules",
        notes.put_rules,
        "Replace the notification rules (events left out keep their default)",
        response=notes.RulesOut,
        body=notes.RulesIn,
    ),
    Operation(
        "GET",
        "/notification-rules/history",
        notes.get_rule_history,
        "Every change of the rules: when each message was switched on or off",
        response=notes.RuleHistoryOut,
    ),
    Operation(
        "GET",
        "/webhook",
        notes.get_webhook,
        "The endpoint receiving this merchant's events",
        response=notes.WebhookOut,
    ),
    Operation(
        "PUT",
        "/webhook",
        notes.put_webhook,
        "Set the webhook endpoint (public URLs only); the secret is shown once",
        response=notes.WebhookOut,
        body=notes.WebhookIn,
    ),
    Operation("DELETE", "/webhook", notes.delete_webhook, "Stop sending webhooks", status=204),
    *surveys.OPERATIONS,
    *product_api.OPERATIONS,
    *engagement.OPERATIONS,
    *estimates.OPERATIONS,
    helpdesk.OPERATION,
]


def routes(services: Services) -> list[BaseRoute]:
    spec = document(OPERATIONS)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(spec)

    # Matched in order: the read merchants' systems repeat most comes first.
    paths = dict.fromkeys([_ID, *(op.path for op in OPERATIONS)])
    keys = ApiKeys(services)
    return [
        *(
            _route(services, keys, path, [op for op in OPERATIONS if op.path == path])
            for path in paths
        ),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]


def _route(services: Services, keys: ApiKeys, path: str, operations: list[Operation]) -> Route:
    """One route per path, so a wrong method answers 405 with every method of the path."""
    handlers: dict[str, Callable[[Request], Awaitable[Response]]] = {
        op.method: merchant_endpoint(services, keys, op.handler) for op in operations
    }

    async def endpoint(request: Request) -> Response:
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, endpoint, methods=list(handlers))


def exception_handlers() -> Mapping[Any, Any]:
    return HANDLERS
