"""DPD France cargoNET Webtrace, simulated: `POST /trace-service/Webtrace_Service.asmx` (SOAP 1.1).

Like the real ASMX service, every error is a SOAP fault with HTTP 500: a SOAPAction it does not
know, credentials it refuses (worded as DPD's IP-permission fault, the only access fault DPD is
known to send) and an unknown shipment number. Milestones become DPD France StatusNumbers below.

`GET /mypudo/mypudo.asmx/GetPudoDetails?carrier=&key=&pudo_id=` is DPD's Pickup directory
describing a relay the simulator's parcels go to, as the real one answers (`RESPONSE{PUDO_ITEMS
{PUDO_ITEM}}`, see suivi_adapters.dpd); a wrong key or an unknown relay is `RESPONSE{ERROR}`,
whose wording DPD does not document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from suivi.soap import envelope, escape
from suivi.toolkit import PARIS
from suivi_adapters.dpd.codes import PUDO_COUNTRIES
from suivi_server.simulator import FailureStyle, Milestone, Parcel, SimEvent, Simulator

# The settings the adapter uses against the simulator, which accepts exactly these.
CREDENTIALS: dict[str, str] = {
    "user_id": "SIMUSER",
    "password": "sim-dpd-password",
    "customer_center": "77",
    "customer_number": "12345",
    "pudo_key": "sim-pudo-key",
}

M = Milestone
NS: Final = "http://www.cargonet.software/"
XML: Final = "text/xml; charset=utf-8"
ACTION: Final = "GetShipmentTraceSingle"
ALPHA3: Final = {alpha2: alpha3 for alpha3, alpha2 in PUDO_COUNTRIES.items()}

# Milestone -> (StatusNumber, StatusDescription). DPD France has no "delivered to a neighbour"
# code: it sends REMI (40) with the receiver's name, so that milestone reads as delivered.
# A relay-point collection is also REMI: the adapter reads it as a collection because the
# answer names a PointRelaisName. Returns use IRET (480), DPD's only "return under way" code.
NATIVE: Final[dict[Milestone, tuple[int, str]]] = {
    M.LABEL_CREATED: (
        8,
        "Consignation administrative du chargeur bien réceptionnée par DPD France",
    ),
    M.PICKED_UP: (44, "Colis enlevé chez l'expéditeur"),
    M.AT_HUB: (20, "Arrivée agence / centre de tri"),
    M.DEPARTED: (10, "Départ du centre expéditeur"),
    M.ARRIVED_AT_DELIVERY_SITE: (20, "Arrivée agence / centre de tri"),
    M.CUSTOMS: (205, "Colis en transit douane"),
    M.DELAYED: (29, "Colis non chargé, resté à quai"),
    M.OUT_FOR_DELIVERY: (30, "En tournée de livraison"),
    M.ATTEMPT_FAILED: (130, "Destinataire absent, avis de passage déposé"),
    M.TO_PICKUP_POINT: (129, "DPD a choisi de livrer votre colis en relais Pickup"),
    M.AVAILABLE_FOR_PICKUP: (71, "Colis livré au relais Pickup, en attente de retrait"),
    M.COLLECTED: (40, "Colis remis au destinataire"),
    M.DELIVERED: (40, "Livré au destinataire"),
    M.DELIVERED_TO_NEIGHBOUR: (40, "Livré au destinataire (remis à un voisin)"),
    M.ADDRESS_PROBLEM: (80, "Adresse de livraison erronée"),
    M.DAMAGED: (150, "Colis endommagé, non livrable"),
    M.REFUSED: (100, "Colis refusé par le destinataire sans motif exprimé"),
    M.RETURNING: (480, "Colis en retour vers l'expéditeur"),
    # 260-264 are the return under way; the shipper receiving it is a delivery after it.
    M.RETURNED: (40, "Colis remis à l'expéditeur"),
}
_RELAY: Final = frozenset({M.TO_PICKUP_POINT, M.AVAILABLE_FOR_PICKUP, M.COLLECTED})
_HANDED_OVER: Final = frozenset({M.DELIVERED, M.DELIVERED_TO_NEIGHBOUR, M.COLLECTED})


def fault(message: str, code: str = "soap:Server") -> Response:
    body = (
        f"<soap:Fault><faultcode>{code}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring><detail /></soap:Fault>"
    )
    return Response(envelope(body), 500, media_type=XML)


def permission_denied() -> Response:
    return fault(
        "Server was unable to process request. ---> IpPermissionDenied : "
        "No permission for this ip-Address"
    )


STYLE: Final = FailureStyle(
    unavailable=lambda: Response(
        "<h1>Service Unavailable</h1>", 503, media_type="text/html; charset=us-ascii"
    ),
    rate_limited=lambda seconds: Response(
        "<h1>Too Many Requests</h1>",
        429,
        media_type="text/html; charset=us-ascii",
        headers={"Retry-After": str(int(seconds))},
    ),
    unauthorized=permission_denied,
)


def _field(root: ET.Element, name: str) -> str:
    found = root.find(f".//{{{NS}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _paris(moment: datetime) -> tuple[str, str]:
    local = moment.astimezone(PARIS)
    return local.strftime("%d/%m/%Y"), local.strftime("%H:%M")


def _trace(event: SimEvent) -> str:
    code, label = NATIVE[event.milestone]
    day, clock = _paris(event.at)
    return (
        f"<clsTrace><StatusNumber>{code}</StatusNumber><ScanDate>{day}</ScanDate>"
        f"<ScanTime>{clock}</ScanTime><StatusDescription>{escape(label)}</StatusDescription>"
        f"<CenterName>{escape(event.city.upper())}</CenterName>"
        f"<CenterNumber>{escape(event.postcode[:2])}</CenterNumber>"
        "<User /><Remark /><Info /><Details /></clsTrace>"
    )


def _predict(parcel: Parcel) -> str:
    estimate = parcel.estimated_delivery()
    if estimate is None:
        return ""
    day = estimate.strftime("%d/%m/%Y")
    return (
        f"<DeliveryScheduled><StartDate>{day}</StartDate><EndDate>{day}</EndDate>"
        "<StartTime>13:00</StartTime><EndTime>14:00</EndTime></DeliveryScheduled>"
    )


def _relay(parcel: Parcel, events: list[SimEvent]) -> tuple[str, str]:
    if not any(e.milestone in _RELAY for e in events):
        return "", ""
    point = parcel.pickup_point
    return point.get("name", ""), f"https://www.dpd.fr/dpdrelais/id_{point.get('id', '')}"


def trace_result(parcel: Parcel, events: list[SimEvent]) -> bytes:
    """A GetShipmentTraceSingleResponse shaped like DPD's, events oldest first."""
    handed = [e for e in events if e.milestone in _HANDED_OVER]
    delivery_day = _paris(handed[-1].at)[0] if handed else ""
    relay_name, relay_link = _relay(parcel, events)
    result = (
        f"<Weight>{parcel.weight_kg}</Weight><IsB2C>true</IsB2C><IsRetour>false</IsRetour>"
        "<BarcodeSource>250</BarcodeSource>"
        f"<ReceiverDepotNumber>{escape(parcel.recipient_postcode[:2])}</ReceiverDepotNumber>"
        f"<ShipmentNumber>{escape(parcel.number)}</ShipmentNumber>"
        "<DestinationCountry>FR</DestinationCountry>"
        f"<DestinationZipcode>{escape(parcel.recipient_postcode)}</DestinationZipcode>"
        f"<ShippingDate>{_paris(events[0].at)[0]}</ShippingDate>"
        f"<DeliveryDate>{delivery_day}</DeliveryDate>"
        f"<Receiver>{escape(parcel.signed_by) if handed else ''}</Receiver>"
        f"{_predict(parcel)}<Traces>{''.join(_trace(e) for e in events)}</Traces>"
        f"<PointRelaisName>{escape(relay_name)}</PointRelaisName>"
        f"<PointRelaisLink>{escape(relay_link)}</PointRelaisLink>"
    )
    return envelope(
        f'<GetShipmentTraceSingleResponse xmlns="{NS}"><GetShipmentTraceSingleResult>'
        f"{result}</GetShipmentTraceSingleResult></GetShipmentTraceSingleResponse>"
    )


