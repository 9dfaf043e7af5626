"""The problem shipments list: order, filters, search, keyset pages, what the shopper was told,
handled marks, and merchants kept apart."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi import DetectedSituation, Situation
from suivi_server.dashboard import problems as problem_pages
from suivi_server.dashboard import triage
from suivi_server.dashboard.problem_queries import (
    BadCursor,
    Cursor,
    ProblemFilter,
    ProblemPage,
    Told,
    problem_page,
)
from suivi_server.storage.schema import dashboard_users, notifications
from suivi_server.storage.situations import record_situations
from tests.server.conftest import NOW
from tests.server.dashboard_support import merchant_id_for, staff_client
from tests.server.engagement_support import add_situation
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


async def shipment(
    engine: AsyncEngine,
    merchant_id: int,
    n: int,
    problem: str | None,
    since: datetime | None,
    **f: Any,
) -> int:
    values = {
        "order_number": f"CMD-{n:04d}",
        "tracking_number": f"6A{n:011d}",
        "customer_email": f"client{n}@example.com",
        "problem": problem,
        "problem_since": since,
        **f,
    }
    return await create_shipment(engine, merchant_id, **values)


async def staff(engine: AsyncEngine, merchant_id: int, email: str = "agent@example.com") -> int:
    async with engine.begin() as conn:
        result = await conn.execute(
            sa.insert(dashboard_users).values(
                merchant_id=merchant_id, email=email, role="agent", created_at=NOW
            )
        )
    return int(result.inserted_primary_key[0])


async def handle(engine: AsyncEngine, merchant_id: int, shipment_id: int, at: datetime) -> None:
    user_id = await staff(engine, merchant_id, f"agent{shipment_id}@example.com")
    async with engine.begin() as conn:
        await triage.mark_handled(
            conn, merchant_id=merchant_id, shipment_id=shipment_id, user_id=user_id, note="", now=at
        )


async def page(
    engine: AsyncEngine, merchant_id: int, now: datetime = NOW, **where: Any
) -> ProblemPage:
    async with engine.connect() as conn:
        return await problem_page(conn, merchant_id, ProblemFilter(**where), now)


def ids(found: ProblemPage) -> list[int]:
    return [row.id for row in found.rows]


@pytest.fixture
async def dataset(engine: AsyncEngine) -> dict[str, int]:
    """Merchant A's shipments in every state the list must tell apart, and merchant B's."""
    a, _ = await create_merchant(engine, slug="maison-a")
    b, _ = await create_merchant(engine, slug="maison-b")
    rows = {
        "damaged": await shipment(engine, a, 1, "damaged", NOW - 3 * DAY),
        "delayed": await shipment(
            engine, a, 2, "delivery_delayed", NOW - 2 * DAY, carrier="chronopost"
        ),
        "pickup_far": await shipment(engine, a, 3, "pickup_deadline", NOW + 5 * DAY),
        "calm": await shipment(engine, a, 4, None, None, status="delivered"),
        "handled": await shipment(engine, a, 5, "attempt_failed", NOW - DAY),
        "new_since_handled": await shipment(engine, a, 6, "shipped_late", NOW - 4 * HOUR),
        "same_age": await shipment(engine, a, 7, "refused", NOW - 2 * DAY),
        "other_merchant": await shipment(engine, b, 8, "damaged", NOW - 5 * DAY),
    }
    await handle(engine, a, rows["handled"], NOW - 12 * HOUR)
    await handle(engine, a, rows["new_since_handled"], NOW - 2 * DAY)
    rows["merchant_a"], rows["merchant_b"] = a, b
    return rows


async def test_oldest_problem_first_without_future_handled_or_other_merchants(
    engine: AsyncEngine, dataset: dict[str, int]
) -> None:
    found = await page(engine, dataset["merchant_a"])
    expected = ["damaged", "delayed", "same_age", "new_since_handled"]
    assert ids(found) == [dataset[k] for k in expected]
    assert found.next is None
    assert [r.problem for r in found.rows] == [
        "damaged",
        "delivery_delayed",
        "refused",
        "shipped_late",
    ]


async def test_pages_follow_one_another_by_keyset(
    engine: AsyncEngine, dataset: dict[str, int]
) -> None:
    first = await page(engine, dataset["merchant_a"], limit=2)
    assert ids(first) == [dataset["damaged"], dataset["delayed"]]
    assert first.next == Cursor(NOW - 2 * DAY, dataset["delayed"])
    cursor = Cursor.decode(first.next.encode())
    second = await page(engine, dataset["merchant_a"], limit=2, after=cursor)
    assert ids(second) == [dataset["same_age"], dataset["new_since_handled"]]
    assert second.next is None


@pytest.mark.parametrize("raw", ["", "x", "12.", ".3", "1e9.2", "99999999999999999999.1"])
def test_a_cursor_not_written_here_is_refused(raw: str) -> None:
    with pytest.raises(BadCursor):
        Cursor.decode(raw)


async def test_filters_by_problem_kind_and_carrier(
    engine: AsyncEngine, dataset: dict[str, int]
) -> None:
    merchant = dataset["merchant_a"]
    assert ids(await page(engine, merchant, kind="damaged")) == [dataset["damaged"]]
    assert ids(await page(engine, merchant, carrier="chronopost")) == [dataset["delayed"]]
    assert ids(await page(engine, merchant, kind="damaged", carrier="chronopost")) == []


@pytest.mark.parametrize("typed", [" cmd-0004 ", "6A00000000004", "6a 0000 0000 004"])
async def test_search_finds_any_shipment_by_order_or_tracking_number(
    engine: AsyncEngine, dataset: dict[str, int], typed: str
) -> None:
    found = await page(engine, dataset["merchant_a"], search=typed)
    assert ids(found) == [dataset["calm"]]
    assert found.rows[0].problem is None


@pytest.mark.parametrize("typed", ["client1@example.com", " Client1@Example.com "])
async def test_search_finds_a_problem_shipment_by_email(
    engine: AsyncEngine, dataset: dict[str, int], typed: str
) -> None:
    found = await page(engine, dataset["merchant_a"], search=typed)
    assert ids(found) == [dataset["damaged"]]


async def test_search_by_email_ignores_the_case_the_merchant_stored_it_in(
    engine: AsyncEngine, dataset: dict[str, int]
) -> None:
    stored = await shipment(
        engine, dataset["merchant_a"], 90, None, None, customer_email="Jean.Dupont@Example.fr"
    )
    found = await page(engine, dataset["merchant_a"], search="jean.dupont@example.fr")
    assert ids(found) == [stored]


async def test_search_finds_a_handled_shipment_with_its_mark(
    engine: AsyncEngine, dataset: dict[str, int]
) -> None:
    found = await page(engine, dataset["merchant_a"], search="CMD-0005")
    assert ids(found) == [dataset["handled"]]
    assert found.rows[0].handled_at == NOW - 12 * HOUR


async def test_search_never_crosses_merchants(engine: AsyncEngine, dataset: dict[str, int]) -> None:
    assert ids(await page(engine, dataset["merchant_a"], search="CMD-0008")) == []
    assert ids(await page(engine, dataset["merchant_b"], search="CMD-0001")) == []
    assert ids(await page(engine, dataset["merchant_b"])) == [dataset["other_merchant"]]


async def test_each_row_says_what_the_shopper_was_last_sent(
    engine: AsyncEngine, dataset: dict[str, int]
) -> None:
    merchant, damaged = dataset["merchant_a"], dataset["damaged"]
    await add_situation(engine, damaged, "damaged", NOW - 3 * DAY, carrier_label="Colis abîmé")
    sent = [
        ("email", "shipped", "sent", NOW - 4 * DAY),
        ("sms", "damaged", "sent", NOW - 2 * DAY),
        ("webhook", "status_changed", "sent", NOW - DAY),  # the merchant's, not the shopper's
        ("email", "damaged", "failed", NOW - DAY),
    ]
    async with engine.begin() as conn:
        for n, (channel, event, state, at) in enumerate(sent):
            await conn.execute(
                sa.insert(notifications).values(
                    merchant_id=merchant,
                    shipment_id=damaged,
                    event=event,
                    occurrence=str(n),
                    channel=channel,
                    idempotency_key=f"k{n}",
                    state=state,
                    due_at=at,
                    sent_at=at if state == "sent" else None,
                    created_at=at,
                    updated_at=at,
                )
            )
    row = (await page(engine, merchant, kind="damaged")).rows[0]
    assert row.told == Told("sms", "damaged", NOW - 2 * DAY)
    assert [(s.kind, s.facts) for s in row.situations] == [
        ("damaged", {"carrier_label": "Colis abîmé"})
    ]
    delayed = (await page(engine, merchant, kind="delivery_delayed")).rows[0]
    assert (delayed.told, delayed.situations) == (None, ())


async def test_a_far_pickup_deadline_enters_the_list_when_it_comes_near(
    engine: AsyncEngine, dataset: dict[str, int]
) -> None:
    later = await page(engine, dataset["merchant_a"], now=NOW + 5 * DAY, kind="pickup_deadline")
    assert ids(later) == [dataset["pickup_far"]]


async def test_a_handled_shipment_comes_back_with_a_newer_problem(engine: AsyncEngine) -> None:
    merchant, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant)

    async def poll(at: datetime, *kinds: Situation) -> None:
        found = [DetectedSituation(k, at, {}, k.value) for k in kinds]
        async with engine.begin() as conn:
            await record_situations(conn, shipment_id, found, at)

    await poll(NOW - DAY, Situation.DELIVERY_DELAYED)
    assert ids(await page(engine, merchant)) == [shipment_id]
    await handle(engine, merchant, shipment_id, NOW)
    assert ids(await page(engine, merchant)) == []
    await poll(NOW + HOUR, Situation.DELIVERY_DELAYED)  # the same problem, seen again
    assert ids(await page(engine, merchant, now=NOW + HOUR)) == []
    await poll(NOW + 2 * HOUR, Situation.DELIVERY_DELAYED, Situation.DAMAGED)
    found = await page(engine, merchant, now=NOW + 2 * HOUR)
    assert [(r.id, r.problem, r.problem_since) for r in found.rows] == [
        (shipment_id, "damaged", NOW + 2 * HOUR)
    ]


async def test_the_page_lists_problems_with_age_banner_and_message(
    app: Starlette, engine: AsyncEngine
) -> None:
    merchant = await merchant_id_for(engine, "maison-lumiere")
    damaged = await shipment(engine, merchant, 1, "damaged", NOW - (3 * DAY + 4 * HOUR))
    await add_situation(engine, damaged, "damaged", NOW - 3 * DAY)
    await shipment(engine, merchant, 2, None, None)
    async with staff_client(app, engine) as agent:
        response = await agent.get("/dashboard/problems?lang=en")
    assert response.status_code == 200
    html = response.text
    assert f'href="/dashboard/shipments/{damaged}"' in html
    assert "Damaged</a>" in html
    assert "3 d 4 h" in html
    assert "CMD-0001" in html
    assert "CMD-0002" not in html
    assert "Nothing sent yet" in html


async def test_the_page_pages_by_cursor_and_refuses_a_forged_one(
    app: Starlette, engine: AsyncEngine
) -> None:
    merchant = await merchant_id_for(engine, "maison-lumiere")
    for n in range(1, 53):
        await shipment(engine, merchant, n, "delivery_delayed", NOW - n * HOUR)
    async with staff_client(app, engine) as agent:
        first = await agent.get("/dashboard/problems?lang=en")
        cursor = re.search(r'href="\?next=([0-9.]+)" rel="next"', first.text)
        assert cursor is not None
        second = await agent.get(f"/dashboard/problems?lang=en&next={cursor.group(1)}")
        forged = await agent.get("/dashboard/problems?lang=en&next=yesterday")
    assert re.findall(r"CMD-\d{4}", second.text) == ["CMD-0002", "CMD-0001"]
    assert "CMD-0052" in first.text
    assert "CMD-0002" not in first.text
    assert 'rel="next"' not in second.text
    assert forged.status_code == 200
    assert "This page link is no longer valid" in forged.text
    assert "CMD-0052" in forged.text


async def test_the_csv_has_every_row_of_the_filter(app: Starlette, engine: AsyncEngine) -> None:
    merchant = await merchant_id_for(engine, "maison-lumiere")
    for n in range(1, 4):
        await shipment(engine, merchant, n, "damaged", NOW - n * DAY, order_number=f"=CMD-{n}")
    await shipment(engine, merchant, 9, "refused", NOW - DAY)
    async with staff_client(app, engine) as agent:
        response = await agent.get("/dashboard/problems?lang=en&kind=damaged&format=csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Problem,Problem since,Age,Carrier,Tracking number,Order,")
    assert [line.split(",")[5] for line in lines[1:]] == ["'=CMD-3", "'=CMD-2", "'=CMD-1"]
    assert lines[1].split(",")[:4] == [
        "Damaged",
        (NOW - 3 * DAY).isoformat(),
        "3 d 0 h",
        "Colissimo",
    ]


async def test_the_csv_is_cut_at_its_row_limit_and_says_so(
    app: Starlette, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(problem_pages, "MAX_CSV", 3)
    monkeypatch.setattr(problem_pages, "CSV_BATCH", 2)
    merchant = await merchant_id_for(engine, "maison-lumiere")
    for n in range(1, 4):
        await shipment(engine, merchant, n, "damaged", NOW - n * DAY)
    async with staff_client(app, engine) as agent:
        whole = await agent.get("/dashboard/problems?lang=en&format=csv")
        await shipment(engine, merchant, 4, "damaged", NOW - 4 * DAY)
        cut = await agent.get("/dashboard/problems?lang=en&format=csv")
    whole_lines = whole.text.lstrip("\ufeff").splitlines()
    cut_lines = cut.text.lstrip("\ufeff").splitlines()
    assert [line.split(",")[5] for line in whole_lines[1:]] == ["CMD-0003", "CMD-0002", "CMD-0001"]
    assert [line.split(",")[5] for line in cut_lines[1:4]] == ["CMD-0004", "CMD-0003", "CMD-0002"]
    assert cut_lines[4].startswith('"Cut at 3 rows, oldest problems first')
    assert len(cut_lines) == 5


async def test_bad_filters_get_a_readable_answer(app: Starlette, engine: AsyncEngine) -> None:
    async with staff_client(app, engine) as agent:
        unknown = await agent.get("/dashboard/problems?lang=en&kind=%3Cscript%3E&carrier=x")
        long = await agent.get("/dashboard/problems?lang=en&q=" + "a" * 400)
    assert unknown.status_code == 200
    assert "<script>" not in unknown.text
    assert long.status_code == 200
    assert "Search for one order number" in long.text


async def test_another_shop_never_sees_these_problems(app: Starlette, engine: AsyncEngine) -> None:
    shop_a = await merchant_id_for(engine, "shop-a")
    await shipment(engine, shop_a, 1, "damaged", NOW - DAY)
    async with staff_client(app, engine, merchant_slug="shop-b") as agent:
        listed = await agent.get("/dashboard/problems?lang=en")
        searched = await agent.get("/dashboard/problems?lang=en&q=cmd-0001")
        exported = await agent.get("/dashboard/problems?format=csv")
    for response in (listed, searched, exported):
        assert "CMD-0001" not in response.text
        assert "6A00000000001" not in response.text
        assert "/dashboard/shipments/" not in response.text
    assert "No shipment matches." in searched.text
    assert exported.text.lstrip("\ufeff").count("\r\n") == 1  # the header only


async def test_a_newer_lower_ranked_problem_brings_a_handled_shipment_back(
    engine: AsyncEngine,
) -> None:
    merchant, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant)

    async def poll(at: datetime, *kinds: Situation) -> None:
        found = [DetectedSituation(k, at, {}, k.value) for k in kinds]
        async with engine.begin() as conn:
            await record_situations(conn, shipment_id, found, at)

    await poll(NOW - 3 * DAY, Situation.DELIVERY_DELAYED)
    await handle(engine, merchant, shipment_id, NOW - 2 * DAY)
    await poll(NOW - DAY, Situation.DELIVERY_DELAYED)  # nothing new: still handled
    assert ids(await page(engine, merchant, now=NOW - DAY)) == []
    await poll(NOW - HOUR, Situation.DELIVERY_DELAYED, Situation.ATTEMPT_FAILED)
    found = await page(engine, merchant)
    assert [(r.id, r.problem, r.handled_at) for r in found.rows] == [
        (shipment_id, "delivery_delayed", None)
    ]
    async with engine.connect() as conn:  # the agent's mark stays in the history
        notes = await triage.notes_of(conn, merchant, shipment_id)
    assert [note.handled for note in notes] == [True]
