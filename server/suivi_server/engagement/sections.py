"""What the page's choices, contact and opt-in sections show for one shipment: a provider of
pages/extras.py (the forms they post are in engagement/pages.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from suivi_server.engagement import choices as offers
from suivi_server.engagement import contacts, optins
from suivi_server.engagement.choice_store import StoredChoice, open_choices
from suivi_server.pages.queries import PageData
from suivi_server.services import Services

JOURNEY_OVER: frozenset[str] = frozenset({"delivered", "returned", "expired"})


# Moments that are a status rather than a detected situation, offered choices all the same.
STATUS_MOMENTS: Mapping[tuple[str, str | None], str] = {("exception", "lost"): "lost"}


def kinds(data: PageData) -> list[str]:
    """The active situations, and the status moment (a lost parcel) that asks for a choice."""
    moment = STATUS_MOMENTS.get((data.shipment["status"], data.shipment["substatus"]))
    return [row.kind for row in data.situations] + ([moment] if moment else [])


def _zone(data: PageData) -> ZoneInfo:
    return ZoneInfo(str(data.merchant.settings.get("timezone") or "Europe/Paris"))


def _shown_back(choice: StoredChoice, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "kind": choice.kind,
        "sentence": offers.CHOICES[choice.kind].shown_back,
        "day": choice.created_at.astimezone(zone).date(),
        "details": choice.details,
    }


async def engagement_extras(
    services: Services, data: PageData, request: Request
) -> Mapping[str, Any]:
    """What the three sections need for one shipment (a provider of pages/extras.py)."""
    shipment_id = int(data.shipment["id"])
    async with services.engine.connect() as conn:
        chosen = await open_choices(conn, shipment_id)
        live = await optins.live_optins(conn, shipment_id)
    offered = offers.offered(kinds(data), (c.kind for c in chosen))
    reasons = contacts.reasons_for(kinds(data))
    channel, reason = request.query_params.get("contact"), request.query_params.get("reason")
    reveal = {"channel": channel, "reason": reason} if reason in reasons else None
    return {
        "choices": {
            "offered": [offers.CHOICES[kind] for kind in offered],
            "chosen": [_shown_back(c, _zone(data)) for c in chosen],
            "refusal_reasons": offers.REFUSAL_REASONS,
            "error": None,
        },
        "contact": {
            "reasons": [(key, contacts.REASONS[key]) for key in reasons],
            "reveal": reveal if reveal and channel in contacts.CHANNELS else None,
            "subject": contacts.MAIL_SUBJECT,
            "labels": contacts.REASONS,
            "error": None,
        },
        # news of a parcel whose journey is over would never come
        "optin": None
        if data.shipment["status"] in JOURNEY_OVER
        else {
            "pending": [o for o in live if o.confirmed_at is None],
            "confirmed": [o for o in live if o.confirmed_at is not None],
            "channels": optins.CHANNEL_NAMES,
            "error": None,
        },
    }
