"""Recommendations in the delivered email only: chosen with the message, escaped, links counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.config import Settings
from suivi_server.notifications.channels import ChannelContext
from suivi_server.notifications.email import EmailChannel, create
from suivi_server.notifications.mailbox import Mailbox
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.recommendations.feed import read_feed
from suivi_server.recommendations.messages import with_recommendations
from suivi_server.recommendations.store import import_feed
from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import shipments
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio
HOSTILE = "<b>Vase</b> & co"
PAGE_URL = "https://track.example.com/t/signed-token.abc"


async def message(engine: AsyncEngine, event: str, status: str) -> OutboundMessage:
    merchant_id, _ = await create_merchant(engine)
    feed = [
        {"id": "LAMP-1", "title": "Lampe", "url": "https://s.example/l", "categories": ["Decor"]},
        {
            "id": "V",
            "title": HOSTILE,
            "url": "https://s.example/v",
            "image": "https://s.example/v.jpg",
            "price": "19.90 EUR",
            "categories": ["Decor > Vases"],
        },
    ]
    async with engine.begin() as conn:
        text = "\n".join(json.dumps(p) for p in feed)
        await import_feed(conn, merchant_id, list(read_feed(text, "jsonl")), NOW)
    shipment_id = await create_shipment(engine, merchant_id, status=status)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id))).one()
    return OutboundMessage(
        notification_id=1,
        idempotency_key="k",
        channel="email",
        event=event,
        recipient="camille@example.com",
        locale="en",
        merchant=Merchant(merchant_id, "maison-lumiere", "Maison Lumière", "default", {}),
        shipment=ShipmentSnapshot.from_row(row),
        facts={},
        page_url=PAGE_URL,
        created_at=NOW,
    )


def channel(tmp_path: Path) -> EmailChannel:
    settings = Settings(
        database_url="sqlite+aiosqlite://",
        data_dir=tmp_path,
        secret_keys=("k" * 32,),
        public_url="https://track.example.com",
    )
    built = create(ChannelContext(settings, {}, lambda: NOW, mailbox=Mailbox()))
    assert built is not None
    return built


async def test_the_delivered_email_recommends_escaped_products_through_the_click_redirect(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    delivered = await with_recommendations(engine, await message(engine, "delivered", "delivered"))
    rendered = channel(tmp_path).render(delivered)
    click = "https://track.example.com/r/signed-token.abc/2?p=email&amp;i=1"
    assert "You may also like" in rendered.html
    assert click in rendered.html
    assert "&lt;b&gt;Vase&lt;/b&gt; &amp; co" in rendered.html
    assert HOSTILE not in rendered.html
    assert "€19.90" in rendered.html
    assert "Lampe" not in rendered.html.split("You may also like")[1]  # what was bought
    assert f"{HOSTILE} (€19.90): {click.replace('&amp;', '&')}" in rendered.text


@pytest.mark.parametrize(
    ("event", "status"), [("shipped", "in_transit"), ("delivered", "returning")]
)
async def test_other_messages_and_problem_parcels_carry_no_recommendations(
    engine: AsyncEngine, tmp_path: Path, event: str, status: str
) -> None:
    composed = await with_recommendations(engine, await message(engine, event, status))
    assert "recommendations" not in composed.extras
    rendered = channel(tmp_path).render(composed)
    assert "You may also like" not in rendered.html
    assert "You may also like" not in rendered.text
