"""The estimate report: how the windows shown held, per carrier and service, then per milestone,
on a dataset whose figures are worked out by hand; through the function, the API and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import DeliveryEstimate
from suivi.toolkit import PARIS
from suivi_server.estimates.report import EstimateReportRow, estimate_report
from suivi_server.storage.schema import shown_estimates
from tests.server.conftest import NOW, SECRET_KEYS
from tests.server.factories import add_event, create_merchant, create_shipment

pytestmark = pytest.mark.anyio

MONDAY = date(2026, 11, 16)
TUESDAY, THURSDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=3)


def _window(first: date, last: date, confidence: float | None = None) -> dict[str, Any]:
    estimate = DeliveryEstimate(
        earliest=first, latest=last, p50=first, source="model", confidence=confidence
    )
    return estimate.model_dump(mode="json")


def _paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=hour)


async def _delivery(
    engine: AsyncEngine, merchant_id: int, n: int, window: dict[str, Any], on: date, **fields: Any
) -> int:
    return await create_shipment(
        engine,
        merchant_id,
        order_number=f"O-{n}",
        tracking_number=f"6A{n:011d}",
        status="delivered",
        shipped_estimate=window,
        delivered_at=_paris(on, 11),
        **fields,
    )


async def _shown(
    engine: AsyncEngine, merchant_id: int, shipment_id: int, milestone: str, window: Any, hour: int
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shown_estimates).values(
                merchant_id=merchant_id,
                shipment_id=shipment_id,
                milestone=milestone,
                estimate=window,
                shown_at=_paris(MONDAY, hour),
            )
        )


async def _dataset(engine: AsyncEngine) -> tuple[int, str, int, str]:
    """Two merchants; the first has three deliveries judged, plus some that must not count."""
    merchant_id, key = await create_merchant(engine)
    other_id, other_key = await create_merchant(engine, slug="autre-boutique")
    inside = await _delivery(engine, merchant_id, 1, _window(MONDAY, TUESDAY, 0.75), MONDAY)
    await _delivery(
        engine,
        merchant_id,
        2,
        _window(MONDAY, TUESDAY, 0.875),
        THURSDAY,  # two business days late, three calendar days after p50
        estimate_later_moves=1,
    )
    await _delivery(engine, merchant_id, 3, _window(MONDAY, MONDAY), MONDAY, carrier="ups")
    # At the hub, the window shown first (Tuesday) is what is judged, not a later one.
    await _shown(engine, merchant_id, inside, "hub", _window(TUESDAY, TUESDAY, 0.7), 8)
    await _shown(engine, merchant_id, inside, "hub", _window(MONDAY, MONDAY, 0.9), 9)
    await _shown(engine, merchant_id, inside, "out_for_delivery", _window(MONDAY, MONDAY), 10)
    await create_shipment(  # not delivered yet
        engine, merchant_id, order_number="in-flight", shipped_estimate=_window(MONDAY, MONDAY)
    )
    await create_shipment(  # delivered, but no window was ever shown
        engine, merchant_id, order_number="no-window", status="delivered", delivered_at=NOW
    )
    await _delivery(engine, other_id, 9, _window(TUESDAY, TUESDAY), MONDAY)  # another shop's
    return merchant_id, key, other_id, other_key


EXPECTED = [
    EstimateReportRow("colissimo", "", None, 2, 0.5, 0.8125, 2.0, 1.5, 0.5),
    EstimateReportRow("colissimo", "", "hub", 1, 0.0, 0.7, 1.0, 1.0, 0.0),
    EstimateReportRow("colissimo", "", "out_for_delivery", 1, 1.0, None, 1.0, 0.0, 0.0),
    EstimateReportRow("ups", "", None, 1, 1.0, None, 1.0, 0.0, 0.0),
]


async def test_the_figures_per_carrier_service_and_milestone(engine: AsyncEngine) -> None:
    merchant_id, *_ = await _dataset(engine)
    async with engine.connect() as conn:
        rows = await estimate_report(conn, merchant_id=merchant_id, since=None, until=None)
    assert rows == EXPECTED


async def test_the_range_is_of_local_delivery_days(engine: AsyncEngine) -> None:
    merchant_id, *_ = await _dataset(engine)
    async with engine.connect() as conn:
        mondays = await estimate_report(conn, merchant_id=merchant_id, since=None, until=MONDAY)
        later = await estimate_report(conn, merchant_id=merchant_id, since=TUESDAY, until=None)
    assert [(r.carrier, r.milestone, r.deliveries) for r in mondays] == [
        ("colissimo", None, 1),
        ("colissimo", "hub", 1),
        ("colissimo", "out_for_delivery", 1),
        ("ups", None, 1),
    ]
    assert [(r.carrier, r.milestone, r.deliveries, r.hit_rate) for r in later] == [
        ("colissimo", None, 1, 0.0)
    ]


async def test_a_delivery_just_after_midnight_in_paris_is_of_the_paris_day(
    engine: AsyncEngine,
) -> None:
    merchant_id, _ = await create_merchant(engine)
    window = _window(TUESDAY, TUESDAY)
    await create_shipment(
        engine,
        merchant_id,
        status="delivered",
        shipped_estimate=window,
        delivered_at=datetime(2026, 11, 16, 23, 30, tzinfo=UTC),  # Tuesday 00:30 in Paris
    )
    async with engine.connect() as conn:
        [row] = await estimate_report(conn, merchant_id=merchant_id, since=TUESDAY, until=TUESDAY)
    assert row.hit_rate == 1.0


async def test_a_pickup_point_parcel_is_judged_on_its_arrival_there(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        carrier="mondial_relay",
        service="24R",
        status="delivered",
        shipped_estimate=_window(MONDAY, TUESDAY),
        delivered_at=_paris(MONDAY + timedelta(days=4), 17),  # collected on Friday
    )
    for day, hour, status in (
        (MONDAY, 10, "available_for_pickup"),
        (MONDAY + timedelta(days=2), 9, "available_for_pickup"),  # a reminder
        (MONDAY + timedelta(days=4), 17, "delivered"),
    ):
        await add_event(engine, shipment_id, _paris(day, hour), status, status, status)
    async with engine.connect() as conn:
        [row] = await estimate_report(conn, merchant_id=None, since=None, until=None)
    assert (row.carrier, row.service, row.hit_rate, row.mean_abs_error_days) == (
        "mondial_relay",
        "24R",
        1.0,
        0.0,
    )


async def test_the_api_counts_only_the_callers_deliveries(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, key, _, other_key = await _dataset(engine)
    mine = await client.get(
        "/api/estimates/report",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers={"Authorization": f"Bearer {key}"},
    )
    theirs = await client.get(
        "/api/estimates/report", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert mine.status_code == 200
    assert [(r["carrier"], r["milestone"], r["deliveries"]) for r in mine.json()["data"]] == [
        (r.carrier, r.milestone, r.deliveries) for r in EXPECTED
    ]
    assert mine.json()["data"][0]["stated_confidence"] == 0.8125
    assert [(r["carrier"], r["deliveries"], r["hit_rate"]) for r in theirs.json()["data"]] == [
        ("colissimo", 1, 0.0)
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "0"}, "from"),
    ],
)
async def test_the_api_refuses_bad_days_with_a_json_error(
    engine: AsyncEngine, client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    _, key = await create_merchant(engine)
    response = await client.get(
        "/api/estimates/report", params=params, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["field"] == field


async def test_a_range_ending_before_it_starts_holds_no_delivery(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, key, _, _ = await _dataset(engine)
    response = await client.get(
        "/api/estimates/report",
        params={"from": "2026-11-30", "to": "2026-11-01"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert (response.status_code, response.json()) == (200, {"data": []})


async def test_the_api_needs_a_key(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/estimates/report")).status_code == 401


async def test_the_command_prints_the_table(engine: AsyncEngine, database_url: str) -> None:
    from suivi_server.reports import estimate_report as command

    await _dataset(engine)
    env = {
        "SUIVI_DATABASE_URL": database_url,
        "SUIVI_SECRET_KEYS": SECRET_KEYS[0],
        "COLUMNS": "200",
    }
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(command, list(args), env=env, terminal_width=200)

    result = await anyio.to_thread.run_sync(
        run, "--from", "2026-11-01", "--to", "2026-11-30", "--merchant", "maison-lumiere"
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "colissimo" in line or "ups" in line]
    assert len(lines) == 4
    cells = [cell.strip() for cell in lines[0].split("│")[1:-1]]
    assert cells[:6] == ["colissimo", "-", "hand-over", "2", "50.0%", "81%"]
    unknown = await anyio.to_thread.run_sync(run, "--merchant", "nobody")
    assert (unknown.exit_code, "no merchant 'nobody'" in unknown.output) == (1, True)
    backwards = await anyio.to_thread.run_sync(run, "--from", "2026-11-20", "--to", "2026-11-10")
    assert (backwards.exit_code, "--to" in backwards.output) == (2, True)
