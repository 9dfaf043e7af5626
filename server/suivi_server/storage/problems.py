"""The leading problem of a shipment, kept in `shipments.problem` / `problem_since`.

Recomputed in the transaction that changes its inputs (the situations a poll recorded, a
shopper's choice, a choice handled), so the dashboard's problem list is one indexed range on
(merchant_id, problem_since) and never re-derives anything per row.

A problem comes from an active situation, from the status itself (an exception no situation
explains), or from an open shopper choice. The leading one is the highest in PRIORITY among
those already started; when none has started yet (a pickup deadline still far away), the one
that starts first, so the list shows it only from that moment. A handled mark older than the
newest problem under way is dropped here too, so a newer problem brings the shipment back even
when it ranks below the one that was handled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.schema import (
    merchants,
    shipment_handling,
    shipment_situations,
    shipments,
    shopper_choices,
)

# Highest first: someone waiting on the merchant, then what is broken for good, then what is
# late, then what is merely worth watching.
PRIORITY: tuple[str, ...] = (
    "disputed",  # the shopper says a delivered parcel never reached them
    "choice_pending",  # the shopper asked for something (reship, refund, address…)
    "lost",
    "damaged",
    "refused",
    "address_problem",
    "returned_to_sender",
    "exception",  # an exception no situation explains: customs hold, held by the carrier…
    "delivery_delayed",
    "attempt_failed",
    "pickup_deadline",
    "shipped_late",
    "preparation_delay",
)
RANK: Mapping[str, int] = {kind: rank for rank, kind in enumerate(PRIORITY)}

# Active situation → the problem it is (situations absent here are not problems).
SITUATION_PROBLEMS: Mapping[str, str] = {
    "damaged": "damaged",
    "refused": "refused",
    "address_problem": "address_problem",
    "returned_to_sender": "returned_to_sender",
    "delivery_delayed": "delivery_delayed",
    "attempt_failed": "attempt_failed",
    "available_for_pickup": "pickup_deadline",
    "shipped_late": "shipped_late",
    "preparation_delay": "preparation_delay",
}
# (status, substatus) → the problem the status is by itself; substatuses with a situation of
# their own (address problem, damaged, refused, delayed) are left to that situation.
STATUS_PROBLEMS: Mapping[tuple[str, str | None], str] = {
    ("exception", "lost"): "lost",
    ("exception", "customs_hold"): "exception",
    ("exception", "held_by_carrier"): "exception",
    ("exception", "unknown"): "exception",
    ("exception", None): "exception",
}
# Open shopper choice kind → the problem it is (None: nothing for the merchant to chase).
CHOICE_PROBLEMS: Mapping[str, str | None] = {
    "confirm_address": "choice_pending",
    "correct_address": "choice_pending",
    "reship": "choice_pending",
    "refund": "choice_pending",
    "store_credit": "choice_pending",
    "refusal": "choice_pending",
    "not_received": "disputed",
    "found_it": None,
}
# A parcel at a pickup point becomes a problem this long before its last day to collect it;
# without a stated deadline the shortest common hold is assumed.
PICKUP_NOTICE = timedelta(days=2)
DEFAULT_PICKUP_HOLD = timedelta(days=10)

_s, _t, _c, _h = shipments.c, shipment_situations.c, shopper_choices.c, shipment_handling.c


@dataclass(frozen=True)
class Problem:
    kind: str
    since: datetime


def leading(candidates: Iterable[Problem], now: datetime) -> Problem | None:
    """The highest-priority problem already started, else the one that starts first."""
    found = list(candidates)
    started = [p for p in found if p.since <= now]
    if started:
        return min(started, key=lambda p: (RANK[p.kind], -p.since.timestamp()))
    return min(found, key=lambda p: p.since, default=None)


def newest_per_kind(candidates: Iterable[Problem]) -> list[Problem]:
    """One per kind, its newest occurrence: a new one after a handled mark brings it back."""
    newest: dict[str, Problem] = {}
    for problem in candidates:
        if problem.kind not in newest or problem.since > newest[problem.kind].since:
            newest[problem.kind] = problem
    return list(newest.values())


def pickup_problem_since(
    facts: Mapping[str, Any], detected_at: datetime, zone: ZoneInfo
) -> datetime:
    """Midnight, in the merchant's zone, PICKUP_NOTICE before the last day to collect."""
    try:
        deadline = date.fromisoformat(str(facts.get("deadline")))
    except ValueError:
        return detected_at + DEFAULT_PICKUP_HOLD - PICKUP_NOTICE
    return datetime.combine(deadline - PICKUP_NOTICE, time(), tzinfo=zone)


