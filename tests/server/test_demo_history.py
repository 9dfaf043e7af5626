"""The demo's history: weeks of parcels, contacts and answers whose loop page tells a story."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.dashboard.loop import rule_changes, rule_effect, situation_ranking
from suivi_server.demo import DEMO_SURVEY, MERCHANT_SETTINGS
from suivi_server.demo_history import (
    CARRIERS,
    DEMO_USER_EMAIL,
    DEMO_USER_PASSWORD,
    RULE_EVENT,
    RULE_WEEKS_AGO,
    WEEKS,
    seed_history,
)
from suivi_server.notifications.rules import rules_of
from suivi_server.storage.merchants import create_merchant
from suivi_server.storage.schema import contacts, dashboard_users, shipments, survey_answers
from suivi_server.surveys.store import insert_survey
from tests.server.conftest import NOW
from tests.server.dashboard_support import anonymous_client, dashboard_login

pytestmark = pytest.mark.anyio


async def _seeded(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        merchant = await create_merchant(
            conn, "maison-lumiere", "Maison Lumière", NOW, settings=MERCHANT_SETTINGS
        )
        await insert_survey(conn, merchant.id, DEMO_SURVEY, NOW)
        await seed_history(conn, merchant.id, NOW)
    return merchant.id


async def test_the_delay_message_switched_on_mid_way_visibly_cuts_its_contacts(
    engine: AsyncEngine,
) -> None:
    merchant_id = await _seeded(engine)
    async with engine.connect() as conn:
        (change,) = await rule_changes(conn, merchant_id=merchant_id)
        effect = await rule_effect(conn, merchant_id=merchant_id, change=change, weeks=4, now=NOW)
        ranking = await situation_ranking(
            conn, merchant_id=merchant_id, rules=rules_of(MERCHANT_SETTINGS), now=NOW
        )
    assert (change.event, change.kind) == (RULE_EVENT, "on")
    assert change.changed_at == NOW - timedelta(weeks=RULE_WEEKS_AGO)
    delayed = effect.situation
    assert delayed.before_shipments > 30
    assert delayed.after_shipments > 30
    assert delayed.change is not None
    assert delayed.change < -0.4
    assert delayed.significant
    assert ranking.situations[0].situation == RULE_EVENT  # still the most contacts, but fewer


async def test_the_history_spans_the_weeks_and_carriers_with_answers_and_words(
    engine: AsyncEngine,
) -> None:
    merchant_id = await _seeded(engine)
    mine = shipments.c.merchant_id == merchant_id
    async with engine.connect() as conn:
        first, last = (
            await conn.execute(sa.select(sa.func.min(shipments.c.created_at),
                                         sa.func.max(shipments.c.created_at)).where(mine))
        ).one()  # fmt: skip
        carriers = set((await conn.execute(sa.select(shipments.c.carrier).where(mine))).scalars())
        future = await conn.scalar(sa.select(sa.func.count()).where(contacts.c.occurred_at >= NOW))
        answers = list((await conn.execute(sa.select(survey_answers.c.answers))).scalars())
    assert NOW - first >= timedelta(weeks=WEEKS) - timedelta(days=1)
    assert last < NOW
    assert carriers == {c.name for c in CARRIERS}
    assert future == 0
    assert len(answers) > 100
    assert all(0 <= a["recommandation"] <= 10 and 1 <= a["livraison"] <= 5 for a in answers)
    assert sum("commentaire" in a for a in answers) > 30


async def test_the_same_history_at_every_start(engine: AsyncEngine) -> None:
    first_id = await _seeded(engine)
    async with engine.begin() as conn:
        await conn.execute(sa.delete(dashboard_users))  # one demo account per address
        second = await create_merchant(conn, "copie", "Copie", NOW, settings=MERCHANT_SETTINGS)
        await seed_history(conn, second.id, NOW)

    def story(merchant_id: int) -> sa.Select[tuple[str, str | None, datetime]]:
        c = contacts.c
        return (
            sa.select(c.reason, c.situation, c.occurred_at)
            .where(c.merchant_id == merchant_id)
            .order_by(c.occurred_at, c.reason)
        )

    async with engine.connect() as conn:
        first = (await conn.execute(story(first_id))).all()
        again = (await conn.execute(story(second.id))).all()
    assert len(first) > 80
    assert first == again


async def test_the_demo_user_signs_in_with_the_printed_password(
    app: Starlette, engine: AsyncEngine
) -> None:
    await _seeded(engine)
    async with anonymous_client(app) as client:
        response = await dashboard_login(client, DEMO_USER_EMAIL, DEMO_USER_PASSWORD)
        loop = await client.get("/dashboard/loop?lang=en")
    assert response.status_code == 303
    assert loop.status_code == 200
    assert "Delivery delayed: message on" in loop.text
