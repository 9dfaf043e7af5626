"""The sender: claims due outbox rows, renders them, delivers them, records what happened.

Rows are claimed with leases, like shipments by the worker (`SKIP LOCKED` on PostgreSQL), so
several senders never send the same row. Each row's outcome is committed in its own
transaction, and only while the lease is still ours. A sender killed at any moment therefore
loses nothing: an unfinished row's lease expires and it is sent again. The one window where a
message can go out twice is between the provider accepting it and our commit; the message then
carries the same idempotency key (Message-ID, webhook-id) and the receiver can drop it.
`SenderMetrics.commit_windows` measures that window.

Before sending to a shopper the sender checks, in this order: the situation still holds (for
messages only true while it lasts), the shopper has not opted out, no more important message
of the same poll supersedes it, it is not quiet hours for the shopper, the day's cap is not
reached. Quiet hours and caps defer a message; they never drop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time as monotonic
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from suivi import Situation
from suivi_server.notifications.channels import Accepted, Channel, Outcome, Rejected, TryLater
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.notifications.message_wording import OPTIN_CONFIRMATION
from suivi_server.notifications.optouts import is_opted_out
from suivi_server.notifications.rules import NotificationRules, rules_of
from suivi_server.notifications.zones import shopper_zone
from suivi_server.pages.i18n import supported
from suivi_server.recommendations.messages import with_recommendations
from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import (
    merchants,
    notification_optins,
    notifications,
    shipment_situations,
    shipments,
)

log = logging.getLogger("suivi.sender")
_n = notifications.c
_s = shipments.c

DEFAULT_LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)

# Messages that only make sense while their situation lasts: "out for delivery" deferred past
# the delivery, or a "no scan" delay whose scan arrived during the wait, are cancelled.
ONLY_WHILE_TRUE: frozenset[str] = frozenset(
    {
        Situation.PREPARATION_DELAY,
        Situation.SHIPPED,
        Situation.SHIPPED_LATE,
        Situation.DELIVERY_DELAYED,
        Situation.ADDRESS_PROBLEM,
        Situation.AVAILABLE_FOR_PICKUP,
        Situation.OUT_FOR_DELIVERY,
        Situation.ATTEMPT_FAILED,
    }
)
# Messages about the shopper's day ("out for delivery today"): false once that day is over,
# so one deferred past it (quiet hours, a cap) is cancelled rather than sent the next morning.
SAME_DAY_ONLY: frozenset[str] = frozenset({Situation.OUT_FOR_DELIVERY})
# Messages the shopper is waiting for on the page right now (a confirmation code): sent at once
# to the address typed there, whatever the hour or the day's count, and only while still valid.
DIRECT_EVENTS: Mapping[str, timedelta] = {OPTIN_CONFIRMATION: timedelta(minutes=30)}
# Where an address confirmed on the page goes in the shipment a channel reads.
OPTIN_FIELDS: Mapping[str, str] = {"email": "customer_email", "sms": "customer_phone"}
# When one poll brings several situations, a shopper gets one message per channel: the first
# of this list (what needs action first). The others are recorded as superseded.
PRIORITY: tuple[str, ...] = (
    Situation.REFUSED,
    Situation.RETURNED_TO_SENDER,
    Situation.DAMAGED,
    Situation.ADDRESS_PROBLEM,
    Situation.ATTEMPT_FAILED,
    Situation.AVAILABLE_FOR_PICKUP,
    Situation.DELIVERED_TO_THIRD_PARTY,
    Situation.DELIVERED,
    Situation.OUT_FOR_DELIVERY,
    Situation.DELIVERY_DELAYED,
    Situation.SHIPPED_LATE,
    Situation.SHIPPED,
    Situation.PREPARATION_DELAY,
)


@dataclass
class SenderMetrics:
    """What the sender did, by final state; `commit_windows` are seconds between a provider
    accepting a message and our commit (the only moment a crash can duplicate it)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    deferred: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    lost_leases: int = 0
    commit_windows: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        windows = sorted(self.commit_windows)

        def ms(share: float) -> float | None:
            return round(windows[int(share * (len(windows) - 1))] * 1000, 2) if windows else None

        return {
            "outcomes": dict(self.outcomes),
            "deferred": dict(self.deferred),
            "retries": self.retries,
            "lost_leases": self.lost_leases,
            "commit_window_ms": {"p50": ms(0.5), "p99": ms(0.99), "max": ms(1.0)},
        }


