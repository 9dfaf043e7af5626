"""UPS in the simulator: the OAuth token endpoint and Track API v1, in UPS's real JSON.

`POST /security/v1/oauth/token` checks HTTP Basic credentials against `sim.credentials["ups"]`
and issues tokens that expire after `expires_in` seconds of simulated time. `GET
/api/track/v1/details/{inquiryNumber}` answers 401 for a missing, unknown or expired token,
400 TV1002 for a malformed number, 404 TW0001 for an unknown one. Failure modes queued for
"ups" hit the Track API; those queued for "ups.oauth" hit the token endpoint.

`POST /api/locations/{version}/search/availabilities/64` is the Locator's Access Point search
(same tokens): it lists the Access Points of the simulator's parcels at the asked postcode, in
the real answer's shape (see suivi_adapters.ups.locator), with an empty `SearchResults` when
none is there; UPS does not document that case's answer. Failure modes: "ups.locator".
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from suivi.toolkit import PARIS
from suivi_server.simulator import FailureStyle, Milestone, Parcel, SimEvent, Simulator

# The settings the adapter uses against the simulator, which accepts exactly these.
CREDENTIALS: dict[str, str] = {"client_id": "sim-ups-client", "client_secret": "sim-ups-secret"}

M = Milestone
TOKEN_LIFETIME = 14399  # seconds, as UPS issues them
PICKUP_HOLD_DAYS = 7  # UPS Access Points keep a parcel 7 days in Europe

# milestone → (status.type, status.statusCode, status.code scan code, status.description);
# every statusCode/type here is mapped by suivi_adapters.ups.codes.
NATIVE: dict[Milestone, tuple[str, str, str, str]] = {
    M.LABEL_CREATED: (
        "M",
        "003",
        "MP",
        "Shipper created a label, UPS has not received the package yet.",
    ),
    M.PICKED_UP: ("P", "038", "PU", "Pickup Scan"),
    M.AT_HUB: ("I", "005", "AR", "Arrived at Facility"),
    M.DEPARTED: ("I", "005", "DP", "Departed from Facility"),
    M.ARRIVED_AT_DELIVERY_SITE: ("I", "071", "YP", "Processing at UPS Facility"),
    M.CUSTOMS: ("I", "012", "IP", "Clearance in Progress"),
    M.DELAYED: ("X", "048", "1X", "Your package is delayed. Check back later for updates."),
    M.OUT_FOR_DELIVERY: ("I", "021", "OT", "Out For Delivery Today"),
    M.ATTEMPT_FAILED: (
        "X",
        "022",
        "48",
        "The receiver was not available for delivery. We'll make a second attempt.",
    ),
    M.TO_PICKUP_POINT: ("I", "057", "5R", "On the Way to a Local UPS Access Point™"),
    M.AVAILABLE_FOR_PICKUP: ("X", "161", "2Q", "Delivered to UPS Access Point™"),
    M.COLLECTED: (
        "D",
        "011",
        "KM",
        "DELIVERED: The receiver picked up the package at the UPS Access Point™",
    ),
    M.DELIVERED: ("D", "011", "KB", "DELIVERED"),
    M.DELIVERED_TO_NEIGHBOUR: ("D", "011", "KB", "DELIVERED TO NEIGHBOUR"),
    M.ADDRESS_PROBLEM: (
        "X",
        "050",
        "BE",
        "The address is incomplete. We're attempting to update this address.",
    ),
    M.DAMAGED: ("X", "059", "UJ", "Damage Reported"),
    M.REFUSED: ("X", "064", "RF", "The receiver refused the delivery."),
    M.RETURNING: ("I", "035", "RS", "Returning to Sender: In Transit to UPS Facility"),
    M.RETURNED: ("D", "034", "RT", "Returned to Sender"),
}
DELIVERY_PLACE: dict[Milestone, str] = {
    M.DELIVERED: "Front Door",
    M.DELIVERED_TO_NEIGHBOUR: "Neighbour",
    M.COLLECTED: "UPS Access Point",
}
PICKUP_MILESTONES = frozenset({M.TO_PICKUP_POINT, M.AVAILABLE_FOR_PICKUP, M.COLLECTED})
ACCESS_POINT_SEARCH = "64"  # the Locator's reqOption for UPS Access Point locations
WEEK_DAYS = (2, 3, 4, 5, 6, 7, 1)  # DayOfWeek.Day of Monday .. Sunday (1 is Sunday)


def _errors(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = {"response": {"errors": [{"code": code, "message": message}]}}
    return JSONResponse(body, status, headers=headers or None)


STYLE = FailureStyle(
    unavailable=lambda: _errors(503, "503", "Resource is not available"),
    rate_limited=lambda retry_after: _errors(
        429, "429", "Too Many Requests", **{"Retry-After": str(int(retry_after))}
    ),
    unauthorized=lambda: _errors(401, "250002", "Invalid Authentication Information."),
)


def _address(city: str, postcode: str, country: str = "FR") -> dict[str, str]:
    return {
        "city": city,
        "stateProvince": "",
        "postalCode": postcode,
        "countryCode": country,
        "country": country,
    }


def _activity(event: SimEvent) -> dict[str, Any]:
    kind, status_code, code, description = NATIVE[event.milestone]
    local, gmt = event.at.astimezone(PARIS), event.at.astimezone(UTC)
    offset = local.strftime("%z")
    return {
        "location": {"address": _address(event.city, event.postcode, event.country)},
        "status": {
            "type": kind,
            "description": description,
            "code": code,
            "statusCode": status_code,
        },
        "date": local.strftime("%Y%m%d"),
        "time": local.strftime("%H%M%S"),
        "gmtDate": gmt.strftime("%Y%m%d"),
        "gmtTime": gmt.strftime("%H:%M:%S"),
        "gmtOffset": f"{offset[:3]}:{offset[3:]}",
    }


def _delivery(parcel: Parcel, last: SimEvent) -> dict[str, Any]:
    """deliveryDate/deliveryTime (+ deliveryInformation once delivered)."""
    if last.milestone in DELIVERY_PLACE:
        local = last.at.astimezone(PARIS)
        return {
            "deliveryDate": [{"type": "DEL", "date": local.strftime("%Y%m%d")}],
            "deliveryTime": {"type": "DEL", "endTime": local.strftime("%H%M%S")},
            "deliveryInformation": {
                "location": DELIVERY_PLACE[last.milestone],
                "receivedBy": parcel.signed_by,
                "signature": {"image": ""},
            },
        }
    estimate = parcel.estimated_delivery()
    if estimate is None:
        return {}
    return {
        "deliveryDate": [{"type": "SDD", "date": estimate.strftime("%Y%m%d")}],
        "deliveryTime": {"type": "EOD", "startTime": "", "endTime": "235900"},
    }


def _access_point(parcel: Parcel, events: list[SimEvent]) -> dict[str, Any]:
    """The Access Point address and collect-by date once the parcel is routed there."""
    if not any(e.milestone in PICKUP_MILESTONES for e in events):
        return {}
    point = parcel.pickup_point
    available = next((e.at for e in events if e.milestone is M.AVAILABLE_FOR_PICKUP), None)
    info: dict[str, str] = {}
    if available is not None:
        deadline = (available + timedelta(days=PICKUP_HOLD_DAYS)).astimezone(PARIS)
        info["pickupByDate"] = deadline.strftime("%Y%m%d")
    entry = {
        "type": "DELIVERY",
        "name": point["name"],
        "address": {"addressLine1": point["address"]}
        | _address(point["city"], point["postcode"], point["country"]),
    }
    return {"accessPointInformation": info, "packageAddress": [entry]}


def track_body(parcel: Parcel, events: list[SimEvent]) -> dict[str, Any]:
    """A Track API answer for the events visible now (given oldest first)."""
    activities = [_activity(event) for event in reversed(events)]
    access_point = _access_point(parcel, events)
    addresses = [
        {"type": "ORIGIN", "address": _address(events[0].city, events[0].postcode)},
        {
            "type": "DESTINATION",
            "address": _address(parcel.recipient_city, parcel.recipient_postcode),
        },
        *access_point.pop("packageAddress", []),
    ]
    package = {
        "trackingNumber": parcel.number,
        **_delivery(parcel, events[-1]),
        **access_point,
        "activity": activities,
        "currentStatus": dict(activities[0]["status"], simplifiedTextDescription=""),
        "packageAddress": addresses,
        "weight": {"unitOfMeasurement": "KGS", "weight": f"{parcel.weight_kg:.2f}"},
        "service": {
            "code": "011",
            "levelCode": "011",
            "description": parcel.service or "UPS Standard",
        },
        "packageCount": 1,
    }
    return {"trackResponse": {"shipment": [{"inquiryNumber": parcel.number, "package": [package]}]}}


def _day_of_week(day: int, hours: str) -> dict[str, Any]:
    """One DayOfWeek: "HHMM" without a leading zero, a list when the day has a break."""
    spans = [span.split("-") for span in hours.split()]
    if not spans:
        return {"Day": str(day), "ClosedIndicator": ""}
    opens = [str(int(o.replace(":", ""))) for o, _ in spans]
    closes = [str(int(c.replace(":", ""))) for _, c in spans]
    if len(spans) == 1:
        return {"Day": str(day), "OpenHours": opens[0], "CloseHours": closes[0]}
    return {"Day": str(day), "OpenHours": opens, "CloseHours": closes}


def drop_location(parcel: Parcel) -> dict[str, Any]:
    """The parcel's Access Point as a Locator DropLocation, Sunday first as UPS lists days."""
    point = parcel.pickup_point
    week = sorted(zip(WEEK_DAYS, parcel.pickup_hours, strict=True))
    return {
        "LocationID": point["id"],
        "OriginOrDestination": "01",
        "IVR": {"PhraseID": "0"},
        "Geocode": {"Latitude": "48.8655", "Longitude": "2.3725"},
        "AddressKeyFormat": {
            "ConsigneeName": point["name"],
            "AddressLine": point["address"],
            "PoliticalDivision2": point["city"],
            "PoliticalDivision1": "",
            "PostcodePrimaryLow": point["postcode"],
            "CountryCode": point["country"],
        },
        "PhoneNumber": "",
        "LocationAttribute": [
            {"OptionType": {"Code": "01"}, "OptionCode": {"Code": "018"}},
        ],
        "Distance": {"Value": "0.0", "UnitOfMeasurement": {"Code": "KM"}},
        "Timezone": "Europe/Paris",
        "OperatingHours": {
            "StandardHours": [
                {"HoursType": "10", "DayOfWeek": [_day_of_week(d, h) for d, h in week]}
            ]
        },
        "AccessPointInformation": {
            "PublicAccessPointID": f"U{point['id']}",
            "AccessPointStatus": {"Code": "01", "Description": "Active-available"},
        },
    }


