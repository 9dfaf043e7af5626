"""Ten weeks of history for the demo shop, so its dashboard tells a story to a new visitor.

Parcels on the five carriers, each with its hand-over and arrival, the situations some of them
lived (delays, failed attempts, pickup points, damage), the contacts those caused, and the
survey answers of the delivered ones. Five weeks ago the shop switched its delay message on
(a `notification_rule_changes` row): from then on, delayed parcels cause far fewer "where is
my order?" contacts, which the feedback loop page shows. Everything is drawn from a seeded
random generator relative to the demo's clock (the same story at every start) and written
with bulk inserts: the demo still starts in well under two seconds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.dashboard.passwords import hash_password
from suivi_server.engagement.contacts import SITUATION_REASONS
from suivi_server.notifications.rules import rules_of
from suivi_server.storage.schema import (
    contacts,
    dashboard_users,
    merchants,
    notification_rule_changes,
    shipment_situations,
    shipments,
    survey_answers,
    surveys,
    tracking_events,
)

SEED = 14
WEEKS = 10
PARCELS_PER_DAY = 14
RULE_EVENT = "delivery_delayed"
RULE_WEEKS_AGO = 5
DEMO_USER_EMAIL = "demo@example.com"
DEMO_USER_PASSWORD = "lumiere-demo-password"


@dataclass(frozen=True)
class Carrier:
    name: str
    share: float
    service: str
    transit_days: tuple[int, ...]  # drawn uniformly: hand-over to arrival
    pickup_point: bool = False  # parcels wait at a pickup point before being collected


CARRIERS = (
    Carrier("colissimo", 0.30, "Colissimo Domicile", (2, 2, 3, 3, 4)),
    Carrier("chronopost", 0.15, "Chrono 13", (1, 1, 1, 2)),
    Carrier("ups", 0.12, "UPS Standard", (2, 3, 3, 4)),
    Carrier("mondial_relay", 0.28, "Point Relais", (3, 4, 4, 5, 6), pickup_point=True),
    Carrier("dpd", 0.15, "DPD Predict", (2, 2, 3)),
)
# The chance a parcel lives each situation, and how many days it adds to the journey.
SITUATION_ODDS: Mapping[str, tuple[float, int]] = {
    "delivery_delayed": (0.15, 3),
    "attempt_failed": (0.06, 1),
    "address_problem": (0.02, 2),
    "damaged": (0.015, 0),
}
# The chance a parcel in a situation causes a contact: before the delay message, after it.
CONTACT_ODDS: Mapping[str, tuple[float, float]] = {
    "delivery_delayed": (0.45, 0.17),
    "attempt_failed": (0.32, 0.32),
    "address_problem": (0.55, 0.55),
    "damaged": (0.8, 0.8),
    "available_for_pickup": (0.07, 0.07),
    "": (0.035, 0.035),  # a parcel in no particular situation: "where is it?" all the same
}
QUIET_REASONS = ("where_is_my_order", "delivery_date")
CHANNELS = ("email", "phone", "chat", "email")
SURVEY_ODDS = 0.3
POSTCODES = ("75011", "69003", "13001", "33000", "59000", "31000", "06000", "44000", "67000")
# What shoppers wrote, by what they lived (the survey is in French, as the shop is).
COMMENTS: Mapping[str, tuple[str, ...]] = {
    "on_time": (
        "Livraison rapide, colis bien protégé.",
        "Parfait, arrivé le jour annoncé.",
        "Très bien emballé, merci !",
        "Le suivi était clair du début à la fin.",
    ),
    "late": (
        "Deux jours de retard sans nouvelles au début.",
        "Un peu long, mais le message sur le retard m'a rassurée.",
        "Le colis est resté bloqué plusieurs jours au dépôt.",
    ),
    "after_problem": (
        "Le livreur n'a pas sonné, j'ai dû aller le chercher.",
        "Lampe arrivée cassée, remplacée rapidement par le service client.",
        "Adresse mal lue par le transporteur, ça s'est arrangé.",
    ),
    "at_pickup_point": (
        "Point relais pratique, à deux pas de chez moi.",
        "Le relais était fermé le samedi, dommage.",
    ),
}
# What the survey files an answer under (surveys.model.Lived), by the situation lived.
LIVED: Mapping[str, str] = {
    "delivery_delayed": "late",
    "attempt_failed": "after_problem",
    "address_problem": "after_problem",
    "damaged": "after_problem",
}
NPS_BY_LIVED: Mapping[str, tuple[int, ...]] = {
    "on_time": (10, 10, 9, 9, 9, 8, 8, 7, 10, 6),
    "at_pickup_point": (9, 8, 8, 10, 7, 6, 9),
    "late": (8, 7, 6, 5, 9, 4, 7, 3),
    "after_problem": (6, 4, 3, 7, 2, 8, 5),
}


@dataclass
class _Rows:
    shipments: list[dict[str, Any]]
    events: list[dict[str, Any]]
    situations: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    answers: list[dict[str, Any]]


async def seed_history(conn: AsyncConnection, merchant_id: int, now: datetime) -> None:
    """Write the history, the delay message switched on mid-way, and the demo's staff user."""
    # argon2 is slow on purpose: hash the demo password while the rows are written
    password_hash = asyncio.create_task(asyncio.to_thread(hash_password, DEMO_USER_PASSWORD))
    rng = random.Random(SEED)
    switched_on = now - timedelta(weeks=RULE_WEEKS_AGO)
    plans = [_plan(rng, index, now, switched_on) for index in range(WEEKS * 7 * PARCELS_PER_DAY)]
    await conn.execute(
        sa.insert(shipments), [p["shipment"] | {"merchant_id": merchant_id} for p in plans]
    )
    ids = dict(
        (
            await conn.execute(
                sa.select(shipments.c.order_number, shipments.c.id).where(
                    shipments.c.merchant_id == merchant_id
                )
            )
        ).all()
    )
    survey_id = await conn.scalar(
        sa.select(surveys.c.id).where(surveys.c.merchant_id == merchant_id)
    )
    rows = _Rows([], [], [], [], [])
    for plan in plans:
        shipment_id = ids[plan["shipment"]["order_number"]]
        rows.events += [e | {"shipment_id": shipment_id} for e in plan["events"]]
        rows.situations += [s | {"shipment_id": shipment_id} for s in plan["situations"]]
        rows.contacts += [
            c | {"shipment_id": shipment_id, "merchant_id": merchant_id} for c in plan["contacts"]
        ]
        if plan["answer"] is not None and survey_id is not None:
            rows.answers.append(
                plan["answer"]
                | {"shipment_id": shipment_id, "merchant_id": merchant_id, "survey_id": survey_id}
            )
    for table, values in (
        (tracking_events, rows.events),
        (shipment_situations, rows.situations),
        (contacts, rows.contacts),
        (survey_answers, rows.answers),
    ):
        if values:
            await conn.execute(sa.insert(table), values)
    settings = (
        await conn.execute(sa.select(merchants.c.settings).where(merchants.c.id == merchant_id))
    ).scalar_one()
    await conn.execute(
        sa.insert(notification_rule_changes).values(
            merchant_id=merchant_id,
            event=RULE_EVENT,
            enabled=True,
            rule=rules_of(settings or {}).rule(RULE_EVENT).model_dump(mode="json"),
            changed_at=switched_on,
            changed_by=DEMO_USER_EMAIL,
        )
    )
    await conn.execute(
        sa.insert(dashboard_users).values(
            merchant_id=merchant_id,
            email=DEMO_USER_EMAIL,
            name="Alice Lumière",
            role="admin",
            password_hash=await password_hash,
            created_at=now - timedelta(weeks=WEEKS + 1),
        )
    )