@dataclass(frozen=True)
class Links:
    """The links a message carries: the signed page, and the channel's unsubscribe link."""

    page: Callable[[int], str]
    unsubscribe: Callable[[int, str, str], str] | None = None


class _Unrecorded(Exception):
    """A message the provider accepted whose outcome could not be committed."""


@dataclass(frozen=True)
class _Defer:
    until: datetime
    reason: str


@dataclass(frozen=True)
class _Finish:
    state: str
    reason: str


def retry_delay(attempts: int, after: timedelta | None = None) -> timedelta:
    """The provider's Retry-After when given, else 30 s doubling per attempt up to one hour."""
    if after is not None:
        return min(max(after, timedelta(seconds=1)), LONGEST_RETRY)
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 16)), LONGEST_RETRY)


def end_of_quiet_hours(local: datetime, end: time) -> datetime:
    """The next moment the quiet hours end, from a moment inside them (shopper's zone)."""
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return candidate if candidate > local else candidate + timedelta(days=1)


def _priority(event: str) -> int:
    return PRIORITY.index(event) if event in PRIORITY else len(PRIORITY)


def compose(
    *,
    notification_id: int,
    idempotency_key: str,
    channel: str,
    event: str,
    facts: Mapping[str, Any],
    template: str | None,
    created_at: datetime,
    merchant: Merchant,
    shipment: ShipmentSnapshot,
    recipient: str,
    links: Links,
    default_locale: str,
    locale: str | None = None,
) -> OutboundMessage:
    """A message in the shopper's language and zone, with its signed and unsubscribe links."""
    settings = merchant.settings
    zone = shopper_zone(
        shipment.customer_country,
        shipment.customer_postcode,
        str(settings.get("timezone") or "Europe/Paris"),
    )
    language = (
        supported(locale)
        or supported(shipment.customer_locale)
        or supported(settings.get("default_locale"))
        or supported(default_locale)
        or "en"
    )
    unsubscribe = links.unsubscribe
    return OutboundMessage(
        notification_id=notification_id,
        idempotency_key=idempotency_key,
        channel=channel,
        event=event,
        recipient=recipient,
        locale=language,
        merchant=merchant,
        shipment=shipment,
        facts=facts,
        page_url=links.page(shipment.id),
        created_at=created_at,
        timezone=zone.key,
        unsubscribe_url=unsubscribe(merchant.id, channel, recipient) if unsubscribe else None,
        template=template,
    )