def locator_body(parcels: list[Parcel]) -> dict[str, Any]:
    """The Locator's answer listing the parcels' Access Points, each once."""
    seen: dict[str, dict[str, Any]] = {}
    for parcel in parcels:
        seen.setdefault(parcel.pickup_point["id"], drop_location(parcel))
    results = {"DropLocation": list(seen.values())} if seen else {}
    return {
        "LocatorResponse": {
            "Response": {"ResponseStatusCode": "1", "ResponseStatusDescription": "Success"},
            "SearchResults": results,
        }
    }


def routes(sim: Simulator) -> list[BaseRoute]:
    tokens: dict[str, datetime] = {}

    def authorized(request: Request) -> Response | None:
        """401 for a missing, unknown or expired token; 400 without UPS's headers."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        expiry = tokens.get(token) if scheme.lower() == "bearer" else None
        if expiry is None or expiry <= sim.clock.now():
            return STYLE.unauthorized()
        if not request.headers.get("transId") or not request.headers.get("transactionSrc"):
            return _errors(400, "400", "Missing required header transId or transactionSrc")
        return None

    def issue(request: Request, form: dict[str, list[str]]) -> Response:
        expected = sim.credentials["ups"]
        try:
            scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            scheme, client_id, secret = "", "", ""
        if scheme.lower() != "basic" or client_id != expected["client_id"]:
            return _errors(401, "10401", "ClientId is Invalid")
        if secret != expected["client_secret"]:
            return _errors(401, "10401", "ClientSecret is Invalid")
        if form.get("grant_type") != ["client_credentials"]:
            return _errors(400, "10400", "Invalid/Missing grant_type")
        now = sim.clock.now()
        token = secrets.token_urlsafe(32)
        tokens[token] = now + timedelta(seconds=TOKEN_LIFETIME)
        return JSONResponse(
            {
                "token_type": "Bearer",
                "issued_at": str(int(now.timestamp() * 1000)),
                "client_id": client_id,
                "access_token": token,
                "scope": "",
                "expires_in": str(TOKEN_LIFETIME),
                "refresh_count": "0",
                "status": "approved",
            }
        )

    def answer(request: Request) -> Response:
        refused = authorized(request)
        if refused is not None:
            return refused
        number = request.path_params["number"]
        if not (7 <= len(number) <= 34 and number.isalnum()):
            return _errors(400, "TV1002", "Invalid inquiry number")
        parcel = sim.parcel("ups", number)
        events = parcel.events(sim.clock.now()) if parcel else []
        if parcel is None or not events:
            return _errors(404, "TW0001", "Tracking Information Not Found")
        return JSONResponse(track_body(parcel, events))

    def locate(request: Request, payload: bytes) -> Response:
        refused = authorized(request)
        if refused is not None:
            return refused
        if request.path_params["option"] != ACCESS_POINT_SEARCH:
            return _errors(400, "400", "Only Access Point searches are simulated")
        try:
            origin = json.loads(payload)["LocatorRequest"]["OriginAddress"]["AddressKeyFormat"]
            postcode = origin["PostcodePrimaryLow"]
        except (ValueError, KeyError, TypeError):
            return _errors(400, "400", "Invalid LocatorRequest")
        near = [
            parcel
            for (carrier, _), parcel in sim.parcels.items()
            if carrier == "ups" and parcel.pickup_point.get("postcode") == postcode
        ]
        return JSONResponse(locator_body(near))

    async def locator_endpoint(request: Request) -> Response:
        payload = await request.body()
        return await sim.respond("ups.locator", lambda: locate(request, payload), STYLE)

    async def token_endpoint(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        return await sim.respond("ups.oauth", lambda: issue(request, form), STYLE)

    async def track_endpoint(request: Request) -> Response:
        return await sim.respond("ups", lambda: answer(request), STYLE)

    return [
        Route("/security/v1/oauth/token", token_endpoint, methods=["POST"]),
        Route("/api/track/v1/details/{number}", track_endpoint, methods=["GET"]),
        Route(
            "/api/locations/{version}/search/availabilities/{option}",
            locator_endpoint,
            methods=["POST"],
        ),
    ]