def _opening_items(parcel: Parcel) -> str:
    """The week as OPENING_HOURS_ITEMs, one per span, DAY_ID 1 (Monday) to 7; closed: none."""
    return "".join(
        f"<OPENING_HOURS_ITEM><DAY_ID>{day}</DAY_ID><START_TM>{opens}</START_TM>"
        f"<END_TM>{closes}</END_TM></OPENING_HOURS_ITEM>"
        for day, hours in enumerate(parcel.pickup_hours, start=1)
        for opens, closes in (span.split("-") for span in hours.split())
    )


def pudo_details(parcel: Parcel) -> bytes:
    """GetPudoDetails' answer for the parcel's relay."""
    point = parcel.pickup_point
    number, _, rest = point["address"].partition(" ")
    streetnum, first = (number, rest) if number.isdigit() else ("", point["address"])
    fields = [
        ("PUDO_ID", point["id"]),
        ("ORDER", "1"),
        ("DISTANCE", "0"),
        ("PUDO_TYPE", "100"),
        ("NAME", point["name"]),
        ("LANGUAGE", "FR"),
        ("STREETNUM", streetnum),
        ("ADDRESS1", first),
        ("ADDRESS2", ""),
        ("ADDRESS3", ""),
        ("LOCATION_HINT", ""),
        ("ZIPCODE", point["postcode"]),
        ("CITY", point["city"]),
        ("COUNTRY", ALPHA3.get(point["country"], point["country"])),
        ("LONGITUDE", "2,37250"),
        ("LATITUDE", "48,86550"),
        ("HANDICAPES", "False"),
        ("PARKING", "False"),
        ("MAP_URL", f"https://www.dpd.fr/dpdrelais/id_{point['id']}"),
        ("AVAILABLE", "full"),
    ]
    inner = "".join(f"<{k}>{escape(v)}</{k}>" if v else f"<{k} />" for k, v in fields)
    return (
        '<?xml version="1.0" encoding="utf-8"?><RESPONSE quality="1"><REQUEST_ID />'
        f'<PUDO_ITEMS><PUDO_ITEM active="true" overloaded="false">{inner}'
        f"<OPENING_HOURS_ITEMS>{_opening_items(parcel)}</OPENING_HOURS_ITEMS><HOLIDAY_ITEMS />"
        "</PUDO_ITEM></PUDO_ITEMS></RESPONSE>"
    ).encode()