def _plan(rng: random.Random, index: int, now: datetime, switched_on: datetime) -> dict[str, Any]:
    """One parcel's rows (ids filled in later): the parcel, its events, situations, contacts
    and survey answer, all before `now`."""
    created = (
        now
        - timedelta(days=WEEKS * 7)
        + timedelta(days=index / PARCELS_PER_DAY, minutes=rng.randrange(0, 240))
    )
    carrier = rng.choices(CARRIERS, weights=[c.share for c in CARRIERS])[0]
    handover = created + timedelta(hours=rng.randrange(18, 30))
    days = rng.choice(carrier.transit_days)
    lived = [kind for kind, (odds, _) in SITUATION_ODDS.items() if rng.random() < odds][:1]
    extra = sum(SITUATION_ODDS[kind][1] for kind in lived)
    arrival = handover + timedelta(days=days + extra, hours=rng.randrange(-4, 5))
    situations = [
        (kind, handover + timedelta(days=days if kind == "delivery_delayed" else days - 0.3))
        for kind in lived
    ]
    if carrier.pickup_point:
        situations.append(("available_for_pickup", arrival))
        arrival += timedelta(days=rng.choice((0, 1, 1, 2, 3)))
    delivered = arrival < now
    status = "delivered" if delivered else ("in_transit" if handover < now else "info_received")
    order = f"ML-{2000 + index}"
    shipment = {
        "order_number": order,
        "carrier": carrier.name,
        "service": carrier.service,
        "tracking_number": f"{carrier.name[:2].upper()}{rng.randrange(10**9, 10**10)}",
        "customer_name": f"Client {index:04d}",
        "customer_email": f"client{index:04d}@example.com",
        "customer_locale": "fr",
        "customer_postcode": rng.choice(POSTCODES),
        "customer_country": "FR",
        "promised_ship_date": (created + timedelta(days=1)).date(),
        "promised_delivery_date": (handover + timedelta(days=max(carrier.transit_days))).date(),
        "ordered_at": created - timedelta(hours=2),
        "status": status,
        "delivered_at": arrival if delivered else None,
        "last_event_at": min(arrival, now) if handover < now else None,
        "created_at": created,
        "updated_at": min(arrival, now),
    }
    events = [_event("in_transit", "PRISE_EN_CHARGE", "Colis pris en charge", handover)]
    if delivered:
        events.append(_event("delivered", "LIVRE", "Colis livré", arrival))
    visible = [(kind, at) for kind, at in situations if at < now]
    return {
        "shipment": shipment,
        "events": [e for e in events if e["occurred_at"] < now],
        "situations": [
            {
                "kind": kind,
                "fingerprint": f"{kind}-{index}",
                "facts": {},
                "detected_at": at,
                "resolved_at": arrival if delivered else None,
            }
            for kind, at in visible
        ],
        "contacts": _contacts(rng, visible, handover, now, switched_on),
        "answer": _answer(rng, lived, carrier, arrival, now) if delivered else None,
    }