def claim_statement(sender_id: str, now: datetime, limit: int, lease: timedelta) -> Any:
    due = (
        sa.select(_n.id)
        .where(_n.state == "pending", _n.due_at <= now)
        .where(sa.or_(_n.lease_expires_at.is_(None), _n.lease_expires_at < now))
        .order_by(_n.due_at, _n.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (
        sa.update(notifications)
        .where(_n.id.in_(due.scalar_subquery()))
        .values(lease_owner=sender_id, lease_expires_at=now + lease)
        .returning(_n.id)
    )


def _rows(ids: list[int]) -> sa.Select[Any]:
    return (
        sa.select(
            notifications,
            *(c.label(f"shipment_{c.name}") for c in shipments.c if c.name != "id"),
            merchants.c.slug.label("merchant_slug"),
            merchants.c.name.label("merchant_name"),
            merchants.c.theme.label("merchant_theme"),
            merchants.c.settings.label("merchant_settings"),
        )
        .join(shipments, _s.id == _n.shipment_id)
        .join(merchants, merchants.c.id == _n.merchant_id)
        .where(_n.id.in_(ids))
        .order_by(_n.due_at, _n.id)
    )


def _to_typed_address(shipment: ShipmentSnapshot, row: Any) -> ShipmentSnapshot:
    """The shipment as the channel must see it: with the address the shopper typed."""
    address = (row.facts or {}).get("address")
    field_name = OPTIN_FIELDS.get(row.channel)
    if not isinstance(address, str) or field_name is None:
        return shipment
    typed: dict[str, Any] = {field_name: address}
    return dataclasses.replace(shipment, **typed)


class _ShipmentColumns:
    """A notification row seen as its shipment's row (the `shipment_` labelled columns)."""

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        if name == "id":
            return self._row.shipment_id
        return getattr(self._row, f"shipment_{name}")


class Sender:
    def __init__(
        self,
        engine: AsyncEngine,
        channels: Mapping[str, Channel],
        links: Links,
        *,
        clock: Callable[[], datetime],
        sender_id: str,
        default_locale: str = "fr",
        batch_size: int = 50,
        concurrency: int = 8,
        lease: timedelta = DEFAULT_LEASE,
        metrics: SenderMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.links = links
        self.clock = clock
        self.sender_id = sender_id
        self.default_locale = default_locale
        self.batch_size = batch_size
        self.lease = lease
        self.metrics = metrics if metrics is not None else SenderMetrics()
        self._slots = asyncio.Semaphore(concurrency)

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Claim a batch and handle it; returns how many rows were claimed. Once `stop` is set
        the rows not yet started are given back (the others finish and are recorded)."""
        now = self.clock()
        async with self.engine.begin() as conn:
            claim = claim_statement(self.sender_id, now, self.batch_size, self.lease)
            ids = list((await conn.execute(claim)).scalars().all())
        if not ids:
            return 0
        async with self.engine.connect() as conn:
            rows = (await conn.execute(_rows(ids))).all()
        # One shipment's messages on one channel go one after another, oldest due first, so
        # the day's cap and the "superseded" check see what was just sent; others in parallel.
        queues: dict[tuple[int, str], list[Any]] = {}
        for row in rows:
            queues.setdefault((row.shipment_id, row.channel), []).append(row)
        async with asyncio.TaskGroup() as group:  # every queue ends before the claim is done
            for queue in queues.values():
                group.create_task(self._in_order(queue, stop))
        return len(rows)

    async def _in_order(self, rows: list[Any], stop: asyncio.Event | None) -> None:
        """One queue's rows, one after another. What fails here stays here: the other queues
        go on (cut short, one of theirs could be delivered and never recorded)."""
        for index, row in enumerate(rows):
            try:
                started = await self._guarded(row, stop)
            except Exception:
                # recording the failure failed too: this queue's leases expire, then it is retried
                log.exception("notification %s: its queue waits for its lease", row.id)
                return
            if not started:
                await self._give_back([r.id for r in rows[index:]])
                return

    async def _give_back(self, ids: list[int]) -> None:
        """Rows claimed but not started when stopping: free at once for the next sender."""
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    sa.update(notifications)
                    .where(_n.id.in_(ids), _n.lease_owner == self.sender_id)
                    .values(lease_owner=None, lease_expires_at=None)
                )
        except Exception:
            log.exception("could not give back the leases of notifications %s", ids)

    async def run_forever(
        self, *, idle_seconds: float = 2.0, stop: asyncio.Event | None = None
    ) -> None:
        """Send until `stop` is set; a failed cycle is logged and retried after a pause."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                handled = await self.run_once(stop)
            except Exception:
                log.exception("sender cycle failed; next try in %.0fs", idle_seconds)
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()

    async def _guarded(self, row: Any, stop: asyncio.Event | None = None) -> bool:
        """Handle the row when a slot is free; False, untouched, if `stop` came first."""
        if not await self._slot(stop):
            return False
        try:
            await self._handled(row)
        finally:
            self._slots.release()
        return True

    async def _slot(self, stop: asyncio.Event | None) -> bool:
        """A delivery slot, or False once `stop` is set: slow sends may hold every slot for
        longer than the shutdown's grace, and the rows waiting behind them go back now."""
        if stop is None:
            await self._slots.acquire()
            return True
        if stop.is_set():
            return False
        acquiring = asyncio.ensure_future(self._slots.acquire())
        stopped = asyncio.ensure_future(stop.wait())
        waited = False
        try:
            await asyncio.wait({acquiring, stopped}, return_when=asyncio.FIRST_COMPLETED)
            waited = True
        finally:
            stopped.cancel()
            got = acquiring.done() and not acquiring.cancelled()
            if not got:
                acquiring.cancel()  # a waiter woken meanwhile hands its slot on
            elif stop.is_set() or not waited:  # not waited: this wait was cancelled
                self._slots.release()
                got = False
        return got

    async def _handled(self, row: Any) -> None:
        try:
            await self._handle(row)
        except _Unrecorded:
            # Delivered but not recorded (the database failed at that moment): writing
            # "try later" would send it again at once; its lease expires instead, and the
            # copy then sent carries the same idempotency key.
            log.exception("notification %s was delivered but not recorded", row.id)
        except Exception as exc:
            # A bug of ours, not the provider's: retry later like a transient failure.
            log.exception("notification %s could not be handled", row.id)
            failure = TryLater(f"internal error: {type(exc).__name__}")
            await self._record(row, failure, row.recipient)

    async def _handle(self, row: Any) -> None:
        now = self.clock()
        channel = self.channels.get(row.channel)
        if channel is None:
            reason = f"channel {row.channel!r} is not configured on this server"
            await self._finish(row, _Finish("skipped", reason))
            return
        merchant = Merchant(
            row.merchant_id,
            row.merchant_slug,
            row.merchant_name,
            row.merchant_theme,
            dict(row.merchant_settings or {}),
        )
        shipment = ShipmentSnapshot.from_row(_ShipmentColumns(row))
        direct = DIRECT_EVENTS.get(row.event)
        if direct is not None:
            shipment = _to_typed_address(shipment, row)
        elif channel.to_shopper:
            shipment = await self._with_optins(shipment)
        recipient = channel.recipient(shipment, merchant)
        if recipient is None:
            await self._finish(row, _Finish("skipped", f"no {row.channel} recipient"))
            return
        if direct is not None and now - row.created_at > direct:
            await self._finish(row, _Finish("cancelled", "it expired before it could be sent"))
            return
        rules = rules_of(merchant.settings)
        zone = shopper_zone(
            shipment.customer_country,
            shipment.customer_postcode,
            str(merchant.settings.get("timezone") or "Europe/Paris"),
        )
        async with self.engine.connect() as conn:
            decision = (
                None
                if direct is not None
                else await self._check(conn, row, channel, recipient, rules, zone, now)
            )
        if decision is not None:
            await self._finish(row, decision)
            return
        message = await with_recommendations(
            self.engine, self.message(row, merchant, shipment, recipient)
        )
        try:
            rendered = channel.render(message)
        except Exception as exc:
            log.exception("notification %s could not be rendered", row.id)
            await self._finish(row, _Finish("failed", f"could not render: {exc}"[:500]))
            return
        if not await self._still_ours(row):
            # The batch took longer than the lease: another sender may hold the row now.
            self.metrics.lost_leases += 1
            return
        try:
            # never past our lease: another sender could otherwise send it at the same time
            async with asyncio.timeout(self.lease.total_seconds() * 0.8):
                outcome = await channel.deliver(message, rendered)
        except TimeoutError:
            outcome = TryLater("no answer from the provider within the lease")
        except Exception as exc:
            outcome = TryLater(f"{type(exc).__name__}: {exc}")
        try:
            await self._record(row, outcome, recipient)
        except Exception as exc:
            if isinstance(outcome, Accepted):
                raise _Unrecorded from exc
            raise

    async def _still_ours(self, row: Any) -> bool:
        """Renew the lease just before delivering; False when it expired and may be another's."""
        now = self.clock()
        async with self.engine.begin() as conn:
            renewed = await conn.execute(
                sa.update(notifications)
                .where(
                    _n.id == row.id,
                    _n.lease_owner == self.sender_id,
                    _n.lease_expires_at > now,
                )
                .values(lease_expires_at=now + self.lease)
            )
        return bool(renewed.rowcount)

    def message(
        self, row: Any, merchant: Merchant, shipment: ShipmentSnapshot, recipient: str
    ) -> OutboundMessage:
        """The message to render for an outbox row, with the shipment as it is now."""
        return compose(
            notification_id=row.id,
            idempotency_key=row.idempotency_key,
            channel=row.channel,
            event=row.event,
            facts=dict(row.facts or {}),
            template=row.template,
            created_at=row.created_at,
            merchant=merchant,
            shipment=shipment,
            recipient=recipient,
            links=self.links,
            default_locale=self.default_locale,
        )

    async def _with_optins(self, shipment: ShipmentSnapshot) -> ShipmentSnapshot:
        """The shipment with the addresses its shopper confirmed on the page, which win: the
        shopper asked for this parcel's news there."""
        o = notification_optins.c
        query = sa.select(o.channel, o.address).where(
            o.shipment_id == shipment.id, o.confirmed_at.is_not(None), o.revoked_at.is_(None)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.order_by(o.confirmed_at))).all()
        fields = {OPTIN_FIELDS[c]: a for c, a in rows if c in OPTIN_FIELDS}
        return dataclasses.replace(shipment, **fields) if fields else shipment

    async def _check(
        self,
        conn: AsyncConnection,
        row: Any,
        channel: Channel,
        recipient: str,
        rules: NotificationRules,
        zone: ZoneInfo,
        now: datetime,
    ) -> _Defer | _Finish | None:
        """Why not to send now (defer, or finish without sending); None: send."""
        if row.event in ONLY_WHILE_TRUE and await self._ended(conn, row):
            return _Finish("cancelled", "the situation ended before the message was sent")
        if not channel.to_shopper:
            return None
        local = now.astimezone(zone)
        if row.event in SAME_DAY_ONLY and row.created_at.astimezone(zone).date() != local.date():
            return _Finish("cancelled", "the day it was about is over")
        if await is_opted_out(conn, row.merchant_id, row.channel, recipient):
            return _Finish("skipped", "the shopper opted out of this channel")
        if better := await self._superseded_by(conn, row):
            return _Finish("superseded", f"superseded by the {better} message of the same update")
        quiet = rules.quiet_hours
        if quiet is not None and quiet.contains(local.time()):
            until = end_of_quiet_hours(local, quiet.end)
            return _Defer(until.astimezone(now.tzinfo), f"quiet hours until {until:%H:%M} {zone}")
        day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        sent_today = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(notifications)
                .where(
                    _n.shipment_id == row.shipment_id,
                    _n.channel == row.channel,
                    _n.state == "sent",
                    _n.sent_at >= day_start,
                )
            )
        ).scalar_one()
        if sent_today >= rules.daily_cap:
            morning = quiet.end if quiet is not None else time(8, 0)
            tomorrow = (day_start + timedelta(days=1)).replace(
                hour=morning.hour, minute=morning.minute
            )
            return _Defer(
                tomorrow.astimezone(now.tzinfo), f"daily cap of {rules.daily_cap} reached"
            )
        return None

    async def _ended(self, conn: AsyncConnection, row: Any) -> bool:
        c = shipment_situations.c
        query = sa.select(c.resolved_at).where(
            c.shipment_id == row.shipment_id, c.kind == row.event, c.fingerprint == row.occurrence
        )
        found = (await conn.execute(query)).first()
        return found is not None and found.resolved_at is not None

    async def _superseded_by(self, conn: AsyncConnection, row: Any) -> str | None:
        """A more important message written by the same update, for the same channel."""
        query = sa.select(_n.event).where(
            _n.shipment_id == row.shipment_id,
            _n.channel == row.channel,
            _n.created_at == row.created_at,
            _n.id != row.id,
            _n.state.in_(("pending", "sent")),
        )
        mine = _priority(row.event)
        better = [e for e in (await conn.execute(query)).scalars() if _priority(e) < mine]
        return min(better, key=_priority) if better else None

    async def _finish(self, row: Any, decision: _Defer | _Finish) -> None:
        now = self.clock()
        if isinstance(decision, _Defer):
            values: dict[str, Any] = {"due_at": decision.until, "reason": decision.reason}
            self.metrics.deferred[decision.reason.split(" until")[0]] += 1
        else:
            values = {"state": decision.state, "reason": decision.reason[:500]}
            self.metrics.outcomes[decision.state] += 1
        await self._write(row, {**values, "updated_at": now})

    async def _record(self, row: Any, outcome: Outcome, recipient: str | None) -> None:
        """Store the provider's answer: sent, retried later, or given up with its reason."""
        now = self.clock()
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "updated_at": now, "recipient": recipient}
        if row.first_attempt_at is None:
            values["first_attempt_at"] = now
        if isinstance(outcome, Accepted):
            values.update(
                state="sent",
                sent_at=now,
                provider_id=(outcome.provider_id or "")[:200] or None,
                provider_response=outcome.response[:500],
                reason=None,
            )
        elif isinstance(outcome, Rejected):
            values.update(state="failed", reason=outcome.reason[:500])
        else:
            channel = self.channels.get(row.channel)
            max_age = channel.max_age if channel else timedelta(0)
            delay = retry_delay(attempts, outcome.after)
            # counted from the first attempt: quiet hours or a rule's delay spend none of it
            first = row.first_attempt_at or now
            if now + delay - first > max_age:
                hours = (now - first).total_seconds() / 3600
                reason = f"gave up after {attempts} attempts in {hours:.1f} h: {outcome.reason}"
                values.update(state="failed", reason=reason[:500])
            else:
                self.metrics.retries += 1
                values.update(due_at=now + delay, reason=outcome.reason[:500])
        if await self._write(row, values) and isinstance(outcome, Accepted):
            self.metrics.commit_windows.append(monotonic.perf_counter() - outcome.at)
            del self.metrics.commit_windows[:-1000]
        if "state" in values:
            self.metrics.outcomes[values["state"]] += 1

    async def _write(self, row: Any, values: Mapping[str, Any]) -> bool:
        """Apply `values` and release the lease, only if this sender still holds it."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(notifications)
                .where(_n.id == row.id, _n.lease_owner == self.sender_id)
                .values(**values, lease_owner=None, lease_expires_at=None)
            )
        if result.rowcount == 0:
            self.metrics.lost_leases += 1
            return False
        return True
