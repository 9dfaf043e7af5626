"""Carrier webhooks: pushed events enter the same pipeline as polled answers.

`POST /webhooks/ups` receives UPS Track Alert events (one per request, see
`suivi_adapters.ups.webhook`). UPS proves it is the sender by echoing, in the `credential`
header, the secret given when subscribing (SUIVI_UPS_WEBHOOK_CREDENTIAL); without that
setting the endpoint does not exist (404). The push is applied to every UPS shipment with
that number, each in its own transaction through `worker.pipeline.ingest`, so a repeated push
stores nothing twice. UPS only expects a 200 ("the data was received successfully"), so a
push for an unknown number is accepted too: there is nothing to retry.
"""

from __future__ import annotations

import hmac
import logging

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from suivi import Tracking
from suivi.errors import CarrierResponseInvalid
from suivi_adapters.ups.webhook import CREDENTIAL_HEADER, parse_track_alert
from suivi_server.api.body import read_body
from suivi_server.api.errors import ApiError
from suivi_server.estimates.models import TransitModels
from suivi_server.services import Services
from suivi_server.storage.schema import shipments
from suivi_server.worker.pipeline import ingest, shipment_rows

log = logging.getLogger("suivi.webhooks")
_s = shipments.c
MAX_PUSH_BYTES = 64 * 1024  # one event is well under 2 KB


def routes(services: Services) -> list[Route]:
    models = TransitModels(services.engine)

    async def ups(request: Request) -> JSONResponse:
        expected = services.settings.ups_webhook_credential
        if not expected:
            raise ApiError(404, "not_found", "the UPS webhook is not configured")
        given = request.headers.get(CREDENTIAL_HEADER, "").encode("latin-1")
        if not hmac.compare_digest(given, expected.encode()):
            raise ApiError(401, "unauthorized", f"missing or wrong {CREDENTIAL_HEADER} header")
        try:
            tracking = parse_track_alert(await read_body(request, MAX_PUSH_BYTES))
        except CarrierResponseInvalid as exc:
            raise ApiError(400, "invalid_payload", exc.message) from None
        matched, new_events = await _feed(services, models, tracking)
        log.info(
            "ups push %s: %d shipments, %d new events",
            tracking.tracking_number,
            matched,
            new_events,
        )
        return JSONResponse({"accepted": True, "shipments": matched, "new_events": new_events})

    return [Route("/webhooks/ups", ups, methods=["POST"])]


async def _feed(services: Services, models: TransitModels, tracking: Tracking) -> tuple[int, int]:
    """Apply the pushed answer to each matching shipment; (shipments, new events stored)."""
    now = services.clock()
    query = sa.select(_s.id).where(
        _s.carrier == tracking.carrier, _s.tracking_number == tracking.tracking_number
    )
    async with services.engine.connect() as conn:
        ids = list((await conn.execute(query)).scalars())
    if not ids:
        return 0, 0
    learned = await models.get(now)
    new_events = 0
    for shipment_id in ids:
        async with services.engine.begin() as conn:
            # Read under the row lock: the worker may be applying a poll of the same parcel.
            locked = shipment_rows().where(_s.id == shipment_id).with_for_update(of=shipments)
            row = (await conn.execute(locked)).first()
            if row is None:  # deleted since the lookup
                continue
            ingested = await ingest(
                conn, row, tracking, now, learned.model, preference=learned.preference
            )
            await conn.execute(
                sa.update(shipments).where(_s.id == shipment_id).values(**ingested.values)
            )
            new_events += len(ingested.applied.new_events)
    return len(ids), new_events