def _event(status: str, code: str, label: str, at: datetime) -> dict[str, Any]:
    return {"status": status, "code": code, "label": label, "occurred_at": at, "created_at": at}


def _contacts(
    rng: random.Random,
    situations: Sequence[tuple[str, datetime]],
    handover: datetime,
    now: datetime,
    switched_on: datetime,
) -> list[dict[str, Any]]:
    """At most one contact per parcel: about its first situation, else a plain "where is it"."""
    kind, since = situations[0] if situations else ("", handover + timedelta(days=1))
    before, after = CONTACT_ODDS[kind]
    if rng.random() >= (before if since < switched_on else after):
        return []
    at = since + timedelta(hours=rng.randrange(2, 30))
    if at >= now:
        return []
    reasons = SITUATION_REASONS.get(kind, QUIET_REASONS)
    reason = rng.choices(reasons, weights=[6, 3, 1][: len(reasons)])[0]
    return [
        {
            "source": "page" if rng.random() < 0.5 else "api",
            "channel": rng.choice(CHANNELS),
            "reason": reason,
            "situation": kind or None,
            "status": "in_transit",
            "occurred_at": at,
            "created_at": at,
        }
    ]


def _answer(
    rng: random.Random, lived: Sequence[str], carrier: Carrier, arrival: datetime, now: datetime
) -> dict[str, Any] | None:
    answered = arrival + timedelta(hours=rng.randrange(3, 60))
    if rng.random() >= SURVEY_ODDS or answered >= now:
        return None
    quiet = "at_pickup_point" if carrier.pickup_point else "on_time"
    kind = LIVED[lived[0]] if lived else quiet
    nps = rng.choice(NPS_BY_LIVED[kind])
    answers: dict[str, Any] = {"recommandation": nps, "livraison": max(1, min(5, round(nps / 2)))}
    if rng.random() < 0.4:
        answers["commentaire"] = rng.choice(COMMENTS[kind])
    return {
        "answers": answers,
        "carrier": carrier.name,
        "situation": kind,
        "days_late": SITUATION_ODDS["delivery_delayed"][1] if kind == "late" else 0,
        "answered_at": answered,
        "updated_at": answered,
    }
