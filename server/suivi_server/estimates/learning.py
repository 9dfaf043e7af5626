"""Learning from each delivery as it lands: a few upserted counts in the delivery's transaction.

The transit model's histograms (`transit_counts`) gain one delivery per milestone the parcel
reached, and the carrier-versus-model scores (`estimate_scores`) one delivery per milestone at
which both had a window to offer. Called once per shipment, when its delivery first becomes
known, in the transaction that stores it: a crash loses both or neither, a repeated poll of the
delivery answer adds nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import (
    DeliveryEstimate,
    ShipmentFacts,
    Tracking,
    arrival,
    local_date,
    score,
    transit_observations,
    week_of,
)
from suivi_server.storage.dialect import upsert_insert
from suivi_server.storage.schema import estimate_scores, shown_estimates, transit_counts

_se = shown_estimates.c
CountKey = tuple[str, str, str, str, str, int, int]  # transit_counts' primary key, in order
ScoreKey = tuple[str, str, str, int]  # estimate_scores' primary key, in order
_COUNT_KEY = ("carrier", "service", "origin_region", "dest_region", "milestone", "week", "days")
_SCORE_KEY = ("carrier", "service", "milestone", "week")


def transit_counts_of(facts: ShipmentFacts, tracking: Tracking) -> Counter[CountKey]:
    """The `transit_counts` keys one delivered parcel adds a delivery to (none before arrival)."""
    arrived = arrival(tracking)
    if arrived is None:
        return Counter()
    week = week_of(local_date(arrived, facts.calendar(tracking.service).zone))
    return Counter(
        (
            o.carrier,
            o.service or "",
            o.origin_region,
            o.dest_region,
            o.milestone.value,
            week,
            o.days,
        )
        for o in transit_observations(facts, tracking)
    )


async def add_transit_counts(conn: AsyncConnection, counts: Mapping[CountKey, int]) -> None:
    """`deliveries += n` on each key, inserting the keys not counted yet (one statement)."""
    if not counts:
        return
    rows = [
        {**dict(zip(_COUNT_KEY, key, strict=True)), "deliveries": n} for key, n in counts.items()
    ]
    insert = upsert_insert(conn, transit_counts)
    await conn.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=list(_COUNT_KEY),
            set_={"deliveries": transit_counts.c.deliveries + insert.excluded.deliveries},
        )
    )


def scores_of(
    carrier: str, service: str | None, arrival_day: date, shown: Iterable[Any]
) -> dict[ScoreKey, tuple[int, int, int]]:
    """Per milestone, whether the carrier's and the model's windows offered when the parcel
    reached it held the arrival; `shown` are its `shown_estimates` rows, oldest first. Only
    milestones where both had a window count: the score compares them on the same parcels."""
    first: dict[str, Any] = {}
    for row in shown:
        if row.milestone is not None:
            first.setdefault(row.milestone, row)
    week = week_of(arrival_day)
    scores: dict[ScoreKey, tuple[int, int, int]] = {}
    for milestone, row in first.items():
        if row.carrier_estimate is None or row.model_estimate is None:
            continue
        carrier_hit = score(DeliveryEstimate.model_validate(row.carrier_estimate), arrival_day)
        model_hit = score(DeliveryEstimate.model_validate(row.model_estimate), arrival_day)
        scores[(carrier, service or "", milestone, week)] = (1, int(carrier_hit), int(model_hit))
    return scores


async def add_scores(
    conn: AsyncConnection, scores: Mapping[ScoreKey, tuple[int, int, int]]
) -> None:
    """Add deliveries and hits to each key (one statement)."""
    if not scores:
        return
    rows = [
        {
            **dict(zip(_SCORE_KEY, key, strict=True)),
            "deliveries": deliveries,
            "carrier_hits": carrier_hits,
            "model_hits": model_hits,
        }
        for key, (deliveries, carrier_hits, model_hits) in scores.items()
    ]
    insert = upsert_insert(conn, estimate_scores)
    c = estimate_scores.c
    await conn.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=list(_SCORE_KEY),
            set_={
                "deliveries": c.deliveries + insert.excluded.deliveries,
                "carrier_hits": c.carrier_hits + insert.excluded.carrier_hits,
                "model_hits": c.model_hits + insert.excluded.model_hits,
            },
        )
    )


async def learn_delivery(
    conn: AsyncConnection, shipment_id: int, facts: ShipmentFacts, tracking: Tracking
) -> None:
    """Count a delivery that just became known, and score the windows offered on its way."""
    arrived = arrival(tracking)
    if arrived is None:
        return
    await add_transit_counts(conn, transit_counts_of(facts, tracking))
    shown = await conn.execute(
        sa.select(_se.milestone, _se.carrier_estimate, _se.model_estimate)
        .where(_se.shipment_id == shipment_id)
        .order_by(_se.shown_at, _se.id)
    )
    arrival_day = local_date(arrived, facts.calendar(tracking.service).zone)
    service = facts.service or tracking.service
    await add_scores(conn, scores_of(facts.carrier, service, arrival_day, shown.all()))
