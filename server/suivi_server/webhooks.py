"""Carrier webhooks: pushed events enter the same pipeline as polled answers.

`POST /webhooks/{carrier}` serves every adapter that declares `webhook` (an InboundWebhook),
built-in or third-party, while the adapter setting the webhook names (`secret_setting`, read
from SUIVI_<CARRIER>_<SETTING> unless the server was given the adapter's settings) holds a
value; otherwise the endpoint does not exist (404). The adapter's `authenticate` proves the
sender (401), its `parse` reads the push (400 when the push cannot be trusted), and a body over
its `max_bytes` is refused (413). Each Tracking is applied to every shipment of that carrier with
that number, each in its own transaction through `worker.pipeline.ingest`, so a repeated push
stores nothing twice. A push for an unknown number is accepted too: there is nothing to retry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from suivi import Registry, Tracking
from suivi.errors import CarrierResponseInvalid, SuiviError
from suivi.toolkit import AdapterSettings, InboundWebhook
from suivi_server.api.body import read_body
from suivi_server.api.errors import ApiError
from suivi_server.estimates.models import TransitModels
from suivi_server.services import Services
from suivi_server.storage.schema import shipments
from suivi_server.worker.pipeline import ingest, shipment_rows

log = logging.getLogger("suivi.webhooks")
_s = shipments.c


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A configured carrier webhook: how it reads pushes, and the secret proving the sender."""

    carrier: str
    webhook: InboundWebhook
    secret: str


class Endpoints:
    """The carriers' webhooks, found in the Registry and configured by their adapter settings.

    Each carrier is resolved on its first push and remembered: settings are read once, like
    the worker's Tracker reads them.
    """

    def __init__(
        self, registry: Registry, adapters: Mapping[str, AdapterSettings] | None = None
    ) -> None:
        self._registry = registry
        self._adapters = dict(adapters or {})
        self._found: dict[str, Endpoint | None] = {}

    def get(self, carrier: str) -> Endpoint | None:
        """The carrier's configured webhook; None when it has none or it is not set up."""
        if carrier not in self._registry.names():
            return None  # not remembered: path segments are the caller's choice
        if carrier not in self._found:
            self._found[carrier] = self._resolve(carrier)
        return self._found[carrier]

    def _resolve(self, carrier: str) -> Endpoint | None:
        try:
            adapter = self._registry.get(carrier)
            if adapter.webhook is None:
                return None
            settings = self._adapters.get(carrier) or adapter.settings_from_env()
        except SuiviError as exc:  # a broken plugin or invalid settings: said once, in the log
            log.error("webhook of %s unavailable: %s", carrier, exc)
            return None
        secret = getattr(settings, adapter.webhook.secret_setting, None)
        if not secret:
            return None
        return Endpoint(adapter.name, adapter.webhook, str(secret))


def routes(
    services: Services,
    *,
    registry: Registry | None = None,
    adapters: Mapping[str, AdapterSettings] | None = None,
) -> list[Route]:
    """`POST /webhooks/{carrier}`; `adapters` are explicit adapter settings (else the env)."""
    models = TransitModels(services.engine)
    endpoints = Endpoints(registry if registry is not None else Registry(), adapters)

    async def push(request: Request) -> JSONResponse:
        endpoint = endpoints.get(request.path_params["carrier"])
        if endpoint is None:
            raise ApiError(404, "not_found", "no webhook is configured for this carrier")
        webhook = endpoint.webhook
        body = await read_body(request, webhook.max_bytes)
        if not webhook.authenticate(endpoint.secret, request.headers, body):
            raise ApiError(401, "unauthorized", "the push does not prove its sender")
        try:
            trackings = webhook.parse(body)
        except CarrierResponseInvalid as exc:
            raise ApiError(400, "invalid_payload", exc.message) from None
        matched = new_events = 0
        for tracking in trackings:
            shipment_count, event_count = await _feed(services, models, endpoint.carrier, tracking)
            matched, new_events = matched + shipment_count, new_events + event_count
        log.info(
            "%s push of %s: %d shipments, %d new events",
            endpoint.carrier,
            ", ".join(t.tracking_number for t in trackings) or "nothing",
            matched,
            new_events,
        )
        return JSONResponse(
            {"accepted": True, "shipments": matched, "new_events": new_events},
            webhook.accepted_status,
        )

    return [Route("/webhooks/{carrier}", push, methods=["POST"])]


async def _feed(
    services: Services, models: TransitModels, carrier: str, tracking: Tracking
) -> tuple[int, int]:
    """Apply the pushed answer to each matching shipment; (shipments, new events stored).

    Shipments are matched on the endpoint's carrier, never on what the push claims: a push
    to one carrier's webhook cannot touch another carrier's parcels.
    """
    now = services.clock()
    query = sa.select(_s.id).where(
        _s.carrier == carrier, _s.tracking_number == tracking.tracking_number
    )
    async with services.engine.connect() as conn:
        ids = list((await conn.execute(query)).scalars())
    if not ids:
        return 0, 0
    learned = await models.get(now)
    new_events = 0
    for shipment_id in ids:
        async with services.engine.begin() as conn:
            # The row's write lock before anything is read, on both databases (SQLite ignores
            # FOR UPDATE and starts a transaction only at its first write): the worker, another
            # push or a shopper's choice may be changing the same parcel.
            if (await conn.execute(_lock(shipment_id))).first() is None:
                continue  # deleted since the lookup
            row = (await conn.execute(shipment_rows().where(_s.id == shipment_id))).one()
            ingested = await ingest(
                conn, row, tracking, now, learned.model, preference=learned.preference
            )
            new_events += len(ingested.applied.new_events)
    return len(ids), new_events


def _lock(shipment_id: int) -> sa.Update:
    """A write that changes nothing (no count trigger watches `updated_at`), RETURNING the id:
    the row's lock on PostgreSQL, the database's write lock on SQLite."""
    return (
        sa.update(shipments)
        .where(_s.id == shipment_id)
        .values(updated_at=_s.updated_at)
        .returning(_s.id)
    )
