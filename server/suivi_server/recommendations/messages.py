"""Recommendations in the delivered email: chosen when the message is composed, since a channel
never reads the database. Links count the click like the page's, with placement `email`.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Situation
from suivi_server.notifications.message import OutboundMessage
from suivi_server.recommendations.choose import RecommendationSettings, click_path, recommend
from suivi_server.recommendations.visibility import hidden

# The messages that may carry recommendations: a parcel in the shopper's own hands.
EVENTS: frozenset[str] = frozenset({Situation.DELIVERED})


async def with_recommendations(engine: AsyncEngine, message: OutboundMessage) -> OutboundMessage:
    """The message with `extras["recommendations"]` when it is a delivered email that may sell."""
    shipment = message.shipment
    settings = RecommendationSettings.of(message.merchant.settings)
    base, found, token = message.page_url.rpartition("/t/")
    if (
        message.channel != "email"
        or message.event not in EVENTS
        or not settings.in_email
        or not found
        or hidden(shipment.status, shipment.substatus, ())
    ):
        return message
    async with engine.connect() as conn:
        chosen = await recommend(conn, shipment.merchant_id, shipment.items, settings.count)
    if not chosen:
        return message
    cards = [
        card.linked(base + click_path(token, card.product_id, "email", card.rank), "email")
        for card in chosen
    ]
    return replace(message, extras={**message.extras, "recommendations": cards})
