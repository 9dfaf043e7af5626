"""The outbox and its sender: rows written with the situation, delivered once, deferred but
never dropped, retried and given up with a reason, under a fixed clock on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import Status, Substatus, Tracking, TrackingEvent, TransitModel
from suivi_server.notifications.channels import Accepted, Outcome, Rejected, TryLater
from suivi_server.notifications.optouts import record_optout
from suivi_server.notifications.rules import NotificationRules, rule_history, save_rules
from suivi_server.notifications.sender import Links, Sender, retry_delay
from suivi_server.storage.schema import notification_optins, notifications, shipments
from suivi_server.worker.pipeline import ingest, shipment_rows
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio
_n = notifications.c


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Preview:
    data: dict[str, Any]

    def preview(self) -> dict[str, Any]:
        return self.data


@dataclass
class RecordingChannel:
    """A channel that keeps what it was asked to deliver and answers from a script."""

    name: str = "email"
    to_shopper: bool = True
    max_age: timedelta = timedelta(hours=24)
    answers: Iterator[Outcome] = field(default_factory=lambda: iter(()))
    delivered: list[dict[str, Any]] = field(default_factory=list)

    def recipient(self, shipment: Any, merchant: Any) -> str | None:
        if self.name == "webhook":
            return "https://hooks.example.com/suivi"
        return shipment.customer_email if self.name == "email" else shipment.customer_phone

    def render(self, message: Any) -> Preview:
        return Preview(
            {
                "event": message.event,
                "key": message.idempotency_key,
                "to": message.recipient,
                "locale": message.locale,
                "link": message.page_url,
                "unsubscribe": message.unsubscribe_url,
                "expected": message.shipment.estimate,
            }
        )

    async def deliver(self, message: Any, rendered: Preview) -> Outcome:
        self.delivered.append(rendered.preview())
        return next(self.answers, Accepted(f"provider-{len(self.delivered)}", "250 OK"))

    async def aclose(self) -> None:
        return None


def event(at: datetime, status: Status, code: str, substatus: Substatus | None = None) -> Any:
    return TrackingEvent(timestamp=at, status=status, substatus=substatus, code=code, label=code)


HANDED_OVER = event(NOW - timedelta(hours=3), Status.IN_TRANSIT, "PCH", Substatus.PICKED_UP)
OUT = event(NOW - timedelta(hours=1), Status.OUT_FOR_DELIVERY, "MLV")
DELIVERED = event(NOW - timedelta(minutes=10), Status.DELIVERED, "LIV")


async def poll(engine: AsyncEngine, shipment_id: int, events: list[Any], now: datetime) -> None:
    """One carrier answer through the worker's pipeline (what a poll or a push does)."""
    tracking = Tracking.from_events("colissimo", "6A12345678901", events)
    async with engine.begin() as conn:
        row = (await conn.execute(shipment_rows().where(shipments.c.id == shipment_id))).one()
        await ingest(conn, row, tracking, now, TransitModel.learn([]))


