"""Every list the API and the dashboard serve reads an index range, never a whole big table.

Each endpoint is called on a small dataset while the SQL it runs is captured; every captured
SELECT is then explained on the same database with the same parameters. On SQLite no plan may
`SCAN` shipments, tracking_events or notifications except through an index; on PostgreSQL,
with sequential scans priced out (`enable_seqscan = off`, so the plan shows what the indexes
allow, not what a tiny table makes cheapest), no plan may hold a Seq Scan on them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.storage.schema import notifications, shipments, tracking_events
from tests.server.conftest import NOW
from tests.server.dashboard_support import staff_client
from tests.server.factories import add_event, bearer, create_merchant, create_shipment

pytestmark = pytest.mark.anyio

BIG_TABLES = frozenset({shipments.name, tracking_events.name, notifications.name})
API_LISTS = (
    "/api/shipments",
    "/api/shipments?limit=2&cursor=4",
    "/api/shipments?problem=true",
    "/api/shipments?problem=true&limit=1&cursor=5",
    "/api/shipments?problem=false",
    "/api/shipments?status=in_transit,exception",
    "/api/shipments?carrier=ups",
    "/api/notifications",
    "/api/notifications?state=pending&limit=1&cursor=3",
    "/api/notifications?shipment_id=1",
    "/api/notification-rules/history",
)
DASHBOARD_LISTS = (
    "/dashboard/problems",
    "/dashboard/problems?kind=exception",
    "/dashboard/problems?carrier=ups",
    "/dashboard/problems?q=A-1",
    "/dashboard/problems?q=shopper@example.com",
    "/dashboard/contacts",
    "/dashboard/team",
)
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?! USING (COVERING )?INDEX)")


@dataclasses.dataclass
class Captured:
    statements: list[tuple[str, Any]] = dataclasses.field(default_factory=list)


@pytest.fixture
async def dataset(engine: AsyncEngine) -> str:
    """Two merchants, problems and not, events and notifications; the API key of the first."""
    merchant_id, key = await create_merchant(engine)
    other_id, _ = await create_merchant(engine, slug="other")
    rows = [
        ("in_transit", None, "colissimo"),
        ("exception", None, "ups"),
        ("in_transit", "delayed", "colissimo"),
        ("delivered", None, "ups"),
        ("attempt_failed", None, "dpd"),
        ("in_transit", None, "colissimo"),
    ]
    for n, (status, substatus, carrier) in enumerate(rows):
        shipment_id = await create_shipment(
            engine,
            merchant_id,
            order_number=f"A-{n}",
            status=status,
            substatus=substatus,
            carrier=carrier,
            customer_email="shopper@example.com",
            problem="exception" if status == "exception" else None,
            problem_since=NOW - timedelta(hours=n) if status == "exception" else None,
        )
        await add_event(engine, shipment_id, NOW - timedelta(days=1), status, "X1", "Scanned")
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(notifications).values(
                    merchant_id=merchant_id,
                    shipment_id=shipment_id,
                    event="shipped",
                    occurrence=str(n),
                    channel="email",
                    idempotency_key=f"key-{n}",
                    state="pending" if n % 2 else "sent",
                    facts={},
                    due_at=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                    sent_at=None if n % 2 else NOW,
                )
            )
    await create_shipment(engine, other_id, order_number="B-1", status="exception")
    return key


@pytest.fixture
def plans_app(settings: Settings, engine: AsyncEngine) -> Starlette:
    return create_app(
        dataclasses.replace(settings, metrics_token="m-token"),
        engine=engine,
        clock=lambda: NOW,
        migrate=False,
    )


@pytest.fixture
def captured(engine: AsyncEngine) -> Iterator[Captured]:
    found = Captured()

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            found.statements.append((statement, parameters))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield found
    sa.event.remove(engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def api(plans_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=plans_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _big_table_statements(captured: Captured) -> list[tuple[str, Any]]:
    pattern = re.compile(rf"\b({'|'.join(BIG_TABLES)})\b")
    return [(sql, params) for sql, params in captured.statements if pattern.search(sql)]


def _seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        yield str(plan["Relation Name"])
    for child in plan.get("Plans", ()):
        yield from _seq_scans(child)


async def whole_table_reads(engine: AsyncEngine, captured: Captured) -> list[str]:
    """Each captured statement that reads a big table whole, with the table it reads."""
    statements = _big_table_statements(captured)
    assert statements, "no statement reached the big tables"
    found: list[str] = []
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            await conn.exec_driver_sql("SET enable_seqscan = off")
        for sql, params in statements:
            if engine.dialect.name == "sqlite":
                plan = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                for row in plan:
                    if (m := _SQLITE_SCAN.match(row[-1])) and m[1] in BIG_TABLES:
                        found.append(f"{m[1]}: {sql}")
            else:
                plan = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", params)
                document = plan.scalar_one()
                tree = (json.loads(document) if isinstance(document, str) else document)[0]
                found.extend(f"{table}: {sql}" for table in _seq_scans(tree["Plan"]))
    return found


async def test_api_lists_read_index_ranges(
    api: httpx.AsyncClient, dataset: str, engine: AsyncEngine, captured: Captured
) -> None:
    for path in API_LISTS:
        response = await api.get(path, headers=bearer(dataset))
        assert response.status_code == 200, (path, response.text)
    assert await whole_table_reads(engine, captured) == []


async def test_the_problem_list_reads_only_problem_shipments(
    api: httpx.AsyncClient, dataset: str, engine: AsyncEngine, captured: Captured
) -> None:
    response = await api.get("/api/shipments?problem=true", headers=bearer(dataset))
    assert [s["status"] for s in response.json()["data"]] == [
        "attempt_failed",
        "in_transit",
        "exception",
    ]
    (sql, params), *_ = _big_table_statements(captured)
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                r[-1] for r in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )
        else:
            await conn.exec_driver_sql("SET enable_seqscan = off")
            rows = await conn.exec_driver_sql(f"EXPLAIN {sql}", params)
            plan = " ".join(r[0] for r in rows)
    assert "ix_shipments_problem_list" in plan


async def test_dashboard_lists_read_index_ranges(
    plans_app: Starlette, dataset: str, engine: AsyncEngine, captured: Captured
) -> None:
    async with staff_client(plans_app, engine, role="admin") as staff:
        captured.statements.clear()  # the session's own lookups are not lists
        for path in DASHBOARD_LISTS:
            response = await staff.get(path)
            assert response.status_code == 200, (path, response.text)
    assert await whole_table_reads(engine, captured) == []


async def test_a_metrics_scrape_reads_no_big_table_whole(
    api: httpx.AsyncClient, dataset: str, engine: AsyncEngine, captured: Captured
) -> None:
    response = await api.get("/metrics", headers={"Authorization": "Bearer m-token"})
    assert response.status_code == 200
    assert await whole_table_reads(engine, captured) == []
