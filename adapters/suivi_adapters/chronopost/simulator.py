"""Chronopost TrackingServiceWS as the real service speaks it: SOAP 1.1 trackSkybillV2.

`POST /tracking-cxf/TrackingServiceWS` with a `cxf:trackSkybillV2(language, skybillNumber)`
envelope; answers `ns2:trackSkybillV2Response` with events oldest first and space-padded codes,
an empty `listEventInfoComp` for unknown numbers, and CXF faults (HTTP 500) for broken requests.
The operation needs no credentials, so there is nothing to check against sim.credentials; a 401
only happens through the `expired_token` failure mode (a gateway refusing the call).

Milestones with no known Chronopost code use the closest wording the real service sends:
delivered_to_neighbour = D with a neighbour label, refused = P with a refusal label, damaged =
I2 (incident) with a damage label, returned = D after R (the return leg's delivery), customs =
EI (entered the destination country). The estimate is sent as an appointment window
("Début/Fin créneau RDV") on the newest event, as the service does on DC/TA scans.

`POST /recherchebt-ws-cxf/PointRelaisServiceWS` answers `recherchePointChronopostInter` with the
pickup points of the simulator's parcels at the asked postcode, in the real answer's shape (see
suivi_adapters.chronopost); a wrong account is a non-zero errorCode, whose wording Chronopost
does not document.
"""

from __future__ import annotations

from datetime import date, datetime
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from suivi.errors import CarrierResponseInvalid
from suivi.soap import find, parse_xml, text
from suivi.toolkit import PARIS, RawResponse
from suivi_server.simulator import FailureStyle, Milestone, Parcel, SimEvent, Simulator

# The settings the adapter uses against the simulator, which accepts exactly these.
CREDENTIALS: dict[str, str] = {"account_number": "19869502", "password": "sim-chrono-password"}

PATH = "/tracking-cxf/TrackingServiceWS"
NAMESPACE = "http://cxf.tracking.soap.chronopost.fr/"
POINT_PATH = "/recherchebt-ws-cxf/PointRelaisServiceWS"
POINT_NAMESPACE = "http://cxf.rechercheBt.soap.chronopost.fr/"
POINT_OPERATION = "recherchePointChronopostInter"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MEDIA_TYPE = "text/xml;charset=UTF-8"
M = Milestone

# Milestone → (code as sent, space-padded to 3; French eventLabel).
NATIVE: dict[Milestone, tuple[str, str]] = {
    M.LABEL_CREATED: ("DC ", "Colis en cours de préparation chez l'expéditeur"),
    M.PICKED_UP: ("PC ", "Colis pris en charge chez l'expéditeur"),
    M.AT_HUB: ("TS ", "Colis en cours d'acheminement"),
    M.DEPARTED: ("SC ", "Tri effectué dans l'agence de départ"),
    M.ARRIVED_AT_DELIVERY_SITE: ("SD ", "Tri effectué dans l'agence de distribution"),
    M.CUSTOMS: ("EI ", "Colis entré dans le pays de destination"),
    M.DELAYED: ("AT ", "Colis retardé durant l'acheminement"),
    M.OUT_FOR_DELIVERY: ("TA ", "Colis en cours de livraison par le livreur"),
    M.ATTEMPT_FAILED: ("P  ", "Echec de livraison suite à l'absence du destinataire."),
    M.TO_PICKUP_POINT: ("RB ", "Colis en cours de livraison au point de retrait"),
    M.AVAILABLE_FOR_PICKUP: ("AB ", "Colis mis à disposition au point de retrait"),
    M.COLLECTED: ("D  ", "Livraison effectuée"),
    M.DELIVERED: ("D  ", "Livraison effectuée"),
    M.DELIVERED_TO_NEIGHBOUR: ("D  ", "Livraison effectuée chez un voisin"),
    M.ADDRESS_PROBLEM: ("SK ", "Colis en attente d'informations complémentaires de votre part"),
    M.DAMAGED: ("I2 ", "Colis endommagé durant l'acheminement"),
    M.REFUSED: ("P  ", "Echec de livraison suite au refus du destinataire."),
    M.RETURNING: ("R  ", "Colis en retour expéditeur"),
    M.RETURNED: ("D  ", "Livraison effectuée"),
}
SIGNED = frozenset({M.DELIVERED, M.COLLECTED, M.DELIVERED_TO_NEIGHBOUR})
HIGH_PRIORITY = frozenset({"D", "P"})  # as in the samples
FINAL = frozenset({M.DELIVERED, M.COLLECTED, M.DELIVERED_TO_NEIGHBOUR, M.RETURNED})


