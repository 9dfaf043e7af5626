"""The shipment view: what the shopper sees and was sent, and the agent's actions (refresh,
note, handled), all kept to the agent's own shop."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.services import Services
from suivi_server.storage.schema import (
    contacts,
    notifications,
    shipment_notes,
    shipments,
    shopper_choices,
    survey_answers,
    surveys,
)
from tests.server.conftest import NOW
from tests.server.dashboard_support import merchant_id_for, staff_client
from tests.server.engagement_support import add_situation
from tests.server.factories import add_event, create_shipment

pytestmark = pytest.mark.anyio
DAY = timedelta(days=1)


async def damaged_parcel(engine: AsyncEngine, slug: str = "maison-lumiere") -> tuple[int, int]:
    """(merchant id, shipment id) of a damaged parcel with a message, a choice, a survey
    answer, a contact and carrier events."""
    merchant = await merchant_id_for(engine, slug)
    shipment_id = await create_shipment(
        engine,
        merchant,
        status="exception",
        substatus="damaged",
        problem="damaged",
        problem_since=NOW - DAY,
    )
    await add_situation(engine, shipment_id, "damaged", NOW - DAY)
    await add_event(engine, shipment_id, NOW - 2 * DAY, "in_transit", "PCH", "Pris en charge")
    await add_event(
        engine,
        shipment_id,
        NOW - DAY,
        "exception",
        "AND",
        "Colis <b>endommagé</b>",
        substatus="damaged",
    )
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(notifications).values(
                merchant_id=merchant,
                shipment_id=shipment_id,
                event="damaged",
                occurrence="1",
                channel="email",
                idempotency_key="k1",
                state="failed",
                reason="mailbox full",
                due_at=NOW - DAY,
                created_at=NOW - DAY,
                updated_at=NOW - DAY,
            )
        )
        await conn.execute(
            sa.insert(shopper_choices).values(
                merchant_id=merchant,
                shipment_id=shipment_id,
                situation="damaged",
                status="exception",
                kind="refund",
                details={},
                created_at=NOW - DAY,
                updated_at=NOW - DAY,
            )
        )
        survey_id = (
            await conn.execute(
                sa.insert(surveys).values(
                    merchant_id=merchant,
                    slug="after",
                    title="After delivery",
                    questions=[{"id": "nps", "kind": "nps", "label": "Would you recommend us?"}],
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        ).inserted_primary_key[0]
        await conn.execute(
            sa.insert(survey_answers).values(
                merchant_id=merchant,
                shipment_id=shipment_id,
                survey_id=survey_id,
                answers={"nps": 3},
                carrier="colissimo",
                answered_at=NOW,
                updated_at=NOW,
            )
        )
        await conn.execute(
            sa.insert(contacts).values(
                merchant_id=merchant,
                shipment_id=shipment_id,
                source="page",
                channel="phone",
                reason="damaged",
                text="<script>alert(1)</script>",
                occurred_at=NOW - DAY,
                created_at=NOW - DAY,
            )
        )
    return merchant, shipment_id


async def test_the_view_shows_what_the_shopper_sees_and_was_sent(
    app: Starlette, engine: AsyncEngine, services: Services
) -> None:
    _, shipment_id = await damaged_parcel(engine)
    async with staff_client(app, engine) as agent:
        response = await agent.get(f"/dashboard/shipments/{shipment_id}?lang=en")
    assert response.status_code == 200
    html = response.text
    assert "Check your parcel when it arrives" in html  # the page's banner
    assert "mailbox full" in html
    assert "Refund me" in html
    assert "Waiting for the shop" in html
    assert "Would you recommend us?" in html
    assert "Colis &lt;b&gt;endommagé&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    frame = re.search(r'<iframe class="shopper-page" src="/t/([^"]+)"', html)
    assert frame is not None
    assert services.tokens.verify(frame.group(1)) == shipment_id
    assert services.tokens.expires_at(frame.group(1)) == NOW + timedelta(hours=1)


async def test_the_shopper_page_may_be_framed_by_us_only_as_a_frame(
    app: Starlette, engine: AsyncEngine, services: Services
) -> None:
    _, shipment_id = await damaged_parcel(engine)
    path = f"/t/{services.tokens.sign(shipment_id)}"
    async with staff_client(app, engine) as agent:
        framed = await agent.get(path, headers={"Sec-Fetch-Dest": "iframe"})
        opened = await agent.get(path, headers={"Sec-Fetch-Dest": "document"})
    assert framed.headers["content-security-policy"].endswith("frame-ancestors http://testserver")
    assert "x-frame-options" not in framed.headers
    assert opened.headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert opened.headers["x-frame-options"] == "DENY"


async def test_another_shops_shipment_is_not_found(app: Starlette, engine: AsyncEngine) -> None:
    _, shipment_id = await damaged_parcel(engine, "shop-a")
    async with staff_client(app, engine, merchant_slug="shop-b") as agent:
        seen = await agent.get(f"/dashboard/shipments/{shipment_id}")
        posts = [
            await agent.post(f"/dashboard/shipments/{shipment_id}/{action}", {"text": "mine"})
            for action in ("notes", "handled", "refresh")
        ]
        huge = await agent.get("/dashboard/shipments/99999999999999999999")
    assert seen.status_code == 404
    assert "Camille" not in seen.text
    assert [p.status_code for p in posts] == [404, 404, 404]
    assert huge.status_code == 404
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(shipment_notes))).all() == []
        poll = sa.select(shipments.c.next_poll_at).where(shipments.c.id == shipment_id)
        assert (await conn.execute(poll)).scalar() is None


async def test_refresh_asks_for_a_poll_once_in_a_while(app: Starlette, engine: AsyncEngine) -> None:
    _, shipment_id = await damaged_parcel(engine)
    path = f"/dashboard/shipments/{shipment_id}"
    async with staff_client(app, engine) as agent:
        first = await agent.post(path + "/refresh")
        shown = await agent.get(first.headers["location"] + "?lang=en")
        again = await agent.post(path + "/refresh")
        refused = await agent.get(again.headers["location"] + "?lang=en")
    assert first.status_code == 303
    assert first.headers["location"] == path
    assert "The carrier will be asked again within a minute." in shown.text
    assert "polled moments ago or a poll is already due" in refused.text
    async with engine.connect() as conn:
        poll = sa.select(shipments.c.next_poll_at).where(shipments.c.id == shipment_id)
        assert (await conn.execute(poll)).scalar() == NOW


async def test_a_note_is_added_and_a_bad_one_comes_back_with_the_reason(
    app: Starlette, engine: AsyncEngine
) -> None:
    _, shipment_id = await damaged_parcel(engine)
    path = f"/dashboard/shipments/{shipment_id}"
    async with staff_client(app, engine) as agent:
        added = await agent.post(path + "/notes?lang=en", {"text": "  Called <the> carrier\n "})
        shown = await agent.get(path + "?lang=en")
        empty = await agent.post(path + "/notes?lang=en", {"text": "   "})
        long = await agent.post(path + "/notes?lang=en", {"text": "x" * 2001})
    assert added.status_code == 303
    assert "Note added." in shown.text
    assert "Called &lt;the&gt; carrier</p>" in shown.text
    assert empty.status_code == 400
    assert "Write something before adding a note." in empty.text
    assert long.status_code == 400
    assert "A note may have at most 2000 characters." in long.text
    assert "x" * 2001 in long.text  # what was typed is kept
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.select(shipment_notes.c.text))).scalars().all()
    assert stored == ["Called <the> carrier"]


async def test_marked_handled_it_leaves_the_list_with_its_note(
    app: Starlette, engine: AsyncEngine
) -> None:
    _, shipment_id = await damaged_parcel(engine)
    async with staff_client(app, engine) as agent:
        before = await agent.get("/dashboard/problems?lang=en")
        done = await agent.post(
            f"/dashboard/shipments/{shipment_id}/handled?lang=en", {"text": "Refund sent"}
        )
        shown = await agent.get(f"/dashboard/shipments/{shipment_id}?lang=en")
        after = await agent.get("/dashboard/problems?lang=en")
    link = f'href="/dashboard/shipments/{shipment_id}"'
    assert link in before.text
    assert done.status_code == 303
    assert "Marked handled: it leaves the problem list" in shown.text
    assert "Refund sent" in shown.text
    assert link not in after.text
