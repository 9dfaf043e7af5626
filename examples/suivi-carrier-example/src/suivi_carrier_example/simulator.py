"""Example Express, simulated: `POST /v1/track` answering as the carrier's API does.

Written against `suivi_server.simulator`'s public names only: each scripted parcel's
milestones become the carrier's codes and wording below, times are written on Lisbon's wall
clock, and errors come in the carrier's JSON (`{"error": ...}`).
"""

from __future__ import annotations

import json
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from suivi_server.simulator import FailureStyle, Milestone, SimEvent, Simulator

from suivi_carrier_example.adapter import TRACK_PATH, ExampleAdapter

CARRIER: Final = ExampleAdapter.name
CREDENTIALS: dict[str, str] = {"api_key": "sim-example-key"}
"""The settings the adapter uses against the simulator, which accepts exactly these."""

M = Milestone
NATIVE: Final[dict[Milestone, tuple[str, str]]] = {
    M.LABEL_CREATED: ("CRE", "Label created by the shipper"),
    M.PICKED_UP: ("COL", "Collected from the shipper"),
    M.AT_HUB: ("HUB", "Sorted at hub"),
    M.DEPARTED: ("DEP", "Left the hub"),
    M.ARRIVED_AT_DELIVERY_SITE: ("DST", "Arrived at the delivering depot"),
    M.CUSTOMS: ("CUS", "Presented to customs"),
    M.DELAYED: ("DLY", "Missed its connection, on the next departure"),
    M.OUT_FOR_DELIVERY: ("OFD", "Out for delivery"),
    M.ATTEMPT_FAILED: ("ABS", "Recipient absent, card left"),
    M.TO_PICKUP_POINT: ("RPT", "On its way to the pickup point"),
    M.AVAILABLE_FOR_PICKUP: ("AVL", "Waiting at the pickup point"),
    M.COLLECTED: ("PCK", "Collected at the pickup point"),
    M.DELIVERED: ("DLV", "Delivered to the recipient"),
    M.DELIVERED_TO_NEIGHBOUR: ("NBR", "Delivered to a neighbour"),
    M.ADDRESS_PROBLEM: ("ADR", "Address incomplete, recipient contacted"),
    M.DAMAGED: ("DMG", "Parcel damaged"),
    M.REFUSED: ("REF", "Refused by the recipient"),
    M.RETURNING: ("RTS", "Returning to the shipper"),
    M.RETURNED: ("RTD", "Returned to the shipper"),
}

STYLE: Final = FailureStyle(
    unavailable=lambda: JSONResponse({"error": "maintenance"}, 503),
    rate_limited=lambda seconds: JSONResponse(
        {"error": "rate_limited"}, 429, headers={"Retry-After": str(int(seconds))}
    ),
    unauthorized=lambda: JSONResponse({"error": "invalid_api_key"}, 401),
)


def event_json(event: SimEvent) -> dict[str, Any]:
    code, text = NATIVE[event.milestone]
    local = event.at.astimezone(ExampleAdapter.timezone)
    depot = {"city": event.city, "postcode": event.postcode, "country": event.country}
    return {"code": code, "time": local.strftime("%Y-%m-%d %H:%M"), "text": text, "depot": depot}


def result_json(sim: Simulator, number: str) -> dict[str, Any]:
    """One number's result: its events so far, oldest first, or `found: false`."""
    parcel = sim.parcel(CARRIER, number)
    events = parcel.events(sim.clock.now()) if parcel else []
    if parcel is None or not events:
        return {"parcel": number, "found": False}
    eta = parcel.estimated_delivery()
    return {
        "parcel": parcel.number,
        "found": True,
        "service": parcel.service or "Standard",
        "eta": eta.isoformat() if eta else None,
        "events": [event_json(event) for event in events],
    }


def asked_numbers(body: bytes) -> list[str] | None:
    """The numbers of a well-formed request body; None otherwise."""
    try:
        parcels = json.loads(body)["parcels"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(parcels, list) or not all(isinstance(n, str) for n in parcels):
        return None
    return parcels


def routes(sim: Simulator) -> list[BaseRoute]:
    async def track(request: Request) -> Response:
        body = await request.body()

        def build() -> Response:
            if request.headers.get("x-api-key") != sim.credentials[CARRIER].get("api_key"):
                return JSONResponse({"error": "invalid_api_key"}, 401)
            numbers = asked_numbers(body)
            if not numbers:
                return JSONResponse({"error": "bad_request"}, 400)
            if len(numbers) > ExampleAdapter.max_batch:
                return JSONResponse({"error": "too_many_parcels"}, 400)
            return JSONResponse({"results": [result_json(sim, n) for n in numbers]})

        return await sim.respond(CARRIER, build, STYLE)

    return [Route(TRACK_PATH, track, methods=["POST"])]
