"""/metrics tells how the polling fleet is doing, and only to whoever holds the token.

Its database gauges come from counts the database keeps as rows change, so each test changes
rows the way any writer would (plain inserts, updates, cascading deletes) and reads them back.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi_server.app import create_app
from suivi_server.config import Settings
from suivi_server.metrics import database
from suivi_server.notifications.sender import SenderMetrics
from suivi_server.storage.schema import merchants, notifications, shipment_situations, shipments
from suivi_server.worker.runner import WorkerMetrics
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _app(
    settings: Settings,
    engine: AsyncEngine,
    worker: WorkerMetrics | None = None,
    sender: SenderMetrics | None = None,
) -> httpx.AsyncClient:
    app: Starlette = create_app(
        dataclasses.replace(settings, metrics_token="m-token"),
        engine=engine,
        clock=lambda: NOW,
        migrate=False,
        worker_metrics=worker,
        sender_metrics=sender,
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def metrics_client(settings: Settings, engine: AsyncEngine) -> httpx.AsyncClient:
    return _app(settings, engine)


async def scrape(client: httpx.AsyncClient) -> Samples:
    """Every sample of the exposition, by name and sorted labels."""
    async with client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer m-token"})
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def series(samples: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: value for (n, labels), value in samples.items() if n == name}


async def test_metrics_are_disabled_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_metrics_need_the_token(metrics_client: httpx.AsyncClient) -> None:
    async with metrics_client:
        response = await metrics_client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


async def test_metrics_report_statuses_due_polls_and_lag(
    metrics_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    await create_shipment(
        engine, merchant_id, order_number="A", next_poll_at=NOW - timedelta(minutes=90)
    )
    await create_shipment(
        engine, merchant_id, order_number="B", next_poll_at=NOW + timedelta(hours=1)
    )
    await create_shipment(
        engine, merchant_id, order_number="C", status="delivered", poll_errors=2, carrier="ups"
    )
    samples = await scrape(metrics_client)
    assert series(samples, "suivi_shipments") == {
        (("carrier", "colissimo"), ("status", "in_transit")): 2,
        (("carrier", "ups"), ("status", "delivered")): 1,
    }
    assert samples["suivi_polls_due", ()] == 1
    assert samples["suivi_poll_lag_seconds", ()] == 5400
    assert series(samples, "suivi_shipments_failing") == {(("carrier", "ups"),): 1}


async def test_shipment_counts_follow_updates_and_cascading_deletes(
    settings: Settings, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    other_id, _ = await create_merchant(engine, slug="other")
    first = await create_shipment(engine, merchant_id, order_number="A")
    await create_shipment(engine, merchant_id, order_number="B")
    await create_shipment(engine, other_id, order_number="C", carrier="dpd")
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(shipments)
            .where(shipments.c.id == first)
            .values(status="delivered", poll_errors=1)
        )
        await conn.execute(sa.update(shipments).values(updated_at=NOW))  # counts nothing
        await conn.execute(sa.delete(merchants).where(merchants.c.id == other_id))
    samples = await scrape(_app(settings, engine))
    assert series(samples, "suivi_shipments") == {
        (("carrier", "colissimo"), ("status", "delivered")): 1,
        (("carrier", "colissimo"), ("status", "in_transit")): 1,
    }
    assert series(samples, "suivi_shipments_failing") == {(("carrier", "colissimo"),): 1}


async def test_active_situations_count_what_is_unresolved(
    metrics_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    rows = [("delivery_delayed", "a"), ("delivery_delayed", "b"), ("attempt_failed", "c")]
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shipment_situations),
            [
                {"shipment_id": shipment_id, "kind": k, "fingerprint": f, "detected_at": NOW}
                for k, f in rows
            ],
        )
        await conn.execute(
            sa.update(shipment_situations)
            .where(shipment_situations.c.fingerprint.in_(["a", "c"]))
            .values(resolved_at=NOW)
        )
        await conn.execute(
            sa.update(shipment_situations)
            .where(shipment_situations.c.fingerprint == "c")
            .values(resolved_at=None)  # detected again
        )
    samples = await scrape(metrics_client)
    assert series(samples, "suivi_active_situations") == {
        (("kind", "attempt_failed"),): 1,
        (("kind", "delivery_delayed"),): 1,
    }


async def test_polls_last_hour_counts_each_poll_of_the_last_sixty_minutes(
    metrics_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    other_id = await create_shipment(engine, merchant_id, order_number="B")
    polls = [
        (shipment_id, NOW - timedelta(hours=3)),  # two hours before the window: not counted
        (shipment_id, NOW - timedelta(minutes=40)),
        (shipment_id, NOW - timedelta(minutes=5)),
        (other_id, NOW - timedelta(minutes=5)),
        (other_id, NOW - timedelta(minutes=5)),  # the same value again: no new poll
    ]
    for polled_id, at in polls:
        async with engine.begin() as conn:
            await conn.execute(
                sa.update(shipments).where(shipments.c.id == polled_id).values(last_polled_at=at)
            )
    samples = await scrape(metrics_client)
    assert samples["suivi_polls_last_hour", ()] == 3


async def test_due_polls_are_counted_up_to_a_bound(
    metrics_client: httpx.AsyncClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "DUE_CAP", 2)
    merchant_id, _ = await create_merchant(engine)
    for n in range(3):
        await create_shipment(
            engine, merchant_id, order_number=str(n), next_poll_at=NOW - timedelta(minutes=n)
        )
    samples = await scrape(metrics_client)
    assert samples["suivi_polls_due", ()] == 2
    assert samples["suivi_poll_lag_seconds", ()] == 120


async def test_metrics_report_notifications_waiting_for_the_sender_per_channel(
    metrics_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(engine, merchant_id)
    rows = [
        ("email", "pending", NOW - timedelta(minutes=10)),
        ("email", "pending", NOW - timedelta(minutes=2)),
        ("email", "pending", NOW + timedelta(hours=6)),  # delayed on purpose: not due yet
        ("email", "sent", NOW - timedelta(hours=1)),
        ("webhook", "pending", NOW - timedelta(seconds=30)),
        ("sms", "pending", NOW + timedelta(hours=1)),  # waiting, none due
        ("push", "sent", NOW - timedelta(hours=2)),  # nothing pending: no series
    ]
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(notifications),
            [
                {
                    "merchant_id": merchant_id,
                    "shipment_id": shipment_id,
                    "event": "shipped",
                    "occurrence": str(n),
                    "channel": channel,
                    "idempotency_key": f"key-{n}",
                    "state": state,
                    "facts": {},
                    "due_at": due,
                    "created_at": due,
                    "updated_at": due,
                }
                for n, (channel, state, due) in enumerate(rows)
            ],
        )
    samples = await scrape(metrics_client)
    assert series(samples, "suivi_notifications_due") == {
        (("channel", "email"),): 2,
        (("channel", "sms"),): 0,
        (("channel", "webhook"),): 1,
    }
    assert series(samples, "suivi_notification_lag_seconds") == {
        (("channel", "email"),): 600,
        (("channel", "sms"),): 0,
        (("channel", "webhook"),): 30,
    }


async def test_the_embedded_worker_and_sender_counters_follow(
    settings: Settings, engine: AsyncEngine
) -> None:
    worker = WorkerMetrics(polls=7, errors=Counter(timeout=2), restarts=1)
    worker.last_success = NOW - timedelta(seconds=10)
    sender = SenderMetrics(outcomes=Counter(sent=4, failed=1), retries=3)
    sender.commit_windows.extend([0.002, 0.004, 0.010])
    samples = await scrape(_app(settings, engine, worker, sender))
    assert samples["suivi_worker_polls_total", ()] == 7
    assert samples["suivi_worker_restarts_total", ()] == 1
    assert series(samples, "suivi_worker_poll_errors_total") == {(("error", "timeout"),): 2}
    assert (
        samples["suivi_worker_last_success_timestamp_seconds", ()]
        == (NOW - timedelta(seconds=10)).timestamp()
    )
    assert series(samples, "suivi_worker_state") == {
        (("state", "ok"),): 1,
        (("state", "restarting"),): 0,
        (("state", "stale"),): 0,
        (("state", "starting"),): 0,
    }
    assert series(samples, "suivi_sender_notifications_total") == {
        (("state", "failed"),): 1,
        (("state", "sent"),): 4,
    }
    assert samples["suivi_sender_retries_total", ()] == 3
    assert samples["suivi_sender_commit_window_seconds", (("quantile", "1.0"),)] == 0.010


async def test_without_an_embedded_worker_only_the_database_speaks(
    metrics_client: httpx.AsyncClient,
) -> None:
    names = {name for name, _ in await scrape(metrics_client)}
    assert not any(name.startswith(("suivi_worker_", "suivi_sender_")) for name in names)
