"""Mondial Relay's Web_Services.asmx `WSI2_TracingColisDetaille` and
`WSI4_PointRelais_Recherche` (a Point Relais by number), as the real service answers.

SOAP 1.1 on `POST /Web_Services.asmx`; the call is signed with `Security` = UPPER(MD5(Enseigne +
Expedition + Langue + private key)), checked against `sim.credentials["mondial_relay"]`. Errors
are STAT values in an HTTP 200 answer (97 bad key, 94 unknown parcel, 24 bad number), SOAP
faults in HTTP 500 for unreadable envelopes, as ASMX does. Mondial Relay documents no quota:
the simulated 429 is IIS's plain answer with `Retry-After`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from suivi.errors import CarrierResponseInvalid
from suivi.soap import envelope, escape, find, parse_xml, text
from suivi.toolkit import PARIS, RawResponse
from suivi_server.simulator import FailureStyle, Milestone, Parcel, SimEvent, Simulator

# The settings the adapter uses against the simulator, which accepts exactly these.
CREDENTIALS: dict[str, str] = {"merchant_code": "BDTEST13", "private_key": "PrivateK"}

CARRIER: Final = "mondial_relay"
NAMESPACE: Final = "http://www.mondialrelay.fr/webservice/"
OPERATION: Final = "WSI2_TracingColisDetaille"
POINT_OPERATION: Final = "WSI4_PointRelais_Recherche"
DAYS: Final = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
XML: Final = "text/xml; charset=utf-8"
M = Milestone

# Milestone -> (Libelle, STAT while it is the latest event). Labels are the adapter's table
# (suivi_adapters.mondial_relay.codes.LABEL_ROWS). Mondial Relay has no neighbour delivery:
# a home delivery ("livré à domicile") stands for it. Returns come with STAT 83 "Anomalie" as
# in the carrier's own sample; 82 "Colis livré" ends a delivery.
LABELS: Final[dict[Milestone, tuple[str, int]]] = {
    M.LABEL_CREATED: ("ANNONCE EXPEDITION", 80),
    M.PICKED_UP: ("PRISE EN CHARGE EN AGENCE", 81),
    M.AT_HUB: ("COLIS EN COURS D'ACHEMINEMENT", 81),
    M.DEPARTED: ("COLIS EN COURS D'ACHEMINEMENT", 81),
    M.ARRIVED_AT_DELIVERY_SITE: ("COLIS ARRIVÉ EN AGENCE DE LIVRAISON", 81),
    M.CUSTOMS: ("COLIS EN DÉDOUANEMENT", 81),
    M.DELAYED: ("RETARD D'ACHEMINEMENT", 81),
    M.OUT_FOR_DELIVERY: ("COLIS EN COURS DE LIVRAISON", 81),
    M.ATTEMPT_FAILED: ("DESTINATAIRE ABSENT", 81),
    M.TO_PICKUP_POINT: ("COLIS EN COURS D'ACHEMINEMENT VERS LE POINT RELAIS", 81),
    M.AVAILABLE_FOR_PICKUP: ("COLIS DISPONIBLE AU POINT RELAIS", 81),
    M.COLLECTED: ("COLIS LIVRÉ", 82),
    M.DELIVERED: ("COLIS LIVRÉ À DOMICILE", 82),
    M.DELIVERED_TO_NEIGHBOUR: ("COLIS LIVRÉ À DOMICILE", 82),
    M.ADDRESS_PROBLEM: ("ANOMALIE : ADRESSE INCOMPLÈTE OU ERRONÉE", 83),
    M.DAMAGED: ("ANOMALIE : COLIS ENDOMMAGÉ", 83),
    M.REFUSED: ("COLIS REFUSÉ PAR LE DESTINATAIRE", 83),
    M.RETURNING: ("COLIS EN RETOUR VERS L'EXPEDITEUR", 83),
    M.RETURNED: ("COLIS RETOURNÉ À L'EXPÉDITEUR", 83),
}
# Events that happen at the recipient's Point Relais carry its number and name.
AT_POINT: Final = frozenset({M.AVAILABLE_FOR_PICKUP, M.COLLECTED})
PICKUP_JOURNEY: Final = frozenset({M.TO_PICKUP_POINT, *AT_POINT})

IIS_503: Final = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">'
    "<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable</h2>"
    "<hr><p>HTTP Error 503. The service is unavailable.</p></BODY></HTML>"
)


def security_key(merchant: str, number: str, language: str, private_key: str) -> str:
    signed = f"{merchant}{number}{language}{private_key}".encode()
    return hashlib.md5(signed, usedforsecurity=False).hexdigest().upper()


def _xml(fields: list[tuple[str, str]], tracing: str = "", operation: str = OPERATION) -> Response:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    if tracing:
        inner += f"<Tracing>{tracing}</Tracing>"
    body = (
        f'<{operation}Response xmlns="{NAMESPACE}"><{operation}Result>{inner}'
        f"</{operation}Result></{operation}Response>"
    )
    return Response(envelope(body), media_type=XML)


def stat_only(stat: int, operation: str = OPERATION) -> Response:
    return _xml([("STAT", str(stat))], operation=operation)


def _slots(hours: str) -> str:
    """ "09:00-12:30 14:00-19:00" as the four HHMM strings of a Horaires_* element."""
    clocks = [c.replace(":", "") for span in hours.split() for c in span.split("-")][:4]
    return "".join(f"<string>{c}</string>" for c in clocks + ["0000"] * (4 - len(clocks)))


def point_details(parcel: Parcel) -> Response:
    """WSI4_PointRelais_Recherche's answer for the parcel's Point Relais, padded as sent."""
    point = parcel.pickup_point
    fields = [
        ("Num", point["id"]),
        ("LgAdr1", point["name"].ljust(32)),
        ("LgAdr2", "".ljust(32)),
        ("LgAdr3", point["address"].ljust(32)),
        ("LgAdr4", "".ljust(32)),
        ("CP", point["postcode"]),
        ("Ville", point["city"].ljust(26)),
        ("Pays", point["country"]),
        ("Localisation1", ""),
        ("Localisation2", ""),
        ("Latitude", "48,8655"),
        ("Longitude", "02,3725"),
        ("TypeActivite", "000"),
        ("Information", ""),
    ]
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    inner += "".join(
        f"<Horaires_{day}>{_slots(hours)}</Horaires_{day}>"
        for day, hours in zip(DAYS, parcel.pickup_hours, strict=True)
    )
    inner += (
        "<Informations_Dispo /><URL_Photo>https://ww2.mondialrelay.com/public/permanent/"
        f"photo_relais.aspx?ens=BDTEST1311&amp;num={point['id']}&amp;pays={point['country']}"
        "</URL_Photo><URL_Plan>https://www.mondialrelay.com/public/permanent/plan_relais.aspx?"
        f"ens=BDTEST1311&amp;num={point['id']}&amp;pays={point['country']}</URL_Plan>"
        "<Distance>0</Distance>"
    )
    body = (
        f'<{POINT_OPERATION}Response xmlns="{NAMESPACE}"><{POINT_OPERATION}Result>'
        f"<STAT>0</STAT><PointsRelais><PointRelais_Details>{inner}</PointRelais_Details>"
        f"</PointsRelais></{POINT_OPERATION}Result></{POINT_OPERATION}Response>"
    )
    return Response(envelope(body), media_type=XML)


def soap_fault(code: str, message: str) -> Response:
    fault = (
        f"<soap:Fault><faultcode>soap:{code}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring><detail /></soap:Fault>"
    )
    return Response(envelope(fault), status_code=500, media_type=XML)


STYLE: Final = FailureStyle(
    unavailable=lambda: Response(IIS_503, status_code=503, media_type="text/html"),
    rate_limited=lambda seconds: Response(
        "Too Many Requests",
        status_code=429,
        media_type="text/plain",
        headers={"Retry-After": str(int(seconds))},
    ),
    unauthorized=lambda: stat_only(97),  # the service has no HTTP auth: a key refusal
)


def _row(event: SimEvent, parcel: Parcel) -> str:
    label, _ = LABELS[event.milestone]
    local = event.at.astimezone(PARIS)
    point = parcel.pickup_point
    at_point = event.milestone in AT_POINT
    fields = [
        ("Libelle", label),
        ("Date", local.strftime("%d/%m/%Y")),
        ("Heure", local.strftime("%H:%M")),
        ("Emplacement", point["name"] if at_point else event.city.upper()),
        ("Relais_Num", point["id"] if at_point else ""),
        ("Relais_Pays", point["country"] if at_point else event.country),
    ]
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    return f"<ret_WSI2_sub_TracingColisDetaille>{inner}</ret_WSI2_sub_TracingColisDetaille>"


def tracing(parcel: Parcel, now: datetime) -> Response:
    """The parcel as the carrier shows it at `now`; unknown until its first event."""
    events = parcel.events(now)
    if not events:
        return stat_only(94)
    label, stat = LABELS[events[-1].milestone]
    to_point = any(step[1] in PICKUP_JOURNEY for step in parcel.steps)
    point = parcel.pickup_point
    return _xml(
        [
            ("STAT", str(stat)),
            ("Libelle01", label),
            ("Relais_Libelle", point["name"] if to_point else ""),
            ("Relais_Num", point["id"] if to_point else ""),
            ("Libelle02", ""),
        ],
        "".join(_row(event, parcel) for event in events),
    )


def _answer(sim: Simulator, body: bytes, action: str) -> Callable[[], Response]:
    """Check the call as the service does (action, signature, number) and pick the answer."""

    def build() -> Response:
        if action.strip('"') == NAMESPACE + POINT_OPERATION:
            return _point_answer(sim, body)
        if action.strip('"') != NAMESPACE + OPERATION:
            return soap_fault(
                "Client", f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
            )
        try:
            call = find(parse_xml(RawResponse(body=body), carrier=CARRIER), OPERATION)
        except (CarrierResponseInvalid, LookupError, ValueError):
            call = None
        if call is None:
            return soap_fault("Client", "Server was unable to read request.")
        merchant, number = text(call, "Enseigne") or "", text(call, "Expedition") or ""
        language, signature = text(call, "Langue") or "", text(call, "Security") or ""
        account = sim.credentials.get(CARRIER, {})
        if not merchant:
            return stat_only(2)
        expected = security_key(merchant, number, language, account.get("private_key", ""))
        if merchant != account.get("merchant_code") or signature != expected:
            return stat_only(97)
        if not re.fullmatch(r"[A-Za-z]{2}", language):
            return stat_only(74)
        if not re.fullmatch(r"\d{8,14}", number):
            return stat_only(24)
        parcel = sim.parcel(CARRIER, number)
        return stat_only(94) if parcel is None else tracing(parcel, sim.clock.now())

    return build


def _point_answer(sim: Simulator, body: bytes) -> Response:
    """A Point Relais described by number, signed over Enseigne + Pays + NumPointRelais; the
    simulator knows the points its parcels go to. STAT 97 bad key, 70 no such point."""
    try:
        call = find(parse_xml(RawResponse(body=body), carrier=CARRIER), POINT_OPERATION)
    except (CarrierResponseInvalid, LookupError, ValueError):
        call = None
    if call is None:
        return soap_fault("Client", "Server was unable to read request.")
    merchant, country = text(call, "Enseigne") or "", text(call, "Pays") or ""
    number = text(call, "NumPointRelais") or ""
    account = sim.credentials.get(CARRIER, {})
    expected = security_key(merchant, country, number, account.get("private_key", ""))
    if merchant != account.get("merchant_code") or text(call, "Security") != expected:
        return stat_only(97, POINT_OPERATION)
    parcel = next(
        (
            p
            for (carrier, _), p in sim.parcels.items()
            if carrier == CARRIER and p.pickup_point.get("id") == number
        ),
        None,
    )
    return stat_only(70, POINT_OPERATION) if parcel is None else point_details(parcel)


def routes(sim: Simulator) -> list[BaseRoute]:
    async def web_services(request: Request) -> Response:
        body = await request.body()
        build = _answer(sim, body, request.headers.get("SOAPAction", ""))
        return await sim.respond(CARRIER, build, STYLE)

    return [Route("/Web_Services.asmx", web_services, methods=["POST"])]
