"""La Poste "Suivi v2" as the simulator serves it: `GET /suivi/v2/idships/{id[,id…]}`.

Same path, `X-Okapi-Key` header, bodies and status codes as api.laposte.fr: one id answers one
object (HTTP = its returnCode), several ids a JSON array with HTTP 207; unknown ids answer
returnCode 404 (104 "not yet available" while the parcel has no event), malformed ids 400; the
Okapi gateway answers `{code, message}` for 401, 429 and 5xx.

Suivi v2 reuses DI1/ND1/PB1/AG1/RE1 with different labels; the labels below are La Poste's
wording, chosen so the adapter's label keywords read them as each milestone means. Suivi v2 has
no code of its own for "on the way to a pickup point" (ET1 is sent) nor for a neighbour
delivery (DI1 with the neighbour named in the label).
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from suivi.toolkit import PARIS
from suivi_server.simulator import FailureStyle, Milestone, Parcel, SimEvent, Simulator

# The settings the adapter uses against the simulator, which accepts exactly these.
CREDENTIALS: dict[str, str] = {"api_key": "sim-okapi-key"}

M = Milestone

EVENTS: Final[dict[Milestone, tuple[str, str]]] = {
    M.LABEL_CREATED: (
        "DR1",
        "Votre Colissimo va bientôt nous être confié ! "
        "Il est en cours de préparation chez votre expéditeur.",
    ),
    M.PICKED_UP: ("PC1", "Votre colis a été déposé dans un point postal."),
    M.AT_HUB: ("ET1", "Votre colis est en transit sur nos plateformes logistiques."),
    M.DEPARTED: ("ET1", "Votre colis est en cours d'acheminement."),
    M.ARRIVED_AT_DELIVERY_SITE: ("EP1", "Votre colis est arrivé sur son site de distribution."),
    M.CUSTOMS: ("DO1", "Votre colis est en cours de dédouanement."),
    M.DELAYED: ("PB1", "Votre colis a pris du retard. Nous mettons tout en œuvre pour le livrer."),
    M.OUT_FOR_DELIVERY: (
        "MD2",
        "Votre colis est dans le site de livraison qui dessert votre adresse. "
        "Nous le préparons pour le mettre en livraison.",
    ),
    M.ATTEMPT_FAILED: (
        "ND1",
        "Votre colis n'a pas pu être livré car vous étiez absent. Un avis de passage a été déposé.",
    ),
    M.TO_PICKUP_POINT: (
        "ET1",
        "Votre colis est en cours d'acheminement vers votre point de retrait.",
    ),
    M.AVAILABLE_FOR_PICKUP: (
        "AG1",
        "Votre colis est disponible dans votre point de retrait. Il vous y attend 10 jours.",
    ),
    M.COLLECTED: ("DI1", "Votre colis a été retiré en point de retrait."),
    M.DELIVERED: ("DI1", "Votre colis est livré."),
    M.DELIVERED_TO_NEIGHBOUR: ("DI1", "Votre colis a été livré à votre voisin."),
    M.ADDRESS_PROBLEM: (
        "ND1",
        "Votre colis n'a pas pu être livré : l'adresse est incomplète ou erronée. "
        "Nous recherchons la partie manquante de l'adresse.",
    ),
    M.DAMAGED: ("PB1", "Votre colis a été endommagé pendant son transport."),
    M.REFUSED: ("ND1", "Votre colis a été refusé par le destinataire."),
    M.RETURNING: ("RE1", "Votre colis est retourné à l'expéditeur."),
    M.RETURNED: ("DI2", "Votre colis a été livré à votre expéditeur."),
}

# The five fixed timeline steps and the milestones that reach each one.
STEPS: Final[tuple[tuple[str, frozenset[Milestone]], ...]] = (
    ("Votre colis est entre nos mains.", frozenset({M.PICKED_UP})),
    ("Il est en chemin.", frozenset({M.AT_HUB, M.DEPARTED, M.CUSTOMS, M.TO_PICKUP_POINT})),
    ("Votre colis est arrivé sur son site de livraison.", frozenset({M.ARRIVED_AT_DELIVERY_SITE})),
    (
        "Nous préparons votre colis pour sa livraison.",
        frozenset({M.OUT_FOR_DELIVERY, M.AVAILABLE_FOR_PICKUP, M.ATTEMPT_FAILED}),
    ),
    ("Votre colis a été livré", frozenset({M.DELIVERED, M.COLLECTED, M.DELIVERED_TO_NEIGHBOUR})),
)
FINAL: Final = frozenset({M.DELIVERED, M.COLLECTED, M.DELIVERED_TO_NEIGHBOUR, M.RETURNED})
DELIVERED: Final = FINAL - {M.RETURNED}
PICKUP: Final = frozenset({M.TO_PICKUP_POINT, M.AVAILABLE_FOR_PICKUP, M.COLLECTED})

MAX_IDS: Final = 10
ID_SHAPE: Final = re.compile(r"[0-9A-Z]{11,15}")
INVALID_MESSAGE: Final = (
    "Le numéro que vous avez saisi n’est pas valide. Nous vous invitons à vérifier votre "
    "saisie, en particulier le nombre de caractères."
)
UNKNOWN_MESSAGE: Final = (
    "Votre numéro de suivi n’est pas reconnu. Nous vous invitons à vérifier votre saisie."
)
NOT_YET_MESSAGE: Final = (
    "Votre suivi n'est pas encore disponible. Si vous avez déposé votre envoi, les "
    "informations de suivi peuvent être affichées avec un délai, veuillez réessayer "
    "ultérieurement."
)

STYLE: Final = FailureStyle(
    unavailable=lambda: JSONResponse(
        {"code": "SERVICE_UNAVAILABLE", "message": "The service is temporarily unavailable"}, 503
    ),
    rate_limited=lambda retry_after: JSONResponse(
        {"code": "TOO_MANY_REQUESTS", "message": "max quota reached (100 calls per 1s)"},
        429,
        headers={"Retry-After": str(int(retry_after))},
    ),
    unauthorized=lambda: JSONResponse(
        {"code": "UNAUTHORIZED", "message": "This action requires an authorization"}, 401
    ),
)


def _date(moment: datetime) -> str:
    return moment.astimezone(PARIS).isoformat(timespec="seconds")


def _error(id_ship: str, code: int, message: str, lang: str) -> dict[str, Any]:
    return {
        "returnCode": code,
        "returnMessage": message,
        "lang": lang,
        "scope": "open",
        "idShip": id_ship,
    }


def _timeline(events: list[SimEvent]) -> list[dict[str, Any]]:
    reached = {e.milestone for e in events}
    steps = []
    for number, (label, milestones) in enumerate(STEPS, start=1):
        done = bool(reached & milestones) or any(bool(reached & m) for _, m in STEPS[number:])
        steps.append(
            {
                "shortLabel": label,
                "longLabel": "",
                "id": number,
                "country": "FR" if done else "",
                "status": done,
                "type": 1 if done else 0,
            }
        )
    return steps


def _shipment(parcel: Parcel, events: list[SimEvent]) -> dict[str, Any]:
    last = events[-1]
    shipment: dict[str, Any] = {
        "idShip": parcel.number.upper(),
        "holder": 4,
        "product": parcel.service or "colissimo",
        "isFinal": last.milestone in FINAL,
        "timeline": _timeline(events),
        "event": [
            {"code": EVENTS[e.milestone][0], "label": EVENTS[e.milestone][1], "date": _date(e.at)}
            for e in reversed(events)
        ],
        "contextData": _context(parcel),
        "url": f"https://www.laposte.fr/outils/suivre-vos-envois?code={parcel.number.upper()}",
    }
    handed_over = [e for e in events if e.milestone is not M.LABEL_CREATED]
    if handed_over:
        shipment["entryDate"] = _date(handed_over[0].at)
    if last.milestone in DELIVERED:
        shipment["deliveryDate"] = _date(last.at)
    estimate = parcel.estimated_delivery()
    if estimate is not None and last.milestone not in FINAL:
        shipment["estimDate"] = datetime.combine(estimate, time(), PARIS).isoformat()
    return shipment


def _context(parcel: Parcel) -> dict[str, Any]:
    pickup = any(milestone in PICKUP for _, milestone, _, _ in parcel.steps)
    context: dict[str, Any] = {
        "deliveryChoice": {"deliveryChoice": 2 if pickup else 0},
        "originCountry": "FR",
        "arrivalCountry": "FR",
    }
    if pickup:
        context["removalPoint"] = {"name": parcel.pickup_point.get("name", ""), "type": "A2P"}
    return context


def _answer(sim: Simulator, id_ship: str, lang: str) -> dict[str, Any]:
    if not ID_SHAPE.fullmatch(id_ship):
        return _error(id_ship, 400, INVALID_MESSAGE, lang)
    parcel = sim.parcel("colissimo", id_ship)
    if parcel is None:
        return _error(id_ship, 404, UNKNOWN_MESSAGE, lang)
    events = parcel.events(sim.clock.now())
    if not events:
        return _error(id_ship, 104, NOT_YET_MESSAGE, lang)
    return {"lang": lang, "scope": "open", "returnCode": 200, "shipment": _shipment(parcel, events)}


def routes(sim: Simulator) -> list[BaseRoute]:
    async def idships(request: Request) -> Response:
        def build() -> Response:
            expected = sim.credentials.get("colissimo", {}).get("api_key")
            if not expected or request.headers.get("x-okapi-key") != expected:
                return STYLE.unauthorized()
            lang = request.query_params.get("lang", "fr_FR")
            ids = [i.strip().upper() for i in request.path_params["ids"].split(",") if i.strip()]
            if not 1 <= len(ids) <= MAX_IDS:
                return JSONResponse(_error(",".join(ids), 400, INVALID_MESSAGE, lang), 400)
            answers = [_answer(sim, id_ship, lang) for id_ship in ids]
            if len(answers) == 1:
                status = answers[0]["returnCode"]
                return JSONResponse(answers[0], 404 if status == 104 else status)
            return JSONResponse(answers, 207)

        return await sim.respond("colissimo", build, STYLE)

    return [Route("/suivi/v2/idships/{ids}", idships, methods=["GET"])]
