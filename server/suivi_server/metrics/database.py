"""The database gauges of /metrics, each read in bounded time whatever the number of shipments.

Counts per carrier, status and failing, and active situations per kind, come from the count
tables the triggers of migration 0013 keep; polls in the last hour from their per-minute ring.
Due polls and due notifications are counted over their index range up to DUE_CAP rows (a
larger backlog shows as DUE_CAP: the alarm is already on), and how late the oldest is is the
first entry of that index. Notification channels are found by skipping through the index
(one probe per channel), so a plugin's channel shows up with no list to keep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi_server.storage.schema import (
    notifications,
    poll_counts,
    shipment_counts,
    shipments,
    situation_counts,
)

DUE_CAP = 10_000
_s, _n, _k = shipments.c, notifications.c, shipment_counts.c


@dataclass(frozen=True)
class Outbox:
    """One channel's pending notifications that are due, and how late the oldest is."""

    due: int
    lag_seconds: float


@dataclass(frozen=True)
class Snapshot:
    shipments: Counter[tuple[str, str]] = field(default_factory=Counter)
    failing: Counter[str] = field(default_factory=Counter)
    polls_due: int = 0
    poll_lag_seconds: float = 0.0
    polls_last_hour: int = 0
    situations: Counter[str] = field(default_factory=Counter)
    outbox: dict[str, Outbox] = field(default_factory=dict)


def _bounded_count(where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    probe = sa.select(sa.literal(1).label("one")).where(where).limit(DUE_CAP).subquery()
    return sa.select(sa.func.count()).select_from(probe)


def _first(column: sa.ColumnElement[Any], *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(column).where(column.is_not(None), *where).order_by(column).limit(1)


def _channels() -> sa.Select[Any]:
    """The channels holding pending rows: a loose index scan, one probe per channel."""
    pending = _n.state == "pending"
    found = sa.select(_first(_n.channel, pending).scalar_subquery().label("channel")).cte(
        "channels", recursive=True
    )
    following = _first(_n.channel, pending, _n.channel > found.c.channel).scalar_subquery()
    found = found.union_all(sa.select(following).where(found.c.channel.is_not(None)))
    return sa.select(found.c.channel).where(found.c.channel.is_not(None))


async def _counts(conn: AsyncConnection) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    by_key = await conn.execute(
        sa.select(_k.carrier, _k.status, _k.failing, sa.func.sum(_k.shipments)).group_by(
            _k.carrier, _k.status, _k.failing
        )
    )
    totals: Counter[tuple[str, str]] = Counter()
    failing: Counter[str] = Counter()
    for carrier, status, is_failing, n in by_key:
        totals[carrier, status] += int(n)
        if is_failing:
            failing[carrier] += int(n)
    return +totals, +failing


async def _outbox(conn: AsyncConnection, now: datetime) -> dict[str, Outbox]:
    outbox: dict[str, Outbox] = {}
    for channel in (await conn.execute(_channels())).scalars():
        mine = sa.and_(_n.state == "pending", _n.channel == channel)
        due = (await conn.execute(_bounded_count(sa.and_(mine, _n.due_at <= now)))).scalar_one()
        oldest = (await conn.execute(_first(_n.due_at, mine))).scalar()
        lag = (now - oldest).total_seconds() if oldest is not None else 0.0
        outbox[channel] = Outbox(due=due, lag_seconds=max(0.0, lag))
    return outbox


async def read(engine: AsyncEngine, now: datetime) -> Snapshot:
    """Every database gauge, in one connection."""
    minute = int(now.timestamp()) // 60
    async with engine.connect() as conn:
        totals, failing = await _counts(conn)
        due = (await conn.execute(_bounded_count(_s.next_poll_at <= now))).scalar_one()
        oldest = (await conn.execute(_first(_s.next_poll_at))).scalar()
        p = poll_counts.c
        polled = await conn.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(p.polls), 0)).where(
                p.minute > minute - 60, p.minute <= minute
            )
        )
        c = situation_counts.c
        situations = await conn.execute(
            sa.select(c.kind, sa.func.sum(c.situations)).group_by(c.kind)
        )
        outbox = await _outbox(conn, now)
    lag = (now - oldest).total_seconds() if oldest is not None else 0.0
    return Snapshot(
        shipments=totals,
        failing=failing,
        polls_due=due,
        poll_lag_seconds=max(0.0, lag),
        polls_last_hour=int(polled or 0),
        situations=+Counter({kind: int(n) for kind, n in situations}),
        outbox=outbox,
    )


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


class DatabaseCollector(Collector):
    """Yields the last `Snapshot` read; the endpoint awaits `refresh()` right before it renders
    the registry, with no await in between, so a scrape always shows its own reading."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.snapshot = Snapshot()

    async def refresh(self, now: datetime) -> None:
        self.snapshot = await read(self.engine, now)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self.snapshot
        shipped = GaugeMetricFamily(
            "suivi_shipments", "Shipments per carrier and status.", labels=["carrier", "status"]
        )
        for (carrier, status), n in sorted(snap.shipments.items()):
            shipped.add_metric([carrier, status], n)
        yield shipped
        yield _gauge(
            "suivi_polls_due",
            f"Shipments whose poll is due (counted up to {DUE_CAP}).",
            snap.polls_due,
        )
        yield _gauge(
            "suivi_poll_lag_seconds", "How late the oldest due poll is.", snap.poll_lag_seconds
        )
        yield _gauge(
            "suivi_polls_last_hour", "Polls in the last sixty minutes.", snap.polls_last_hour
        )
        failing = GaugeMetricFamily(
            "suivi_shipments_failing", "Shipments whose last poll failed.", labels=["carrier"]
        )
        for carrier, n in sorted(snap.failing.items()):
            failing.add_metric([carrier], n)
        yield failing
        situations = GaugeMetricFamily(
            "suivi_active_situations", "Unresolved situations per kind.", labels=["kind"]
        )
        for kind, n in sorted(snap.situations.items()):
            situations.add_metric([kind], n)
        yield situations
        due = GaugeMetricFamily(
            "suivi_notifications_due",
            f"Pending notifications due now, per channel (counted up to {DUE_CAP}).",
            labels=["channel"],
        )
        lag = GaugeMetricFamily(
            "suivi_notification_lag_seconds",
            "How late each channel's oldest pending notification is.",
            labels=["channel"],
        )
        for channel, box in sorted(snap.outbox.items()):
            due.add_metric([channel], box.due)
            lag.add_metric([channel], box.lag_seconds)
        yield due
        yield lag
