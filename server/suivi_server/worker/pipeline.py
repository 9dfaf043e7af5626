"""What happens to every carrier answer, polled or pushed: one function, one transaction.

The worker (a batch of answers it asked for) and the carrier webhooks (one answer pushed to us)
both call `ingest_many` inside the transaction that read the shipments under their lock, so
events, the shipment's view, its shown estimate, what is learned from its delivery, its
situations, its problem and its outbox rows always change together, whichever way the news came.

A batch is read in a few statements (situations, open choices, handled marks, opt-ins), planned
in memory answer by answer, and written in a few more (one executemany per table), whatever its
size: the statements per poll no longer grow with what each answer changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import (
    DetectedSituation,
    EstimatePreference,
    ShipmentFacts,
    Status,
    Thresholds,
    Tracking,
    TransitModel,
    detect_situations,
)
from suivi_server.estimates.facts import shipment_facts
from suivi_server.estimates.learning import learn_delivery
from suivi_server.estimates.shown import Shown, record_shown, show_estimate
from suivi_server.notifications.planner import opted_in_many, planned_notifications, write_outbox
from suivi_server.storage.ingest import (
    IngestResult,
    Planned,
    insert_events,
    plan_answer,
    stored_events,
)
from suivi_server.storage.problems import handled_marks, open_choices, problem_update, reopen
from suivi_server.storage.schema import (
    merchants,
    shipment_handling,
    shipment_situations,
    shipments,
    shopper_choices,
    tracking_events,
)
from suivi_server.storage.situations import (
    SituationChanges,
    situation_changes,
    stored_situations,
    write_situations,
)
from suivi_server.worker.cadence import has_expired, next_poll_at

_s, _e, _t = shipments.c, tracking_events.c, shipment_situations.c
_c, _h = shopper_choices.c, shipment_handling.c

# Statuses in which the estimate is still a forecast: the first one is what accuracy is judged on.
_IN_FLIGHT = frozenset(
    {
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.ATTEMPT_FAILED,
        Status.AVAILABLE_FOR_PICKUP,
        Status.EXCEPTION,
    }
)


@dataclass(frozen=True, slots=True)
class Answer:
    """A carrier's answer about one shipment, with what was read of it under its lock: the row
    (`shipment_rows`) and its stored event rows. `done`: more shipment columns to set with it
    (the worker's poll bookkeeping), the same keys for every answer of a batch."""

    row: Any
    tracking: Tracking
    events: Sequence[Any]
    done: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one answer changed; `values`: every shipment column it wrote."""

    applied: IngestResult
    situations: tuple[DetectedSituation, ...]
    values: dict[str, Any]


def shipment_rows() -> sa.Select[Any]:
    """Shipments with their merchant's settings: the `row` that `ingest` reads."""
    return sa.select(shipments, merchants.c.settings.label("merchant_settings")).join(
        merchants, merchants.c.id == _s.merchant_id
    )


async def ingest(
    conn: AsyncConnection,
    row: Any,
    tracking: Tracking,
    now: datetime,
    model: TransitModel,
    *,
    preference: EstimatePreference | None = None,
) -> Ingested:
    """One answer (`row` read under its lock, as a push does): `ingest_many` of one."""
    events = (await conn.execute(stored_events().where(_e.shipment_id == row.id))).all()
    answer = Answer(row, tracking, events)
    return (await ingest_many(conn, [answer], now, model, preference=preference))[0]


async def ingest_many(
    conn: AsyncConnection,
    answers: Sequence[Answer],
    now: datetime,
    model: TransitModel,
    *,
    preference: EstimatePreference | None = None,
) -> list[Ingested]:
    """Store the answers, show estimates, learn from deliveries that just landed, record
    situations, problems and the notifications they cause, and say when to poll next: all in
    the caller's transaction, in a number of statements that does not depend on the batch."""
    ids = [answer.row.id for answer in answers]
    stored = _by_shipment(await conn.execute(stored_situations().where(_t.shipment_id.in_(ids))))
    choices = _by_shipment(await conn.execute(open_choices().where(_c.shipment_id.in_(ids))))
    marks = {
        r.shipment_id: r.handled_at
        for r in await conn.execute(handled_marks().where(_h.shipment_id.in_(ids)))
    }
    plans = [
        _plan(a, now, model, preference or EstimatePreference(), stored, choices) for a in answers
    ]
    asked = await opted_in_many(conn, [p.answer.row.id for p in plans if p.ingested.situations])
    outbox = [row for p in plans for row in _outbox(p, asked, now)]
    await _write(conn, plans, marks, outbox, now)
    return [plan.ingested for plan in plans]


@dataclass(frozen=True, slots=True)
class _Plan:
    """One answer, planned: what `_write` writes for it."""

    answer: Answer
    planned: Planned
    facts: ShipmentFacts
    shown: Shown
    situations: SituationChanges
    problem_started: datetime | None
    status_change: tuple[str, str | None, datetime | None] | None
    ingested: Ingested


def _plan(
    answer: Answer,
    now: datetime,
    model: TransitModel,
    preference: EstimatePreference,
    stored: Mapping[int, list[Any]],
    choices: Mapping[int, list[Any]],
) -> _Plan:
    row = answer.row
    planned = plan_answer(row, answer.events, answer.tracking, now)
    applied = planned.result
    status = applied.tracking.status
    last_event = applied.tracking.events[0].timestamp if applied.tracking.events else None
    settings = dict(row.merchant_settings or {})
    facts = shipment_facts(row, settings)
    shown = show_estimate(row, facts, applied.tracking, now, model=model, preference=preference)
    values: dict[str, Any] = {**planned.values, **shown.values}
    if has_expired(status, now=now, created_at=row.created_at, last_event_at=last_event):
        # The problem is computed on this final status, not on the carrier's.
        status = Status.EXPIRED
        values.update(status=Status.EXPIRED.value, substatus=None)
    thresholds = Thresholds.model_validate(settings.get("thresholds", {}))
    seen = applied.tracking.model_copy(update={"estimate": shown.estimate})
    detected = detect_situations(facts, seen, shown.estimate, now, thresholds)
    changes = situation_changes(row.id, detected, stored.get(row.id, []), now)
    after = SimpleNamespace(
        status=values["status"],
        substatus=values["substatus"],
        problem=row.problem,
        problem_since=row.problem_since,
        settings=row.merchant_settings,
    )
    problem, started = problem_update(after, changes.active, choices.get(row.id, []), now)
    values.update(problem)
    changed = applied.status_changed or status is not applied.tracking.status
    substatus = applied.tracking.substatus if status is applied.tracking.status else None
    status_change = (
        (status.value, substatus.value if substatus else None, last_event) if changed else None
    )
    if applied.before.shipped_estimate is None and shown.estimate and status in _IN_FLIGHT:
        values["shipped_estimate"] = values["estimate"]
    expected = shown.estimate.latest if shown.estimate else None
    values["next_poll_at"] = next_poll_at(status, now=now, expected=expected)
    values.update(answer.done)
    ingested = Ingested(applied, tuple(changes.new), values)
    return _Plan(answer, planned, facts, shown, changes, started, status_change, ingested)


def _outbox(
    plan: _Plan, asked: Mapping[int, tuple[str, ...]], now: datetime
) -> list[dict[str, Any]]:
    row = plan.answer.row
    return planned_notifications(
        merchant_id=row.merchant_id,
        shipment_id=row.id,
        merchant_settings=dict(row.merchant_settings or {}),
        situations=plan.ingested.situations,
        status_change=plan.status_change,
        now=now,
        asked=asked.get(row.id, ()),
    )


async def _write(
    conn: AsyncConnection,
    plans: Sequence[_Plan],
    marks: Mapping[int, datetime],
    outbox: list[dict[str, Any]],
    now: datetime,
) -> None:
    """The batch's writes, one statement per table (learning aside: once per delivery)."""
    events = [row for plan in plans for row in plan.planned.event_rows]
    if events:
        await conn.execute(insert_events(conn), events)
    await record_shown(conn, [plan.shown.record for plan in plans if plan.shown.record])
    for plan in plans:
        if plan.planned.result.newly_delivered:
            await learn_delivery(conn, plan.answer.row.id, plan.facts, plan.planned.result.tracking)
    inserts = [row for plan in plans for row in plan.situations.inserts]
    resolved = [row_id for plan in plans for row_id in plan.situations.resolved]
    await write_situations(conn, inserts, resolved, now)
    await reopen(
        conn,
        [
            (plan.answer.row.id, plan.problem_started)
            for plan in plans
            if plan.problem_started is not None
            and (mark := marks.get(plan.answer.row.id)) is not None
            and mark < plan.problem_started
        ],
    )
    await write_outbox(conn, outbox)
    await update_shipments(conn, [(plan.answer.row, plan.ingested.values) for plan in plans])


async def update_shipments(
    conn: AsyncConnection, changes: Sequence[tuple[Any, dict[str, Any]]]
) -> None:
    """Set each shipment's columns: one executemany per set of columns (a batch has one or a
    few), so no column is written that its answer did not set."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row, values in changes:
        groups.setdefault(tuple(values), []).append({"b_id": row.id, **values})
    for rows in groups.values():
        await conn.execute(_UPDATE, rows)


_UPDATE = sa.update(shipments).where(_s.id == sa.bindparam("b_id"))


def _by_shipment(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.shipment_id, []).append(row)
    return grouped