def _envelope(body: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>{body}</soap:Body></soap:Envelope>'
    ).encode()


def fault(
    code: str, message: str, status: int = 500, headers: dict[str, str] | None = None
) -> Response:
    """A CXF SOAP 1.1 fault."""
    body = (
        f"<soap:Fault><faultcode>soap:{code}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring></soap:Fault>"
    )
    return Response(_envelope(body), status, headers=headers, media_type=MEDIA_TYPE)


STYLE = FailureStyle(
    unavailable=lambda: fault("Server", "Fault occurred while processing."),
    rate_limited=lambda retry_after: fault(
        "Server", "Too Many Requests", 429, {"Retry-After": str(int(retry_after))}
    ),
    unauthorized=lambda: fault("Client", "Unauthorized", 401),
)


def _info(name: str, value: str) -> str:
    return f"<infoCompList><name>{escape(name)}</name><value>{escape(value)}</value></infoCompList>"


def _extras(parcel: Parcel, event: SimEvent) -> list[str]:
    """The infoComps Chronopost adds to some scans (pickup point, signer, delivery point)."""
    point = parcel.pickup_point
    if event.milestone is M.AVAILABLE_FOR_PICKUP:
        where = " - ".join(point[k] for k in ("name", "address", "postcode", "city", "country"))
        return [_info("Type de retrait", "Relais CHRONOPOST"), _info("Point de retrait", where)]
    if event.milestone in SIGNED:
        return [_info("Nom du réceptionnaire", parcel.signed_by)]
    if event.milestone is M.LABEL_CREATED:
        city = parcel.recipient_city.upper()
        where = f"{parcel.signed_by} - 1 RUE EXEMPLE - {parcel.recipient_postcode} - {city} - FR"
        return [_info("Point de livraison", where)]
    return []


def _window(day: date) -> list[str]:
    stamp = day.strftime("%d/%m/%Y")
    return [
        _info("Début créneau RDV", f"{stamp} 08:00"),
        _info("Fin créneau RDV", f"{stamp} 18:00"),
    ]


def _event(parcel: Parcel, event: SimEvent, extra: list[str]) -> str:
    code, label = NATIVE[event.milestone]
    web = event.milestone is M.LABEL_CREATED
    office = "Web Services" if web else f"{event.city.upper()} CHRONOPOST"
    postcode = "" if web else event.postcode
    at = event.at.astimezone(PARIS).isoformat(timespec="seconds")
    return (
        f"<events><code>{code}</code><eventDate>{at}</eventDate>"
        f"<eventLabel>{escape(label)}</eventLabel>"
        f"<highPriority>{'true' if code.strip() in HIGH_PRIORITY else 'false'}</highPriority>"
        f"<NPC>{postcode[:2]}</NPC><officeLabel>{escape(office)}</officeLabel>"
        f"<zipCode>{postcode}</zipCode>{''.join(_extras(parcel, event) + extra)}</events>"
    )


def tracking_body(parcel: Parcel | None, number: str, now: datetime) -> bytes:
    """The trackSkybillV2Response for `number` as the service would answer at `now`."""
    rendered: list[str] = []
    if parcel is not None:
        events = parcel.events(now)
        estimate = parcel.estimated_delivery()
        for index, event in enumerate(events):
            newest = index == len(events) - 1
            open_ = newest and estimate is not None and event.milestone not in FINAL
            rendered.append(_event(parcel, event, _window(estimate) if open_ and estimate else []))
    return _envelope(
        f'<ns2:trackSkybillV2Response xmlns:ns2="{NAMESPACE}"><return><errorCode>0</errorCode>'
        f"<listEventInfoComp>{''.join(rendered)}<skybillNumber>{escape(number)}</skybillNumber>"
        "</listEventInfoComp></return></ns2:trackSkybillV2Response>"
    )


