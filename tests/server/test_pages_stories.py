"""Every simulator story, at every step, through the worker and the real page: the page never
contradicts itself (tests/server/page_invariants.py) and says what happened at each step."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import RetryPolicy, Tracker
from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.pages.i18n import language
from suivi_server.pages.view import sentence
from suivi_server.simulator import STORIES, Parcel, simulator_settings
from suivi_server.storage.schema import shipments, tracking_events
from suivi_server.storage.situations import active_situations
from suivi_server.worker.runner import Worker
from tests.conftest import SIM_START, RunningSimulator
from tests.server.factories import create_merchant, create_shipment
from tests.server.page_invariants import contradictions
from tests.server.pages_support import page_client

pytestmark = pytest.mark.anyio

# A carrier (and one of its valid numbers) to play each story on; pickup stories need a relay.
NUMBERS = {
    "colissimo": "6A12345678901",
    "chronopost": "89108749065090",
    "dpd": "25077012345678",
    "ups": "1Z999AA10123456784",
    "mondial_relay": "12345678",
}
PICKUP_STORIES = {"pickup_point", "not_collected"}
PARIS = ZoneInfo("Europe/Paris")  # the test merchant's zone
ROTATION = ("colissimo", "chronopost", "dpd", "ups")


def carrier_for(story: str) -> str:
    if story in PICKUP_STORIES:
        return "mondial_relay"
    return ROTATION[sorted(STORIES).index(story) % len(ROTATION)]


async def _no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("story", sorted(STORIES))
async def test_the_page_is_sound_at_every_step_of_every_story(
    engine: AsyncEngine, settings: Settings, simulator: RunningSimulator, story: str
) -> None:
    carrier = carrier_for(story)
    number = NUMBERS[carrier]
    simulator.sim.add_parcel(Parcel(carrier, number, SIM_START, STORIES[story], story=story))
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        carrier=carrier,
        tracking_number=number,
        status="pending",
        substatus=None,
        promised_ship_date=SIM_START.date(),
        promised_delivery_date=(SIM_START + timedelta(days=2)).date(),
        next_poll_at=SIM_START,
    )

    def clock():  # type: ignore[no-untyped-def]
        return simulator.sim.clock.now()

    tracker = Tracker(
        settings=simulator_settings(simulator.base_url),
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01),
        sleep=_no_sleep,
    )
    worker = Worker(engine, tracker, clock=clock, worker_id="w-pages")
    app = create_app(settings, engine=engine, clock=clock, migrate=False)
    token = app.state.services.tokens.sign(shipment_id)
    seen: list[str] = []
    async with tracker, page_client(app) as pages:
        for hours in sorted({step[0] for step in STORIES[story]} | {2.0}):
            simulator.sim.clock.set(SIM_START + timedelta(hours=hours + 0.5))
            async with engine.begin() as conn:  # poll now: the cadence is tested elsewhere
                await conn.execute(
                    sa.update(shipments)
                    .where(shipments.c.id == shipment_id)
                    .values(next_poll_at=clock())
                )
            while await worker.run_once():
                pass
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        sa.select(shipments.c.status, shipments.c.substatus).where(
                            shipments.c.id == shipment_id
                        )
                    )
                ).one()
                moves = (
                    await conn.execute(
                        sa.select(tracking_events.c.status, tracking_events.c.substatus).where(
                            tracking_events.c.shipment_id == shipment_id,
                            tracking_events.c.affects_status.is_(True),
                        )
                    )
                ).all()
                active = await active_situations(conn, shipment_id)
            for lang in ("fr", "en"):
                # a step that changed nothing shown is a cached page: `step` asks for a render
                response = await pages.get(f"/t/{token}?lang={lang}&step={hours}")
                assert response.status_code == 200
                view = response.context["view"]  # type: ignore[attr-defined]
                found = contradictions(
                    view,
                    status=row.status,
                    substatus=row.substatus,
                    reached=[(m.status, m.substatus) for m in moves],
                    today=clock().astimezone(PARIS).date(),
                    shipped_on=SIM_START.date(),
                    lang=language(lang),
                    situations=[(a.kind, a.facts or {}) for a in active],
                )
                assert found == [], (story, hours, row, lang, found)
                assert view.headline == sentence(language(lang), row.status, row.substatus)
            seen.append(row.status)
    assert seen[-1] == FINAL[story], seen


FINAL = {
    "delivered": "delivered",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "label_only": "info_received",
    "attempt_failed": "delivered",
    "pickup_point": "delivered",
    "not_collected": "returned",
    "neighbour": "delivered",
    "address_problem": "exception",
    "damaged": "returning",
    "refused": "returned",
    "delayed": "in_transit",
}