async def outbox(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        query = sa.select(notifications).order_by(_n.id)
        return list((await conn.execute(query)).all())


def sender(engine: AsyncEngine, clock: Clock, *channels: RecordingChannel, **kw: Any) -> Sender:
    links = Links(
        page=lambda shipment_id: f"https://track.example.com/t/{shipment_id}",
        unsubscribe=lambda merchant, channel, address: f"https://track.example.com/u/{address}",
    )
    return Sender(
        engine,
        {c.name: c for c in channels},
        links,
        clock=clock,
        sender_id=kw.pop("sender_id", "sender-1"),
        **kw,
    )


async def new_shipment(engine: AsyncEngine, merchant_id: int, **fields: Any) -> int:
    """A shipment not handed over yet, due to leave today."""
    values = {"status": "pending", "promised_ship_date": NOW.date()}
    return await create_shipment(engine, merchant_id, **{**values, **fields})


@pytest.fixture
async def shipment(engine: AsyncEngine) -> int:
    merchant_id, _ = await create_merchant(engine)
    return await new_shipment(engine, merchant_id, customer_phone="+33612345678")


async def test_a_poll_writes_one_row_per_rule_channel_and_a_second_poll_none(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)
    rows = await outbox(engine)
    assert {(r.event, r.channel) for r in rows} == {
        ("shipped", "email"),
        ("shipped", "webhook"),
        ("status_changed", "webhook"),
    }
    assert all(r.state == "pending" and r.due_at == NOW for r in rows)
    assert len({r.idempotency_key for r in rows}) == 3

    await poll(engine, shipment, [HANDED_OVER], NOW + timedelta(hours=1))
    assert len(await outbox(engine)) == 3


async def test_the_sender_delivers_each_row_once_and_records_the_provider_answer(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)
    clock = Clock(NOW)
    email, webhook = RecordingChannel("email"), RecordingChannel("webhook", to_shopper=False)
    send = sender(engine, clock, email, webhook)

    assert await send.run_once() == 3
    assert await send.run_once() == 0

    assert [d["event"] for d in email.delivered] == ["shipped"]
    assert email.delivered[0]["to"] == "camille@example.com"
    assert email.delivered[0]["locale"] == "fr"
    assert email.delivered[0]["link"] == f"https://track.example.com/t/{shipment}"
    assert email.delivered[0]["unsubscribe"] == "https://track.example.com/u/camille@example.com"
    assert sorted(d["event"] for d in webhook.delivered) == ["shipped", "status_changed"]
    rows = await outbox(engine)
    assert {r.state for r in rows} == {"sent"}
    assert all(r.sent_at == NOW and r.attempts == 1 and r.lease_owner is None for r in rows)
    assert {r.provider_response for r in rows} == {"250 OK"}
    assert send.metrics.outcomes["sent"] == 3


async def test_one_update_with_several_situations_sends_the_shopper_only_the_most_important(
    engine: AsyncEngine, shipment: int
) -> None:
    # First poll of a parcel already out for delivery: "shipped" and "out for delivery" are
    # both new; the shopper gets one message, the merchant's webhook hears about both.
    await poll(engine, shipment, [OUT, HANDED_OVER], NOW)
    email, webhook = RecordingChannel("email"), RecordingChannel("webhook", to_shopper=False)
    await sender(engine, Clock(NOW), email, webhook).run_once()

    assert [d["event"] for d in email.delivered] == ["out_for_delivery"]
    assert {d["event"] for d in webhook.delivered} >= {"shipped", "out_for_delivery"}
    shipped_email = next(
        r for r in await outbox(engine) if r.event == "shipped" and r.channel == "email"
    )
    assert shipped_email.state == "superseded"
    assert "out_for_delivery" in shipped_email.reason


async def test_quiet_hours_defer_a_message_to_the_shoppers_morning_never_drop_it(
    engine: AsyncEngine, shipment: int
) -> None:
    late_evening = datetime(2026, 11, 25, 21, 45, tzinfo=UTC)  # 22:45 in Paris
    await poll(engine, shipment, [HANDED_OVER], late_evening)
    clock = Clock(late_evening)
    email = RecordingChannel("email")
    send = sender(engine, clock, email)

    await send.run_once()
    assert email.delivered == []
    row = next(r for r in await outbox(engine) if r.channel == "email")
    assert row.state == "pending"
    assert row.due_at == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    assert row.reason.startswith("quiet hours until 08:00")

    clock.now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    await send.run_once()
    assert [d["event"] for d in email.delivered] == ["shipped"]


async def test_quiet_hours_follow_the_shoppers_zone_overseas(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    reunion = await new_shipment(engine, merchant_id, customer_postcode="97400")
    # 10:00 in Paris is 13:00 in Réunion; 19:00 UTC is 20:00 in Paris but 23:00 in Réunion.
    evening = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    await poll(engine, reunion, [HANDED_OVER], evening)
    email = RecordingChannel("email")
    await sender(engine, Clock(evening), email).run_once()

    row = next(r for r in await outbox(engine) if r.channel == "email")
    assert email.delivered == []
    assert row.due_at == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 08:00 in Réunion
    assert "Indian/Reunion" in row.reason


async def test_the_daily_cap_defers_the_next_message_to_tomorrow(
    engine: AsyncEngine, shipment: int
) -> None:
    async with engine.begin() as conn:
        merchant_id = (await conn.execute(sa.text("SELECT id FROM merchants"))).scalar_one()
        await save_rules(conn, merchant_id, NotificationRules(daily_cap=1), NOW)
    clock = Clock(NOW)
    email = RecordingChannel("email")
    send = sender(engine, clock, email)
    await poll(engine, shipment, [HANDED_OVER], NOW)
    await send.run_once()
    clock.now = NOW + timedelta(hours=2)
    await poll(engine, shipment, [OUT, HANDED_OVER], clock.now)
    await send.run_once()

    assert [d["event"] for d in email.delivered] == ["shipped"]
    capped = next(r for r in await outbox(engine) if r.event == "out_for_delivery")
    assert capped.state == "pending"
    assert capped.reason == "daily cap of 1 reached"
    assert capped.due_at == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


async def test_a_delayed_message_waits_and_is_cancelled_if_its_situation_ended(
    engine: AsyncEngine, shipment: int
) -> None:
    rules = NotificationRules.model_validate(
        {"events": {"out_for_delivery": {"channels": ["email"], "delay_minutes": 30}}}
    )
    async with engine.begin() as conn:
        merchant_id = (await conn.execute(sa.text("SELECT id FROM merchants"))).scalar_one()
        await save_rules(conn, merchant_id, rules, NOW)
    # shipped sent first, so that only the delayed "out for delivery" is left
    await poll(engine, shipment, [HANDED_OVER], NOW)
    clock = Clock(NOW)
    email = RecordingChannel("email")
    send = sender(engine, clock, email)
    await send.run_once()
    await poll(engine, shipment, [OUT, HANDED_OVER], NOW)

    clock.now = NOW + timedelta(minutes=29)
    await send.run_once()
    assert [d["event"] for d in email.delivered] == ["shipped"]

    # delivered before the wait is over: "out for delivery" would now be wrong
    await poll(engine, shipment, [DELIVERED, OUT, HANDED_OVER], clock.now)
    clock.now = NOW + timedelta(minutes=31)
    await send.run_once()
    out = next(r for r in await outbox(engine) if r.event == "out_for_delivery")
    assert out.state == "cancelled"
    assert "ended" in out.reason
    assert [d["event"] for d in email.delivered] == ["shipped", "delivered"]


async def test_transient_failures_are_retried_with_backoff_then_given_up_with_the_reason(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)
    clock = Clock(NOW)
    failing = RecordingChannel(
        "webhook",
        to_shopper=False,
        max_age=timedelta(minutes=10),
        answers=iter([TryLater("503 Service Unavailable")] * 20),
    )
    send = sender(engine, clock, failing)
    await send.run_once()
    row = next(r for r in await outbox(engine) if r.event == "shipped" and r.channel == "webhook")
    assert row.state == "pending"
    assert row.due_at == NOW + timedelta(seconds=30)
    assert row.reason == "503 Service Unavailable"

    for _ in range(10):
        clock.now += timedelta(minutes=2)
        await send.run_once()
    rows = [r for r in await outbox(engine) if r.channel == "webhook"]
    assert {r.state for r in rows} == {"failed"}
    assert all(r.reason.startswith("gave up after") for r in rows)
    assert all("503 Service Unavailable" in r.reason for r in rows)
    assert all(r.sent_at is None for r in rows)


def test_retry_delays_double_from_thirty_seconds_to_an_hour_and_honour_retry_after() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(50) == timedelta(hours=1)
    assert retry_delay(1, timedelta(seconds=90)) == timedelta(seconds=90)
    assert retry_delay(1, timedelta(days=2)) == timedelta(hours=1)


async def test_a_rejection_fails_at_once_and_a_missing_channel_or_address_skips(
    engine: AsyncEngine,
) -> None:
    merchant_id, _ = await create_merchant(engine)
    no_phone = await new_shipment(engine, merchant_id, customer_phone=None)
    rules = NotificationRules.model_validate(
        {"events": {"shipped": {"channels": ["email", "sms", "fax"]}}}
    )
    async with engine.begin() as conn:
        await save_rules(conn, merchant_id, rules, NOW)
    await poll(engine, no_phone, [HANDED_OVER], NOW)
    email = RecordingChannel("email", answers=iter([Rejected("550 mailbox unavailable")]))
    await sender(engine, Clock(NOW), email, RecordingChannel("sms")).run_once()

    states = {r.channel: (r.state, r.reason) for r in await outbox(engine) if r.event == "shipped"}
    assert states == {
        "email": ("failed", "550 mailbox unavailable"),
        "sms": ("skipped", "no sms recipient"),
        "fax": ("skipped", "channel 'fax' is not configured on this server"),
    }


async def test_an_opted_out_shopper_gets_nothing_on_that_channel(
    engine: AsyncEngine, shipment: int
) -> None:
    async with engine.begin() as conn:
        merchant_id = (await conn.execute(sa.text("SELECT id FROM merchants"))).scalar_one()
        await record_optout(conn, merchant_id, "email", "Camille@Example.com", NOW)
    await poll(engine, shipment, [HANDED_OVER], NOW)
    email = RecordingChannel("email")
    await sender(engine, Clock(NOW), email).run_once()

    assert email.delivered == []
    row = next(r for r in await outbox(engine) if r.channel == "email")
    assert (row.state, row.reason) == ("skipped", "the shopper opted out of this channel")


async def test_a_switched_off_event_writes_nothing_and_every_switch_is_kept(
    engine: AsyncEngine, shipment: int
) -> None:
    async with engine.begin() as conn:
        merchant_id = (await conn.execute(sa.text("SELECT id FROM merchants"))).scalar_one()
        off = NotificationRules.model_validate({"events": {"shipped": {"enabled": False}}})
        assert await save_rules(conn, merchant_id, off, NOW, changed_by="api") == ["shipped"]
        later = NOW + timedelta(days=7)
        on = NotificationRules()
        assert await save_rules(conn, merchant_id, on, later) == ["shipped"]
        assert await save_rules(conn, merchant_id, on, later) == []
        history = await rule_history(conn, merchant_id)
        # switched off again so the poll below writes no "shipped" row
        await save_rules(conn, merchant_id, off, later)
    assert [(h.event, h.enabled, h.changed_at) for h in history] == [
        ("shipped", False, NOW),
        ("shipped", True, later),
    ]
    await poll(engine, shipment, [HANDED_OVER], NOW)
    assert [r.event for r in await outbox(engine)] == ["status_changed"]


async def test_concurrent_senders_never_send_the_same_row(
    engine: AsyncEngine, database_url: str
) -> None:
    merchant_id, _ = await create_merchant(engine)
    for n in range(12):
        shipment_id = await new_shipment(engine, merchant_id, order_number=f"CMD-{n}")
        await poll(engine, shipment_id, [HANDED_OVER], NOW)
    channels = [RecordingChannel("email"), RecordingChannel("email")]
    senders = [
        sender(engine, Clock(NOW), channel, sender_id=f"sender-{i}", batch_size=5)
        for i, channel in enumerate(channels)
    ]
    for _ in range(4):
        await asyncio.gather(*(s.run_once() for s in senders))

    keys = [d["key"] for channel in channels for d in channel.delivered]
    assert len(keys) == 12
    assert len(set(keys)) == 12


async def test_a_row_claimed_by_a_sender_that_died_is_sent_after_its_lease_expires(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)
    async with engine.begin() as conn:
        # a sender claimed the email row, then was killed before delivering it
        await conn.execute(
            sa.update(notifications)
            .where(_n.channel == "email")
            .values(lease_owner="dead-sender", lease_expires_at=NOW + timedelta(minutes=2))
        )
    clock = Clock(NOW)
    email = RecordingChannel("email")
    send = sender(engine, clock, email)
    await send.run_once()
    assert email.delivered == []

    clock.now = NOW + timedelta(minutes=3)
    await send.run_once()
    assert [d["event"] for d in email.delivered] == ["shipped"]


async def test_a_lease_lost_while_delivering_is_not_overwritten(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)

    class SlowChannel(RecordingChannel):
        async def deliver(self, message: Any, rendered: Preview) -> Outcome:
            # meanwhile the lease expired and another sender took the row over
            async with engine.begin() as conn:
                await conn.execute(
                    sa.update(notifications)
                    .where(_n.id == message.notification_id)
                    .values(lease_owner="sender-2")
                )
            return await super().deliver(message, rendered)

    send = sender(engine, Clock(NOW), SlowChannel("email"))
    await send.run_once()
    row = next(r for r in await outbox(engine) if r.channel == "email")
    assert (row.state, row.lease_owner) == ("pending", "sender-2")
    assert send.metrics.lost_leases == 1


async def test_out_for_delivery_deferred_past_its_day_is_cancelled_not_sent_tomorrow(
    engine: AsyncEngine, shipment: int
) -> None:
    evening = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)  # 21:30 in Paris: quiet hours
    out = event(evening - timedelta(minutes=5), Status.OUT_FOR_DELIVERY, "MLV")
    await poll(engine, shipment, [out, HANDED_OVER], evening)
    clock = Clock(evening)
    email = RecordingChannel("email")
    send = sender(engine, clock, email)
    await send.run_once()
    clock.now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    await send.run_once()

    assert email.delivered == []
    row = next(r for r in await outbox(engine) if r.event == "out_for_delivery")
    assert (row.state, row.reason) == ("cancelled", "the day it was about is over")


async def test_a_channel_the_shopper_asked_for_on_the_page_is_added_with_its_address(
    engine: AsyncEngine,
) -> None:
    merchant_id, _ = await create_merchant(engine)
    asked = await new_shipment(engine, merchant_id, customer_phone=None)
    revoked = await new_shipment(engine, merchant_id, order_number="CMD-2", customer_phone=None)
    async with engine.begin() as conn:
        for shipment_id, revoked_at in ((asked, None), (revoked, NOW)):
            await conn.execute(
                sa.insert(notification_optins).values(
                    merchant_id=merchant_id,
                    shipment_id=shipment_id,
                    channel="sms",
                    address="+33698765432",
                    requested_at=NOW - timedelta(hours=1),
                    confirmed_at=NOW - timedelta(minutes=50),
                    revoked_at=revoked_at,
                )
            )
    for shipment_id in (asked, revoked):
        await poll(engine, shipment_id, [HANDED_OVER], NOW)  # "shipped": email by default
    sms = RecordingChannel("sms")
    await sender(engine, Clock(NOW), RecordingChannel("email"), sms).run_once()

    assert [(d["event"], d["to"]) for d in sms.delivered] == [("shipped", "+33698765432")]
    channels = {(r.shipment_id, r.channel) for r in await outbox(engine) if r.event == "shipped"}
    assert (asked, "sms") in channels
    assert (revoked, "sms") not in channels


async def test_a_lease_that_expired_while_the_batch_waited_is_not_delivered(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)
    clock = Clock(NOW)
    rescuer = RecordingChannel("email")

    class SlowRender(RecordingChannel):
        def render(self, message: Any) -> Preview:
            # the batch waited so long that the lease ran out and another sender took over
            clock.now = NOW + timedelta(minutes=3)
            return super().render(message)

    slow = SlowRender("email")
    send = sender(engine, clock, slow, lease=timedelta(minutes=2))
    await send.run_once()
    assert slow.delivered == []
    assert send.metrics.lost_leases == 1

    await sender(engine, clock, rescuer, sender_id="sender-2").run_once()
    assert [d["event"] for d in rescuer.delivered] == ["shipped"]


async def test_a_delivery_whose_record_fails_is_left_to_its_lease_not_resent_at_once(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)
    clock = Clock(NOW)

    class CommitFails(Sender):
        async def _write(self, row: Any, values: Any) -> bool:
            if values.get("state") == "sent":
                raise OSError("database connection lost")
            return await super()._write(row, values)

    email = RecordingChannel("email")
    links = Links(page=lambda shipment_id: f"https://track.example.com/t/{shipment_id}")
    failing = CommitFails(engine, {"email": email}, links, clock=clock, sender_id="sender-1")
    await failing.run_once()
    await failing.run_once()
    assert len(email.delivered) == 1  # not retried at once as a "transient failure"
    row = next(r for r in await outbox(engine) if r.channel == "email")
    assert (row.state, row.lease_owner) == ("pending", "sender-1")

    clock.now = NOW + timedelta(minutes=3)  # its lease expired: another sender sends it again
    again = RecordingChannel("email")
    await sender(engine, clock, again, sender_id="sender-2").run_once()
    assert [d["key"] for d in again.delivered] == [email.delivered[0]["key"]]


async def test_a_confirmation_code_goes_at_once_to_the_typed_address_while_it_is_valid(
    engine: AsyncEngine,
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await new_shipment(engine, merchant_id, customer_phone="+33612345678")
    night = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Paris: quiet hours
    async with engine.begin() as conn:
        for n, created in enumerate((night, night - timedelta(minutes=31))):
            await conn.execute(
                sa.insert(notifications).values(
                    merchant_id=merchant_id,
                    shipment_id=shipment_id,
                    event="optin_confirmation",
                    occurrence=str(n),
                    channel="sms",
                    idempotency_key=f"optin-{n}",
                    facts={"address": "+33698765432", "code": "482913"},
                    due_at=created,
                    created_at=created,
                    updated_at=created,
                )
            )
    sms = RecordingChannel("sms")
    await sender(engine, Clock(night), sms).run_once()

    assert [(d["key"], d["to"]) for d in sms.delivered] == [("optin-0", "+33698765432")]
    expired = next(r for r in await outbox(engine) if r.idempotency_key == "optin-1")
    assert (expired.state, expired.reason) == ("cancelled", "it expired before it could be sent")


async def _pending(
    engine: AsyncEngine, merchant_id: int, shipment_id: int, event: str, created: datetime
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(notifications).values(
                merchant_id=merchant_id,
                shipment_id=shipment_id,
                event=event,
                occurrence=event,
                channel="email",
                idempotency_key=f"key-{event}",
                facts={},
                due_at=NOW,
                created_at=created,
                updated_at=created,
            )
        )


async def test_the_daily_cap_holds_within_one_batch(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await new_shipment(engine, merchant_id)
    async with engine.begin() as conn:
        await save_rules(conn, merchant_id, NotificationRules(daily_cap=1), NOW)
    # three messages deferred overnight, all due at once this morning
    for hours, event in ((9, "refused"), (8, "damaged"), (7, "returned_to_sender")):
        await _pending(engine, merchant_id, shipment_id, event, NOW - timedelta(hours=hours))
    email = RecordingChannel("email")
    await sender(engine, Clock(NOW), email).run_once()

    assert [d["event"] for d in email.delivered] == ["refused"]
    waiting = [r for r in await outbox(engine) if r.state == "pending"]
    assert {r.reason for r in waiting} == {"daily cap of 1 reached"}


async def test_the_retry_budget_runs_from_the_first_attempt_not_from_the_deferral(
    engine: AsyncEngine,
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await new_shipment(engine, merchant_id)
    await _pending(
        engine, merchant_id, shipment_id, "refused", NOW - timedelta(hours=23, minutes=59)
    )
    busy = RecordingChannel("email", answers=iter([TryLater("421 try again later")]))
    await sender(engine, Clock(NOW), busy).run_once()

    row = next(r for r in await outbox(engine) if r.event == "refused")
    assert (row.state, row.first_attempt_at) == ("pending", NOW)
    assert row.due_at == NOW + timedelta(seconds=30)


async def test_a_provider_that_never_answers_is_cut_off_within_the_lease(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)

    class Silent(RecordingChannel):
        async def deliver(self, message: Any, rendered: Preview) -> Outcome:
            await asyncio.sleep(30)
            return await super().deliver(message, rendered)

    await sender(engine, Clock(NOW), Silent("email"), lease=timedelta(seconds=0.2)).run_once()
    row = next(r for r in await outbox(engine) if r.channel == "email")
    assert (row.state, row.reason) == ("pending", "no answer from the provider within the lease")


@dataclass
class HeldChannel(RecordingChannel):
    """Delivers only once released: a send is in flight while the test acts."""

    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, message: Any, rendered: Preview) -> Outcome:
        self.started.set()
        await self.release.wait()
        return await super().deliver(message, rendered)


async def test_a_queue_whose_failure_cannot_be_recorded_stops_alone(
    engine: AsyncEngine, shipment: int
) -> None:
    """The email's failure cannot be written (the database is gone at that moment): its queue
    waits for its lease, while the webhook's messages, being delivered, go out and are
    recorded, not cut short between delivery and record."""
    await poll(engine, shipment, [HANDED_OVER], NOW)

    class BrokenEmail(RecordingChannel):
        def recipient(self, shipment: Any, merchant: Any) -> str | None:
            raise RuntimeError("a bug in the channel")

    class EmailRecordFails(Sender):
        async def _write(self, row: Any, values: Any) -> bool:
            if row.channel == "email":
                raise OSError("database connection lost")
            return await super()._write(row, values)

    webhook = HeldChannel("webhook", to_shopper=False)
    links = Links(page=lambda shipment_id: f"https://track.example.com/t/{shipment_id}")
    channels = {"email": BrokenEmail("email"), "webhook": webhook}
    send = EmailRecordFails(engine, channels, links, clock=Clock(NOW), sender_id="sender-1")
    running = asyncio.create_task(send.run_once())
    await asyncio.wait_for(webhook.started.wait(), timeout=10)
    await asyncio.sleep(0.05)  # the email's queue has failed meanwhile
    webhook.release.set()
    assert await asyncio.wait_for(running, timeout=10) == 3

    assert sorted(d["event"] for d in webhook.delivered) == ["shipped", "status_changed"]
    states = {(r.channel, r.event): (r.state, r.lease_owner) for r in await outbox(engine)}
    assert states == {
        ("email", "shipped"): ("pending", "sender-1"),
        ("webhook", "shipped"): ("sent", None),
        ("webhook", "status_changed"): ("sent", None),
    }


async def test_once_stopped_the_rows_not_started_are_given_back_at_once(
    engine: AsyncEngine, shipment: int
) -> None:
    await poll(engine, shipment, [HANDED_OVER], NOW)
    email, webhook = HeldChannel("email"), HeldChannel("webhook", to_shopper=False)
    send = sender(engine, Clock(NOW), email, webhook, concurrency=1)
    stop = asyncio.Event()
    running = asyncio.create_task(send.run_once(stop))
    async with asyncio.timeout(10):  # one slot: one row is being delivered, two wait for it
        while not (email.started.is_set() or webhook.started.is_set()):
            await asyncio.sleep(0.01)
    in_flight = "email" if email.started.is_set() else "webhook"
    stop.set()
    async with asyncio.timeout(10):  # the send is still held: the other queue goes back now
        while not (free := [r for r in await outbox(engine) if r.lease_owner is None]):
            await asyncio.sleep(0.01)
    assert {r.channel for r in free} == {"email", "webhook"} - {in_flight}
    email.release.set()
    webhook.release.set()
    assert await asyncio.wait_for(running, timeout=10) == 3

    assert len(email.delivered) + len(webhook.delivered) == 1  # the one in flight
    rows = await outbox(engine)
    assert sorted(r.state for r in rows) == ["pending", "pending", "sent"]
    assert [r.lease_owner for r in rows] == [None, None, None]
    channels = RecordingChannel("email"), RecordingChannel("webhook", to_shopper=False)
    next_sender = sender(engine, Clock(NOW), *channels, sender_id="sender-2")
    assert await next_sender.run_once() == 2  # at once, not after their lease