def pudo_error(message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<RESPONSE quality="0"><ERROR>{message}</ERROR></RESPONSE>'
    )
    return Response(body, media_type=XML)


def routes(sim: Simulator) -> list[BaseRoute]:
    async def webtrace(request: Request) -> Response:
        action = request.headers.get("soapaction", "").strip('"')
        body = await request.body()

        def build() -> Response:
            if action != NS + ACTION:
                return fault(
                    f"Server did not recognize the value of HTTP Header SOAPAction: {action}.",
                    "soap:Client",
                )
            try:
                root = ET.fromstring(body)
            except ET.ParseError:
                return fault("Server was unable to read request.", "soap:Client")
            expected = sim.credentials["dpd"]
            given = {"user_id": _field(root, "userid"), "password": _field(root, "password")}
            if any(expected.get(key) != value for key, value in given.items()):
                return permission_denied()
            number = _field(root, "ShipmentNumber")
            parcel = sim.parcel("dpd", number)
            events = parcel.events(sim.clock.now()) if parcel else []
            if parcel is None or not events:
                return fault(
                    "Server was unable to process request. ---> ShipmentNotFound : "
                    f"no shipment found for ShipmentNumber {number}"
                )
            return Response(trace_result(parcel, events), media_type=XML)

        return await sim.respond("dpd", build, STYLE)

    async def pudo(request: Request) -> Response:
        query = request.query_params

        def build() -> Response:
            if query.get("key") != sim.credentials["dpd"].get("pudo_key"):
                return pudo_error("Invalid key")
            wanted = query.get("pudo_id", "")
            parcel = next(
                (
                    p
                    for (carrier, _), p in sim.parcels.items()
                    if carrier == "dpd" and p.pickup_point.get("id") == wanted
                ),
                None,
            )
            if parcel is None:
                return pudo_error(f"No PUDO found for pudo_id {escape(wanted)}")
            return Response(pudo_details(parcel), media_type=XML)

        return await sim.respond("dpd", build, STYLE)

    return [
        Route("/trace-service/Webtrace_Service.asmx", webtrace, methods=["POST"]),
        Route("/mypudo/mypudo.asmx/GetPudoDetails", pudo, methods=["GET"]),
    ]
