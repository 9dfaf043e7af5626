"""The pipeline alone writes the shown window: settled against what was shown, its moves counted,
each change recorded; a delivery is learned once, and the measured preference picks the source."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import DeliveryEstimate, Status, Substatus, Tracking, TrackingEvent, week_of
from suivi_server.estimates import models
from suivi_server.estimates.models import Learned, TransitModels
from suivi_server.storage.schema import estimate_scores, shipments, shown_estimates, transit_counts
from suivi_server.worker.pipeline import ingest, shipment_rows
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

NUMBER = "6A12345678901"
TODAY = NOW.date()  # a Wednesday


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def scan(hours: float, status: Status, code: str, sub: Substatus | None = None) -> TrackingEvent:
    at = NOW - timedelta(hours=48) + timedelta(hours=hours)
    return TrackingEvent(timestamp=at, status=status, substatus=sub, code=code, label=code)


HANDED_OVER = scan(0, Status.IN_TRANSIT, "PCH", Substatus.PICKED_UP)
AT_HUB = scan(10, Status.IN_TRANSIT, "AAR", Substatus.AT_HUB)
DELIVERED = scan(47, Status.DELIVERED, "LIV")  # this morning


def carrier(first: int, last: int) -> DeliveryEstimate:
    return DeliveryEstimate(earliest=day(first), latest=day(last), source="carrier")


def answer(*events: TrackingEvent, estimate: DeliveryEstimate | None = None) -> Tracking:
    return Tracking.from_events("colissimo", NUMBER, events, estimate=estimate)


async def poll(
    engine: AsyncEngine, shipment_id: int, tracking: Tracking, learned: Learned | None = None
) -> Any:
    """One answer through the pipeline, written as the worker writes it; the row after."""
    learned = learned or Learned.empty()
    async with engine.begin() as conn:
        row = (await conn.execute(shipment_rows().where(shipments.c.id == shipment_id))).one()
        await ingest(conn, row, tracking, NOW, learned.model, preference=learned.preference)
        return (await conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id))).one()


async def shown_rows(engine: AsyncEngine) -> list[Any]:
    query = sa.select(shown_estimates).order_by(shown_estimates.c.id)
    async with engine.connect() as conn:
        return list((await conn.execute(query)).all())


@pytest.fixture
async def shipment_id(engine: AsyncEngine) -> int:
    merchant_id, _ = await create_merchant(engine)
    return await create_shipment(engine, merchant_id, status="pending", promised_delivery_date=None)


async def test_the_shown_window_moves_only_for_news_and_each_move_is_counted(
    engine: AsyncEngine, shipment_id: int
) -> None:
    first = await poll(engine, shipment_id, answer(HANDED_OVER, estimate=carrier(1, 2)))
    same = await poll(engine, shipment_id, answer(HANDED_OVER, estimate=carrier(1, 2)))
    later = await poll(engine, shipment_id, answer(HANDED_OVER, estimate=carrier(2, 5)))
    hub = await poll(engine, shipment_id, answer(AT_HUB, HANDED_OVER, estimate=carrier(2, 5)))
    earlier = await poll(engine, shipment_id, answer(AT_HUB, HANDED_OVER, estimate=carrier(1, 2)))

    shown = [DeliveryEstimate.model_validate(r.estimate) for r in (first, same, later, hub)]
    assert [(e.earliest, e.latest) for e in shown] == [
        (day(1), day(2)),
        (day(1), day(2)),
        (day(2), day(5)),
        (day(2), day(5)),
    ]
    assert [(r.estimate_moves, r.estimate_later_moves) for r in (same, later, hub, earlier)] == [
        (0, 0),
        (1, 1),
        (1, 1),
        (2, 1),
    ]
    assert (hub.milestone, first.milestone) == ("hub", "handover")
    assert DeliveryEstimate.model_validate(first.shipped_estimate).latest == day(2)
    recorded = await shown_rows(engine)
    assert [(r.milestone, r.moved_later) for r in recorded] == [
        ("handover", False),
        ("handover", True),
        ("hub", False),  # a new milestone: the window in force then, with its candidates
        ("hub", False),
    ]
    assert recorded[1].carrier_estimate == carrier(2, 5).model_dump(mode="json")


async def test_the_previous_window_never_comes_back_as_the_carriers(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await poll(engine, shipment_id, answer(HANDED_OVER, estimate=carrier(1, 2)))
    row = await poll(engine, shipment_id, answer(AT_HUB, HANDED_OVER))
    assert row.carrier_estimate is None
    assert DeliveryEstimate.model_validate(row.estimate).latest == day(2)  # still shown
    assert (await shown_rows(engine))[-1].carrier_estimate is None


async def test_a_delivery_is_learned_once_however_often_it_is_polled(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await poll(engine, shipment_id, answer(HANDED_OVER, estimate=carrier(1, 2)))
    await poll(engine, shipment_id, answer(AT_HUB, HANDED_OVER, estimate=carrier(1, 2)))
    delivered = answer(DELIVERED, AT_HUB, HANDED_OVER, estimate=carrier(1, 2))
    await poll(engine, shipment_id, delivered)
    await poll(engine, shipment_id, delivered)
    query = sa.select(
        transit_counts.c.milestone,
        transit_counts.c.week,
        transit_counts.c.days,
        transit_counts.c.deliveries,
    ).order_by(transit_counts.c.milestone)
    async with engine.connect() as conn:
        counts = (await conn.execute(query)).all()
        scores = (await conn.execute(sa.select(estimate_scores))).all()
    week = week_of(DELIVERED.timestamp.date())
    # Handed over and at the hub on Monday, delivered on Wednesday: two business days each.
    assert [tuple(c) for c in counts] == [("handover", week, 2, 1), ("hub", week, 2, 1)]
    assert scores == []  # the model had no window to offer: nothing to compare


async def test_a_delivery_reported_again_after_an_exception_is_learned_once(
    engine: AsyncEngine, shipment_id: int
) -> None:
    await poll(engine, shipment_id, answer(HANDED_OVER))
    await poll(engine, shipment_id, answer(DELIVERED, HANDED_OVER))
    disputed = scan(47.5, Status.EXCEPTION, "ANO")
    await poll(engine, shipment_id, answer(disputed, DELIVERED, HANDED_OVER))
    again = scan(47.8, Status.DELIVERED, "LV2")
    row = await poll(engine, shipment_id, answer(again, disputed, DELIVERED, HANDED_OVER))
    query = sa.select(transit_counts.c.milestone, sa.func.sum(transit_counts.c.deliveries))
    async with engine.connect() as conn:
        counts = (await conn.execute(query.group_by(transit_counts.c.milestone))).all()
    assert row.status == "delivered"
    assert [tuple(c) for c in counts] == [("handover", 1)]
    assert row.learned_at == NOW


async def _learned(engine: AsyncEngine, carrier_hits: int, model_hits: int) -> Learned:
    """Counts for a model sure of two business days from hand-over, and scores of carrier
    against model at hand-over for colissimo."""
    week = week_of(TODAY) - 1
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(transit_counts).values(
                carrier="colissimo",
                service="",
                origin_region="FR",
                dest_region="75",
                milestone="handover",
                week=week,
                days=2,
                deliveries=60,
            )
        )
        await conn.execute(
            sa.insert(estimate_scores).values(
                carrier="colissimo",
                service="",
                milestone="handover",
                week=week,
                deliveries=60,
                carrier_hits=carrier_hits,
                model_hits=model_hits,
            )
        )
    return await TransitModels(engine).get(NOW)


@pytest.mark.parametrize(
    ("carrier_hits", "model_hits", "source"), [(55, 40, "carrier"), (40, 55, "model")]
)
async def test_the_carrier_is_shown_where_its_scores_are_better(
    engine: AsyncEngine, shipment_id: int, carrier_hits: int, model_hits: int, source: str
) -> None:
    learned = await _learned(engine, carrier_hits, model_hits)
    row = await poll(engine, shipment_id, answer(HANDED_OVER, estimate=carrier(5, 6)), learned)
    shown = DeliveryEstimate.model_validate(row.estimate)
    assert shown.source == source
    [recorded] = await shown_rows(engine)
    assert recorded.carrier_estimate is not None
    assert recorded.model_estimate is not None
    if source == "carrier":
        assert shown.confidence == round(55 / 60, 4)  # the carrier's measured hit rate


async def test_a_delivery_scores_the_carrier_and_the_model_at_each_milestone(
    engine: AsyncEngine, shipment_id: int
) -> None:
    learned = await _learned(engine, 0, 0)
    await poll(engine, shipment_id, answer(HANDED_OVER, estimate=carrier(5, 6)), learned)
    delivered = answer(DELIVERED, HANDED_OVER, estimate=carrier(5, 6))
    await poll(engine, shipment_id, delivered, learned)
    await poll(engine, shipment_id, delivered, learned)
    query = sa.select(estimate_scores).where(estimate_scores.c.week == week_of(TODAY))
    async with engine.connect() as conn:
        [scored] = (await conn.execute(query)).all()
    # Arrived today, two business days after hand-over as the model said; the carrier said later.
    assert (scored.milestone, scored.deliveries, scored.carrier_hits, scored.model_hits) == (
        "handover",
        1,
        0,
        1,
    )


async def test_many_counts_are_built_in_a_process_into_the_same_model(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = await _learned(engine, 55, 40)
    monkeypatch.setattr(models, "ROWS_BUILT_HERE", 0)
    apart = await TransitModels(engine).get(NOW)
    route = ("colissimo", None, "FR", "75")
    assert apart.model.transit(*route) == here.model.transit(*route) is not None
    assert apart.preference == here.preference