def _relay(parcel: Parcel) -> str:
    """One `listePointRelais` entry: every day listed, "00:00-00:00" when closed."""
    point = parcel.pickup_point
    days = ""
    for day, hours in enumerate(parcel.pickup_hours, start=1):
        spans = hours.split() or ["00:00-00:00"]
        pairs = "".join(
            f"<listeHoraireOuverture><debut>{span.split('-')[0]}</debut>"
            f"<fin>{span.split('-')[1]}</fin></listeHoraireOuverture>"
            for span in spans
        )
        days += (
            f"<listeHoraireOuverture><horairesAsString>{' '.join(spans)}</horairesAsString>"
            f"<jour>{day}</jour>{pairs}</listeHoraireOuverture>"
        )
    fields = (
        ("accesPersonneMobiliteReduite", "true"),
        ("actif", "true"),
        ("adresse1", point["address"]),
        ("adresse2", ""),
        ("adresse3", ""),
        ("codePays", point["country"]),
        ("codePostal", point["postcode"]),
        ("coordGeolocalisationLatitude", "48.8655"),
        ("coordGeolocalisationLongitude", "2.3725"),
        ("distanceEnMetre", "0"),
        ("identifiant", point["id"]),
        ("indiceDeLocalisation", ""),
    )
    head = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    tail = (
        f"<localite>{escape(point['city'])}</localite><nom>{escape(point['name'])}</nom>"
        "<poidsMaxi>20000</poidsMaxi><typeDePoint>P</typeDePoint>"
    )
    return f"<listePointRelais>{head}{days}{tail}</listePointRelais>"


def relays_body(parcels: list[Parcel], error: tuple[int, str] = (0, "Code retour OK")) -> bytes:
    """recherchePointChronopostInter's answer listing the parcels' pickup points."""
    seen: dict[str, str] = {}
    for parcel in parcels:
        seen.setdefault(parcel.pickup_point["id"], _relay(parcel))
    return _envelope(
        f'<ns1:{POINT_OPERATION}Response xmlns:ns1="{POINT_NAMESPACE}"><return>'
        f"<errorCode>{error[0]}</errorCode><errorMessage>{escape(error[1])}</errorMessage>"
        f"{''.join(seen.values())}<qualiteReponse>1</qualiteReponse><wsRequestId />"
        f"</return></ns1:{POINT_OPERATION}Response>"
    )


def routes(sim: Simulator) -> list[BaseRoute]:
    async def relays(request: Request) -> Response:
        payload = await request.body()

        def build() -> Response:
            try:
                root = parse_xml(RawResponse(body=payload), carrier="chronopost")
            except CarrierResponseInvalid as exc:
                return fault("Client", f"Unmarshalling Error: {exc.message}")
            call = find(root, POINT_OPERATION)
            if call is None:
                return fault("Client", f"Unexpected wrapper element {POINT_OPERATION} expected")
            account = sim.credentials.get("chronopost", {})
            given = (text(call, "accountNumber"), text(call, "password"))
            if given != (account.get("account_number"), account.get("password")):
                return Response(relays_body([], (1, "Compte invalide")), media_type=MEDIA_TYPE)
            postcode = text(call, "zipCode")
            near = [
                parcel
                for (carrier, _), parcel in sim.parcels.items()
                if carrier == "chronopost" and parcel.pickup_point.get("postcode") == postcode
            ]
            return Response(relays_body(near), media_type=MEDIA_TYPE)

        return await sim.respond("chronopost", build, STYLE)

    async def track(request: Request) -> Response:
        payload = await request.body()

        def build() -> Response:
            try:
                root = parse_xml(RawResponse(body=payload), carrier="chronopost")
            except CarrierResponseInvalid as exc:
                return fault("Client", f"Unmarshalling Error: {exc.message}")
            call = find(root, "trackSkybillV2")
            if call is None:
                return fault(
                    "Client", f"Unexpected wrapper element. Expected {{{NAMESPACE}}}trackSkybillV2."
                )
            number = (text(call, "skybillNumber") or "").upper()
            if not number:
                return fault("Client", "skybillNumber is required")
            parcel = sim.parcel("chronopost", number)
            body = tracking_body(parcel, number, sim.clock.now())
            return Response(body, media_type=MEDIA_TYPE)

        return await sim.respond("chronopost", build, STYLE)

    return [Route(PATH, track, methods=["POST"]), Route(POINT_PATH, relays, methods=["POST"])]
