"""The simulator's Starlette app: carriers' real endpoints plus `/_sim/*` control endpoints.

The carriers' endpoints are those of `sim.carriers`, found in the Registry (see `carriers`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from suivi_server.simulator.engine import Simulator
from suivi_server.simulator.scenario import Failure, FailureKind, parcel_from_dict


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def create_app(sim: Simulator) -> Starlette:
    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                data = await _json(request)
                if "now" in data:
                    sim.clock.set(datetime.fromisoformat(data["now"]))
                else:
                    sim.clock.advance(float(data.get("advance_seconds", 0)))
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"now": sim.clock.now().isoformat()})

    async def failures(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            sim.clear_failures()
            return JSONResponse({"cleared": True})
        try:
            data = await _json(request)
            failure = Failure(
                carrier=str(data["carrier"]),
                kind=FailureKind(data["kind"]),
                count=int(data.get("count", 1)),
                seconds=float(data.get("seconds", 1.0)),
            )
        except (KeyError, ValueError, TypeError) as exc:
            return JSONResponse({"error": f"bad failure: {exc}"}, 400)
        sim.add_failure(failure)
        return JSONResponse({"queued": data}, 201)

    async def parcels(request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                parcel = parcel_from_dict(await _json(request), sim.clock.now())
            except (KeyError, ValueError, TypeError) as exc:
                return JSONResponse({"error": f"bad parcel: {exc}"}, 400)
            if parcel.carrier not in sim.carriers:
                known = ", ".join(sim.carriers) or "none"
                return JSONResponse(
                    {"error": f"bad parcel: {parcel.carrier!r} is not simulated (known: {known})"},
                    400,
                )
            sim.add_parcel(parcel)
            return JSONResponse({"carrier": parcel.carrier, "number": parcel.number}, 201)
        return JSONResponse(
            [{"carrier": c, "number": n, "story": p.story} for (c, n), p in sim.parcels.items()]
        )

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"requests": dict(sim.requests)})

    control = [
        Route("/_sim/clock", clock, methods=["GET", "POST"]),
        Route("/_sim/failures", failures, methods=["POST", "DELETE"]),
        Route("/_sim/parcels", parcels, methods=["GET", "POST"]),
        Route("/_sim/stats", stats),
    ]
    carriers = [route for simulated in sim.carriers.values() for route in simulated.routes(sim)]
    return Starlette(routes=control + carriers)
