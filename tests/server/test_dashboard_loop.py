"""The contact feedback loop: exact rates on known datasets, and a rule that halves one reason."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.dashboard.loop import (
    RuleChange,
    contact_rates,
    period_starts,
    poisson_p_value,
    rule_changes,
    rule_effect,
    situation_ranking,
)
from suivi_server.notifications.rules import NotificationRules
from suivi_server.storage.schema import (
    contacts,
    merchants,
    notification_rule_changes,
    shipment_situations,
    shipments,
)
from tests.server.conftest import NOW
from tests.server.dashboard_support import Staff, staff_client

pytestmark = pytest.mark.anyio
PARIS = ZoneInfo("Europe/Paris")
MONDAY = NOW.date() - timedelta(days=NOW.weekday())  # this week's Monday, in Paris as in UTC


async def _merchant(engine: AsyncEngine, slug: str) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(
            sa.insert(merchants).values(
                slug=slug, name=slug, settings={"timezone": "Europe/Paris"}, created_at=NOW
            )
        )
    return int(result.inserted_primary_key[0])


async def _shipments(
    engine: AsyncEngine, merchant_id: int, created: Sequence[datetime], *, prefix: str = "S"
) -> list[int]:
    async with engine.begin() as conn:
        start = int(await conn.scalar(sa.select(sa.func.count()).select_from(shipments)) or 0)
        rows = [
            {
                "merchant_id": merchant_id,
                "order_number": f"{prefix}-{start + i}",
                "carrier": "colissimo",
                "tracking_number": f"T{start + i}",
                "created_at": at,
                "updated_at": at,
            }
            for i, at in enumerate(created)
        ]
        await conn.execute(sa.insert(shipments), rows)
        found = await conn.execute(
            sa.select(shipments.c.id)
            .where(shipments.c.order_number.in_([r["order_number"] for r in rows]))
            .order_by(shipments.c.id)
        )
    return [int(i) for i in found.scalars()]


async def _situations(
    engine: AsyncEngine, kind: str, shipment_ids: Sequence[int], at: datetime
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shipment_situations),
            [
                {"shipment_id": i, "kind": kind, "fingerprint": "f", "facts": {}, "detected_at": at}
                for i in shipment_ids
            ],
        )


async def _contacts(
    engine: AsyncEngine,
    merchant_id: int,
    reason: str,
    situation: str | None,
    at: datetime,
    count: int,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(contacts),
            [
                {
                    "merchant_id": merchant_id,
                    "source": "api",
                    "channel": "email",
                    "reason": reason,
                    "situation": situation,
                    "occurred_at": at + timedelta(minutes=i),
                    "created_at": at,
                }
                for i in range(count)
            ],
        )


async def _rule_change(
    engine: AsyncEngine, merchant_id: int, event: str, enabled: bool, at: datetime, **rule: Any
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(notification_rule_changes).values(
                merchant_id=merchant_id,
                event=event,
                enabled=enabled,
                rule={"enabled": enabled, **rule},
                changed_at=at,
                changed_by="admin@example.com",
            )
        )


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NOW.tzinfo)


async def _three_weeks(engine: AsyncEngine, merchant_id: int) -> None:
    """Two weeks back: 10 shipments, 3 contacts; last week: 20 shipments, 4 contacts; this
    week (up to now): 5 shipments, none. One of last week's shipments was created on Sunday at
    23:30 UTC: already Monday in Paris."""
    week_a, week_b = MONDAY - timedelta(days=14), MONDAY - timedelta(days=7)
    await _shipments(engine, merchant_id, [_utc(week_a, 10, i) for i in range(10)])
    await _shipments(
        engine,
        merchant_id,
        [_utc(week_b - timedelta(days=1), 23, 30)] + [_utc(week_b, 10, i) for i in range(19)],
    )
    await _shipments(engine, merchant_id, [_utc(MONDAY, 8, i) for i in range(5)])
    wismo, delayed = "where_is_my_order", "delivery_delayed"
    await _contacts(engine, merchant_id, wismo, delayed, _utc(week_a, 12), 2)
    await _contacts(engine, merchant_id, "damaged", "damaged", _utc(week_a + timedelta(1), 9), 1)
    await _contacts(engine, merchant_id, wismo, delayed, _utc(week_b, 12), 3)
    await _contacts(engine, merchant_id, "other", None, _utc(week_b + timedelta(6), 9), 1)
    # before the first week: outside the period
    await _contacts(engine, merchant_id, "other", None, _utc(week_a - timedelta(1), 9), 5)


async def test_weekly_rates_count_contacts_per_100_shipments_of_the_same_week(
    engine: AsyncEngine,
) -> None:
    merchant_id = await _merchant(engine, "lumiere")
    await _three_weeks(engine, merchant_id)
    async with engine.connect() as conn:
        weeks = await contact_rates(
            conn,
            merchant_id=merchant_id,
            since=MONDAY - timedelta(days=12),  # a Wednesday: the whole week is counted
            until=NOW.date(),
            zone=PARIS,
        )
    assert [w.label for w in weeks] == [
        (MONDAY - timedelta(days=14)).isoformat(),
        (MONDAY - timedelta(days=7)).isoformat(),
        MONDAY.isoformat(),
    ]
    assert [(w.shipments, w.contacts, w.rate) for w in weeks] == [
        (10, 3, 30.0),
        (20, 4, 20.0),
        (5, 0, 0.0),
    ]
    assert weeks[0].by_reason == {"where_is_my_order": 2, "damaged": 1}
    assert weeks[1].by_situation == {"delivery_delayed": 3, "": 1}
    assert weeks[1].situation_rate("delivery_delayed") == 15.0
    assert weeks[0].reason_rate("damaged") == 10.0


async def test_monthly_rates_add_the_weeks_up(engine: AsyncEngine) -> None:
    merchant_id = await _merchant(engine, "lumiere")
    await _three_weeks(engine, merchant_id)
    since = MONDAY - timedelta(days=14)
    async with engine.connect() as conn:
        days = await contact_rates(
            conn, merchant_id=merchant_id, since=since, until=NOW.date(), zone=PARIS,
            granularity="day",
        )  # fmt: skip
    assert len(days) == (NOW.date() - since).days + 1
    assert sum(d.shipments for d in days) == 35
    assert sum(d.contacts for d in days) == 7
    assert days[0].label == since.isoformat()
    assert (days[0].shipments, days[0].contacts) == (10, 2)


async def test_another_merchants_shipments_and_contacts_are_not_counted(
    engine: AsyncEngine,
) -> None:
    ours, theirs = await _merchant(engine, "lumiere"), await _merchant(engine, "autre")
    await _three_weeks(engine, theirs)
    await _shipments(engine, ours, [_utc(MONDAY, 8)], prefix="O")
    async with engine.connect() as conn:
        weeks = await contact_rates(
            conn, merchant_id=ours, since=MONDAY - timedelta(days=14), until=NOW.date(), zone=PARIS
        )
        changes = await rule_changes(conn, merchant_id=ours)
    assert [(w.shipments, w.contacts) for w in weeks] == [(0, 0), (0, 0), (1, 0)]
    assert weeks[0].rate is None  # no shipments: no rate, rather than a zero
    assert changes == []


def test_periods_are_whole_weeks_from_monday_and_months_roll_over_the_year() -> None:
    assert period_starts(date(2026, 12, 15), date(2027, 1, 3), "month") == [
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert period_starts(date(2026, 12, 16), date(2026, 12, 21), "week") == [
        date(2026, 12, 14),
        date(2026, 12, 21),
        date(2026, 12, 28),
    ]


async def test_rule_markers_say_on_off_or_changed_and_leave_merchant_webhooks_out(
    engine: AsyncEngine,
) -> None:
    merchant_id, other = await _merchant(engine, "lumiere"), await _merchant(engine, "autre")
    t = NOW - timedelta(days=30)
    await _rule_change(engine, merchant_id, "delivery_delayed", True, t)
    await _rule_change(engine, merchant_id, "delivery_delayed", True, t + timedelta(1), delay=60)
    await _rule_change(engine, merchant_id, "attempt_failed", False, t + timedelta(2))
    await _rule_change(engine, merchant_id, "delivery_delayed", False, t + timedelta(3))
    await _rule_change(engine, merchant_id, "status_changed", False, t + timedelta(4))
    await _rule_change(engine, other, "damaged", True, t)
    async with engine.connect() as conn:
        changes = await rule_changes(conn, merchant_id=merchant_id)
    assert [(c.event, c.kind, c.changed_at) for c in changes] == [
        ("delivery_delayed", "on", t),
        ("delivery_delayed", "changed", t + timedelta(1)),
        ("attempt_failed", "off", t + timedelta(2)),
        ("delivery_delayed", "off", t + timedelta(3)),
    ]


CHANGE_AT = NOW - timedelta(weeks=4)


async def _halving_history(engine: AsyncEngine, merchant_id: int) -> None:
    """Eight weeks of 50 shipments, 10 of them delayed and 2 damaged each week. The delay
    message goes on after four weeks: "where is my order" contacts on delayed parcels fall
    from 8 to 4 a week; damaged (2 a week) and "when will it arrive" (3 a week, no situation)
    stay as they were."""
    await _rule_change(engine, merchant_id, "delivery_delayed", True, CHANGE_AT)
    for week in range(-4, 4):
        start = CHANGE_AT + timedelta(weeks=week)
        created = [start + timedelta(minutes=i) for i in range(50)]
        ids = await _shipments(engine, merchant_id, created, prefix=f"W{week}")
        await _situations(engine, "delivery_delayed", ids[:10], start + timedelta(days=1))
        await _situations(engine, "damaged", ids[10:12], start + timedelta(days=1))
        wismo = 8 if week < 0 else 4
        at = start + timedelta(days=2)
        await _contacts(engine, merchant_id, "where_is_my_order", "delivery_delayed", at, wismo)
        await _contacts(engine, merchant_id, "damaged", "damaged", at, 2)
        await _contacts(engine, merchant_id, "delivery_date", None, at, 3)


async def test_switching_the_delay_message_on_is_found_to_halve_its_contacts(
    engine: AsyncEngine,
) -> None:
    merchant_id = await _merchant(engine, "lumiere")
    await _halving_history(engine, merchant_id)
    async with engine.connect() as conn:
        (change,) = await rule_changes(conn, merchant_id=merchant_id)
        effect = await rule_effect(conn, merchant_id=merchant_id, change=change, weeks=4, now=NOW)
    assert (effect.before.start, effect.before.end) == (CHANGE_AT - timedelta(weeks=4), CHANGE_AT)
    assert (effect.after.start, effect.after.end) == (CHANGE_AT, NOW)
    delayed = effect.situation
    assert (delayed.key, delayed.before_contacts, delayed.before_shipments) == (
        "delivery_delayed",
        32,
        40,
    )
    assert (delayed.after_contacts, delayed.after_shipments) == (16, 40)
    assert (delayed.before_rate, delayed.after_rate, delayed.change) == (80.0, 40.0, -0.5)
    assert delayed.significant
    reasons = {r.key: r for r in effect.reasons}
    assert set(reasons) == {"where_is_my_order", "damaged", "delivery_date"}
    wismo = reasons["where_is_my_order"]
    assert (wismo.before_contacts, wismo.before_shipments, wismo.after_contacts) == (32, 200, 16)
    assert (wismo.before_rate, wismo.after_rate, wismo.change) == (16.0, 8.0, -0.5)
    for unchanged, rate in (("damaged", 4.0), ("delivery_date", 6.0)):
        assert (reasons[unchanged].before_rate, reasons[unchanged].after_rate) == (rate, rate)
        assert reasons[unchanged].change == 0.0
        assert not reasons[unchanged].significant


async def test_the_window_after_a_recent_change_is_cut_at_now(engine: AsyncEngine) -> None:
    merchant_id = await _merchant(engine, "lumiere")
    change = RuleChange(1, "delivery_delayed", "on", NOW - timedelta(days=3), "")
    async with engine.connect() as conn:
        effect = await rule_effect(conn, merchant_id=merchant_id, change=change, weeks=2, now=NOW)
    assert (effect.after.start, effect.after.end) == (NOW - timedelta(days=3), NOW)
    assert effect.situation.before_rate is None  # nothing to compare: no rate, no verdict
    assert effect.situation.p_value is None
    assert effect.reasons == []


def test_the_rate_test_tells_a_clear_fall_from_noise() -> None:
    assert poisson_p_value(32, 40, 16, 40) == pytest.approx(0.0209, abs=1e-4)
    assert poisson_p_value(8, 200, 8, 200) == 1.0
    assert poisson_p_value(3, 10, 2, 10) == pytest.approx(0.6547, abs=1e-4)
    assert poisson_p_value(0, 10, 0, 10) is None
    assert poisson_p_value(3, 0, 2, 10) is None


async def test_the_ranking_puts_the_situation_with_most_contacts_first_with_its_rule(
    engine: AsyncEngine,
) -> None:
    merchant_id, other = await _merchant(engine, "lumiere"), await _merchant(engine, "autre")
    await _halving_history(engine, merchant_id)
    await _contacts(engine, other, "damaged", "damaged", NOW - timedelta(days=1), 50)
    rules = NotificationRules.model_validate({"events": {"damaged": {"enabled": False}}})
    async with engine.connect() as conn:
        ranking = await situation_ranking(conn, merchant_id=merchant_id, rules=rules, now=NOW)
    assert (ranking.window.start, ranking.window.end) == (NOW - timedelta(weeks=4), NOW)
    assert (ranking.contacts, ranking.unattributed) == (36, 12)
    assert [
        (r.situation, r.contacts, r.shipments, r.rate, r.share, r.rule_on)
        for r in ranking.situations
    ] == [
        ("delivery_delayed", 16, 40, 40.0, 16 / 36, True),
        ("damaged", 8, 8, 100.0, 8 / 36, False),
    ]


async def _seeded_staff(app: Starlette, engine: AsyncEngine) -> AsyncIterator[Staff]:
    async with staff_client(app, engine, merchant_slug="maison-lumiere") as staff:
        await _halving_history(engine, staff.merchant_id)
        yield staff


def _csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))


async def test_the_loop_page_draws_the_rate_with_the_rule_marked_and_its_tables(
    app: Starlette, engine: AsyncEngine
) -> None:
    async for staff in _seeded_staff(app, engine):
        response = await staff.get("/dashboard/loop", params={"lang": "en"})
    assert response.status_code == 200
    html = response.text
    assert 'class="chart-marker"' in html
    assert "Delivery delayed: message on" in html
    assert 'href="/dashboard/loop?' in html
    assert "table=effect" in html
    assert "Unlikely to be chance" in html  # the delay contacts' fall
    assert "Could be chance" in html  # damaged: unchanged


async def test_the_before_after_table_downloads_with_its_sample_sizes(
    app: Starlette, engine: AsyncEngine
) -> None:
    async for staff in _seeded_staff(app, engine):
        rows = _csv(await staff.get("/dashboard/loop?format=csv&table=effect&weeks=4&lang=en"))
    assert rows[0][:8] == [
        "Measure",
        "Before: contacts",
        "Before: shipments",
        "Before: per 100",
        "After: contacts",
        "After: shipments",
        "After: per 100",
        "Change",
    ]
    assert rows[1][:8] == [
        "Delivery delayed: contacts per 100 shipments in it",
        "32", "40", "80", "16", "40", "40", "-50",
    ]  # fmt: skip
    by_reason = {row[0]: row[1:8] for row in rows[2:]}
    assert by_reason["Reason: Where is my order?"] == ["32", "200", "16", "16", "200", "8", "-50"]
    assert by_reason["Reason: My parcel is damaged"] == ["8", "200", "4", "8", "200", "4", "0"]


async def test_the_ranking_downloads_with_whether_a_message_is_on(
    app: Starlette, engine: AsyncEngine
) -> None:
    async for staff in _seeded_staff(app, engine):
        rows = _csv(await staff.get("/dashboard/loop?format=csv&table=ranking&lang=en"))
    assert rows == [
        [
            "Situation",
            "Contacts",
            "Share of contacts",
            "Shipments in it",
            "Contacts per 100 of them",
            "Message",
        ],
        ["Delivery delayed", "16", "44.4", "40", "40", "On"],
        ["Damaged", "8", "22.2", "8", "100", "On"],
    ]


async def test_weekly_rates_download_per_week_in_french(
    app: Starlette, engine: AsyncEngine
) -> None:
    since = (CHANGE_AT - timedelta(weeks=4)).date().isoformat()
    async for staff in _seeded_staff(app, engine):
        rows = _csv(
            await staff.get(
                "/dashboard/loop",
                params={"format": "csv", "table": "rates", "from": since, "lang": "fr"},
            )
        )
    assert len(rows) == 1 + 9  # the eight weeks touch nine Mondays' weeks
    totals = [(int(r[1]), int(r[2])) for r in rows[1:]]
    assert sum(s for s, _ in totals) == 400
    assert sum(c for _, c in totals) == 4 * 13 + 4 * 9


async def test_another_merchants_staff_sees_none_of_these_contacts(
    app: Starlette, engine: AsyncEngine
) -> None:
    async for _ in _seeded_staff(app, engine):
        async with staff_client(app, engine, merchant_slug="autre-boutique") as other:
            page = await other.get("/dashboard/loop?lang=en")
            ranking = _csv(await other.get("/dashboard/loop?format=csv&table=ranking"))
            rates = _csv(await other.get("/dashboard/loop?format=csv&table=rates"))
    assert "Delivery delayed: message on" not in page.text
    assert "No message to shoppers has been switched on" in page.text
    assert ranking[1:] == []
    assert {(r[1], r[2]) for r in rates[1:]} == {("0", "0")}


async def test_parameters_that_cannot_be_read_are_replaced_and_said(
    app: Starlette, engine: AsyncEngine
) -> None:
    async for staff in _seeded_staff(app, engine):
        response = await staff.get(
            "/dashboard/loop",
            params={"period": "year", "weeks": "99", "change": "x", "from": "soon", "lang": "en"},
        )
        unknown = await staff.get("/dashboard/loop?change=987654&format=csv&table=nope&lang=en")
    assert response.status_code == 200
    for message in (
        "The period is a day, a week or a month: showing weeks.",
        "Compare between 1 and 12 weeks: showing 4.",
        "This rule change does not exist: showing the latest.",
        "Dates are written YYYY-MM-DD",
    ):
        assert message in response.text
    assert unknown.status_code == 200
    assert "There is no such table to download." in unknown.text
    assert "This rule change does not exist" in unknown.text


async def test_reasons_and_situations_stored_by_a_helpdesk_render_as_text(
    app: Starlette, engine: AsyncEngine
) -> None:
    async with staff_client(app, engine) as staff:
        await _contacts(engine, staff.merchant_id, "<b>odd</b>", "<i>x</i>", NOW - timedelta(1), 1)
        response = await staff.get("/dashboard/loop")
    assert "<b>odd</b>" not in response.text
    assert "&lt;b&gt;odd&lt;/b&gt;" in response.text