def _zone(settings: Mapping[str, Any] | None) -> ZoneInfo:
    try:
        return ZoneInfo(str((settings or {}).get("timezone") or "Europe/Paris"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Paris")


def recorded_problems(
    situations: Iterable[tuple[str, Mapping[str, Any] | None, datetime]],
    choices: Iterable[tuple[str, datetime]],
    zone: ZoneInfo,
) -> list[Problem]:
    """The problems whose start is a stored fact: an active situation's, an open choice's."""
    found: list[Problem] = []
    for kind, facts, detected_at in situations:
        problem = SITUATION_PROBLEMS.get(kind)
        if problem == "pickup_deadline":
            found.append(Problem(problem, pickup_problem_since(facts or {}, detected_at, zone)))
        elif problem is not None:
            found.append(Problem(problem, detected_at))
    for kind, created_at in choices:
        if (problem := CHOICE_PROBLEMS.get(kind)) is not None:
            found.append(Problem(problem, created_at))
    return found


def problem_of(
    status: tuple[str, str | None],
    previous: Problem | None,
    situations: Iterable[tuple[str, Mapping[str, Any] | None, datetime]],
    choices: Iterable[tuple[str, datetime]],
    zone: ZoneInfo,
    now: datetime,
) -> Problem | None:
    """The leading problem of (status, active situations, open choices); `previous` keeps a
    status problem's start across polls."""
    found = recorded_problems(situations, choices, zone)
    if (status_problem := STATUS_PROBLEMS.get(status)) is not None:
        kept = previous is not None and previous.kind == status_problem
        found.append(Problem(status_problem, previous.since if previous and kept else now))
    return leading(newest_per_kind(found), now)


def inputs() -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """The shipment (with its merchant's settings), its active situations, its open choices:
    what `problem_of` reads, by shipment id (primary key and indexed lookups)."""
    shipment = sa.select(
        _s.id, _s.status, _s.substatus, _s.problem, _s.problem_since, merchants.c.settings
    ).join(merchants, merchants.c.id == _s.merchant_id)
    situations = sa.select(_t.shipment_id, _t.kind, _t.facts, _t.detected_at).where(
        _t.resolved_at.is_(None)
    )
    return shipment, situations, open_choices()


def open_choices() -> sa.Select[Any]:
    """The open shopper choices of a shipment or a batch (`shipment_id IN …`)."""
    return sa.select(_c.shipment_id, _c.kind, _c.created_at).where(_c.state == "open")


def from_rows(
    shipment: Any, situations: Iterable[Any], choices: Iterable[Any], now: datetime
) -> Problem | None:
    previous = (
        Problem(shipment.problem, shipment.problem_since)
        if shipment.problem and shipment.problem_since
        else None
    )
    return problem_of(
        (shipment.status, shipment.substatus),
        previous,
        ((r.kind, r.facts, r.detected_at) for r in situations),
        ((r.kind, r.created_at) for r in choices),
        _zone(shipment.settings),
        now,
    )


def values_of(problem: Problem | None) -> dict[str, Any]:
    return {
        "problem": problem.kind if problem else None,
        "problem_since": problem.since if problem else None,
    }


def problem_update(
    shipment: Any, situations: Sequence[Any], choices: Sequence[Any], now: datetime
) -> tuple[dict[str, Any], datetime | None]:
    """The shipment's problem columns, and when the newest problem under way began (a handled
    mark older than that is dropped): what `refresh_problem` writes, for one row or a batch."""
    problem = from_rows(shipment, situations, choices, now)
    return values_of(problem), newest_start(shipment, situations, choices, problem, now)


def handled_marks() -> sa.Select[Any]:
    """The handled marks of a shipment or a batch (`shipment_id IN …`)."""
    return sa.select(_h.shipment_id, _h.handled_at)


async def refresh_problem(conn: AsyncConnection, shipment_id: int, now: datetime) -> None:
    """Recompute the shipment's leading problem, in the caller's transaction."""
    shipment_query, situation_query, choice_query = inputs()
    shipment = (await conn.execute(shipment_query.where(_s.id == shipment_id))).first()
    if shipment is None:
        return
    situations = (await conn.execute(situation_query.where(_t.shipment_id == shipment_id))).all()
    choices = (await conn.execute(choice_query.where(_c.shipment_id == shipment_id))).all()
    values, started = problem_update(shipment, situations, choices, now)
    if values != {"problem": shipment.problem, "problem_since": shipment.problem_since}:
        await conn.execute(sa.update(shipments).where(_s.id == shipment_id).values(**values))
    if started is not None:
        await reopen(conn, [(shipment_id, started)])


def newest_start(
    shipment: Any,
    situations: Iterable[Any],
    choices: Iterable[Any],
    leading: Problem | None,
    now: datetime,
) -> datetime | None:
    """When the newest problem already under way began, whichever leads: a lower-ranked
    problem that starts after a handled mark still needs the agent. A status problem that
    does not lead has no known start, so it never counts."""
    recorded = recorded_problems(
        ((r.kind, r.facts, r.detected_at) for r in situations),
        ((r.kind, r.created_at) for r in choices),
        _zone(shipment.settings),
    )
    known = [*recorded, leading] if leading else recorded
    return max((p.since for p in known if p.since <= now), default=None)


async def reopen(conn: AsyncConnection, starts: Sequence[tuple[int, datetime]]) -> None:
    """Drop each handled mark older than a problem under way, so the list shows the shipment
    again (the list keeps its one indexed range; the mark's note stays in the history). The
    age is checked in the statement: a mark made meanwhile by an agent is newer, and stays."""
    if not starts:
        return
    await conn.execute(
        sa.delete(shipment_handling).where(
            _h.shipment_id == sa.bindparam("b_shipment"), _h.handled_at < sa.bindparam("b_started")
        ),
        [{"b_shipment": shipment_id, "b_started": started} for shipment_id, started in starts],
    )
