"""The contact feedback loop: how many contacts per 100 shipments, about what, and whether a
message switched on made them fall.

What is counted, so the figures stay honest:
- A period's rate is its contacts (by `occurred_at`) per 100 shipments created in the same
  period: the merchant's volume of that period, the usual "contacts per order". Both counts are
  returned, so a rate over few shipments can be read as such.
- A situation's rate is the contacts recorded in that situation per 100 shipments that entered
  it (situation detected) during the window: a delay message is judged per delayed parcel, so
  a month of carrier trouble does not pass for a failed message. Situations are found through
  the merchant's shipments created up to `SITUATION_LOOKBACK` before the window (the index on
  shipments); one detected later than that after its shipment's creation is not counted.
- Before/after compares the N weeks before a rule change with the N weeks after it (cut at
  now), and says whether the difference could be chance: a two-sided test of two Poisson rates
  (contacts over exposure), since a shipment may cause more than one contact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import Situation
from suivi_server.notifications.rules import NotificationRules
from suivi_server.pages.queries import as_utc
from suivi_server.storage.schema import (
    contacts,
    notification_rule_changes,
    shipment_situations,
    shipments,
)

Granularity = Literal["day", "week", "month"]
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month")
SITUATION_LOOKBACK = timedelta(days=60)
SITUATION_EVENTS = frozenset(s.value for s in Situation)  # rules that message the shopper
SIGNIFICANCE = 0.05
RANKING_WEEKS = 4
_c = contacts.c
_s = shipments.c
_ss = shipment_situations.c
_r = notification_rule_changes.c


def per_100(count: int, base: int) -> float | None:
    """Contacts per 100 shipments; None when there were no shipments to count them against."""
    return count * 100 / base if base else None


@dataclass(frozen=True)
class Bucket:
    """One day, week (from its Monday) or month of contacts and shipments."""

    label: str  # the first day, ISO (a month: YYYY-MM)
    start: datetime
    end: datetime
    shipments: int
    contacts: int
    by_reason: Mapping[str, int]
    by_situation: Mapping[str, int]  # "" for contacts recorded in no situation

    @property
    def rate(self) -> float | None:
        return per_100(self.contacts, self.shipments)

    def reason_rate(self, reason: str) -> float | None:
        return per_100(self.by_reason.get(reason, 0), self.shipments)

    def situation_rate(self, situation: str) -> float | None:
        return per_100(self.by_situation.get(situation, 0), self.shipments)


def period_starts(since: date, until: date, granularity: Granularity) -> list[date]:
    """The first day of every whole period touching [since, until], and the day after the last."""
    first = {
        "day": since,
        "week": since - timedelta(days=since.weekday()),
        "month": since.replace(day=1),
    }[granularity]
    starts = [first]
    while starts[-1] <= until:
        starts.append(_next_start(starts[-1], granularity))
    return starts


def _next_start(day: date, granularity: Granularity) -> date:
    if granularity == "day":
        return day + timedelta(days=1)
    if granularity == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _bucket_of(column: sa.ColumnElement[datetime], ends: Sequence[datetime]) -> sa.Case[int]:
    """The index of the period a moment falls in, computed by the database (one grouped scan
    of the merchant's index range, the same SQL on SQLite and PostgreSQL)."""
    return sa.case(*((column < end, index) for index, end in enumerate(ends)), else_=len(ends))


async def contact_rates(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    since: date,
    until: date,
    zone: ZoneInfo,
    granularity: Granularity = "week",
) -> list[Bucket]:
    """Contacts and shipments per period (ix_contacts_merchant_id_occurred_at,
    ix_shipments_merchant_id_created_at), whole periods in the merchant's time zone."""
    starts = period_starts(since, until, granularity)
    instants = [_instant(day, zone) for day in starts]
    ends = instants[1:]
    created = _bucket_of(_s.created_at, ends).label("bucket")
    volume = await conn.execute(
        sa.select(created, sa.func.count())
        .where(
            _s.merchant_id == merchant_id,
            _s.created_at >= instants[0],
            _s.created_at < instants[-1],
        )
        .group_by(created)
    )
    shipped = {int(bucket): int(n) for bucket, n in volume.all()}
    occurred = _bucket_of(_c.occurred_at, ends).label("bucket")
    rows = await conn.execute(
        sa.select(occurred, _c.reason, _c.situation, sa.func.count())
        .where(
            _c.merchant_id == merchant_id,
            _c.occurred_at >= instants[0],
            _c.occurred_at < instants[-1],
        )
        .group_by(occurred, _c.reason, _c.situation)
    )
    reasons: dict[int, Counter[str]] = {}
    situations: dict[int, Counter[str]] = {}
    for bucket, reason, situation, n in rows.all():
        reasons.setdefault(int(bucket), Counter())[reason] += int(n)
        situations.setdefault(int(bucket), Counter())[situation or ""] += int(n)
    return [
        Bucket(
            label=day.isoformat()[:7] if granularity == "month" else day.isoformat(),
            start=instants[index],
            end=ends[index],
            shipments=shipped.get(index, 0),
            contacts=sum(reasons.get(index, Counter()).values()),
            by_reason=dict(reasons.get(index, Counter())),
            by_situation=dict(situations.get(index, Counter())),
        )
        for index, day in enumerate(starts[:-1])
    ]


ChangeKind = Literal["on", "off", "changed"]


@dataclass(frozen=True)
class RuleChange:
    """A shopper message switched on, off, or changed (channels, delay, template)."""

    id: int
    event: str
    kind: ChangeKind
    changed_at: datetime
    changed_by: str


async def rule_changes(conn: AsyncConnection, *, merchant_id: int) -> list[RuleChange]:
    """The merchant's changes of shopper-message rules, oldest first
    (ix_notification_rule_changes_merchant_id_changed_at). A change keeping the rule on is
    "changed"; the first row of an event says on or off."""
    query = (
        sa.select(_r.id, _r.event, _r.enabled, _r.changed_at, _r.changed_by)
        .where(_r.merchant_id == merchant_id, _r.event.in_(sorted(SITUATION_EVENTS)))
        .order_by(_r.changed_at, _r.id)
    )
    enabled_before: dict[str, bool] = {}
    changes = []
    for row in (await conn.execute(query)).all():
        was = enabled_before.get(row.event)
        kind: ChangeKind = "on" if row.enabled else "off"
        if was is not None and was == row.enabled:
            kind = "changed"
        enabled_before[row.event] = row.enabled
        changes.append(RuleChange(row.id, row.event, kind, as_utc(row.changed_at), row.changed_by))
    return changes


def poisson_p_value(before: int, before_base: int, after: int, after_base: int) -> float | None:
    """Two-sided p-value that two rates (counts over exposures) differ only by chance.

    The normal approximation of the conditional test: z = (r1 - r2) / sqrt(r (1/n1 + 1/n2)),
    r pooled. None when a side has no exposure or no contact happened at all.
    """
    if not before_base or not after_base or not before + after:
        return None
    pooled = (before + after) / (before_base + after_base)
    spread = math.sqrt(pooled * (1 / before_base + 1 / after_base))
    z = (before / before_base - after / after_base) / spread
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class Comparison:
    """Contacts of one kind per 100 shipments before and after a change, with the counts."""

    key: str  # a reason, or the rule's situation
    before_contacts: int
    before_shipments: int
    after_contacts: int
    after_shipments: int

    @property
    def before_rate(self) -> float | None:
        return per_100(self.before_contacts, self.before_shipments)

    @property
    def after_rate(self) -> float | None:
        return per_100(self.after_contacts, self.after_shipments)

    @property
    def change(self) -> float | None:
        """Relative change: -0.5 when the rate halved."""
        before, after = self.before_rate, self.after_rate
        return None if not before or after is None else after / before - 1

    @property
    def p_value(self) -> float | None:
        return poisson_p_value(
            self.before_contacts, self.before_shipments, self.after_contacts, self.after_shipments
        )

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RuleEffect:
    change: RuleChange
    before: Window
    after: Window  # cut at now: the after window may still be running
    situation: Comparison  # contacts in the rule's situation, per 100 shipments that were in it
    reasons: list[Comparison]  # every reason seen, per 100 shipments created


async def rule_effect(
    conn: AsyncConnection, *, merchant_id: int, change: RuleChange, weeks: int, now: datetime
) -> RuleEffect:
    """The rates `weeks` weeks before the change against the weeks after it."""
    span = timedelta(weeks=weeks)
    before = Window(change.changed_at - span, change.changed_at)
    after = Window(change.changed_at, min(change.changed_at + span, max(now, change.changed_at)))
    sides = [await _window_counts(conn, merchant_id, w) for w in (before, after)]
    reasons = sorted(set(sides[0].by_reason) | set(sides[1].by_reason))
    return RuleEffect(
        change=change,
        before=before,
        after=after,
        situation=Comparison(
            change.event,
            sides[0].by_situation.get(change.event, 0),
            sides[0].in_situation.get(change.event, 0),
            sides[1].by_situation.get(change.event, 0),
            sides[1].in_situation.get(change.event, 0),
        ),
        reasons=[
            Comparison(
                reason,
                sides[0].by_reason.get(reason, 0),
                sides[0].shipments,
                sides[1].by_reason.get(reason, 0),
                sides[1].shipments,
            )
            for reason in reasons
        ],
    )


@dataclass(frozen=True)
class _Counts:
    shipments: int
    by_reason: Mapping[str, int]
    by_situation: Mapping[str, int]
    in_situation: Mapping[str, int]  # shipments that entered each situation


async def _window_counts(conn: AsyncConnection, merchant_id: int, window: Window) -> _Counts:
    shipped = await conn.scalar(
        sa.select(sa.func.count()).where(
            _s.merchant_id == merchant_id,
            _s.created_at >= window.start,
            _s.created_at < window.end,
        )
    )
    rows = (
        await conn.execute(
            sa.select(_c.reason, _c.situation, sa.func.count())
            .where(
                _c.merchant_id == merchant_id,
                _c.occurred_at >= window.start,
                _c.occurred_at < window.end,
            )
            .group_by(_c.reason, _c.situation)
        )
    ).all()
    by_reason: Counter[str] = Counter()
    by_situation: Counter[str] = Counter()
    for reason, situation, n in rows:
        by_reason[reason] += int(n)
        by_situation[situation or ""] += int(n)
    return _Counts(
        int(shipped or 0),
        by_reason,
        by_situation,
        await shipments_in_situations(conn, merchant_id, window),
    )


async def shipments_in_situations(
    conn: AsyncConnection, merchant_id: int, window: Window
) -> dict[str, int]:
    """How many shipments entered each situation during the window: the merchant's shipments
    created since the lookback (ix_shipments_merchant_id_created_at), then their situations
    (ix_shipment_situations_active, by shipment id)."""
    query = (
        sa.select(_ss.kind, sa.func.count(sa.distinct(_ss.shipment_id)))
        .join(shipments, _s.id == _ss.shipment_id)
        .where(
            _s.merchant_id == merchant_id,
            _s.created_at >= window.start - SITUATION_LOOKBACK,
            _s.created_at < window.end,
            _ss.detected_at >= window.start,
            _ss.detected_at < window.end,
        )
        .group_by(_ss.kind)
    )
    return {kind: int(n) for kind, n in (await conn.execute(query)).all()}


@dataclass(frozen=True)
class SituationRank:
    """A situation by the contacts it caused lately: the next message to write."""

    situation: str
    contacts: int
    shipments: int  # shipments that entered it in the window
    share: float  # of every contact in the window
    rule_on: bool  # whether a message goes out for it today

    @property
    def rate(self) -> float | None:
        return per_100(self.contacts, self.shipments)


@dataclass(frozen=True)
class Ranking:
    window: Window
    contacts: int  # every contact of the window
    unattributed: int  # recorded in no situation: not in the list
    situations: list[SituationRank]


async def situation_ranking(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    rules: NotificationRules,
    now: datetime,
    weeks: int = RANKING_WEEKS,
) -> Ranking:
    """Situations by contacts over the last `weeks` weeks, most first (then by rate)."""
    window = Window(now - timedelta(weeks=weeks), now)
    counts = await _window_counts(conn, merchant_id, window)
    total = sum(counts.by_reason.values())
    ranks = [
        SituationRank(
            situation,
            n,
            counts.in_situation.get(situation, 0),
            n / total,
            rules.rule(situation).enabled,
        )
        for situation, n in counts.by_situation.items()
        if situation
    ]
    ranks.sort(key=lambda r: (-r.contacts, -(r.rate or 0.0), r.situation))
    return Ranking(window, total, counts.by_situation.get("", 0), ranks)
