"""Estimates against outcomes: the worker learns transit times up to the parcel's arrival, and the
accuracy report judges the window shown at hand-over on that same arrival day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import PARIS, DeliveryEstimate, Status, Tracking, TrackingEvent, TransitStats
from suivi_server.reports import estimate_accuracy
from suivi_server.worker.estimates import learn_transit_model, shipment_facts
from tests.server.conftest import NOW
from tests.server.factories import add_event, create_merchant, create_shipment

pytestmark = pytest.mark.anyio

MONDAY = date(2026, 11, 16)


def _window(first: date, last: date) -> dict[str, str]:
    return DeliveryEstimate(earliest=first, latest=last, p50=first, source="model").model_dump(
        mode="json"
    )


def _paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=hour)


async def test_share_inside_the_window_and_mean_error_per_carrier(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    monday = MONDAY
    cases = [  # carrier, window, delivered on
        ("colissimo", (monday, monday + timedelta(days=1)), monday),  # inside, 0 days off
        ("colissimo", (monday, monday + timedelta(days=1)), monday + timedelta(days=3)),  # 3 late
        ("ups", (monday, monday), monday),
    ]
    for i, (carrier, (first, last), delivered_on) in enumerate(cases):
        await create_shipment(
            engine,
            merchant_id,
            order_number=f"O-{i}",
            carrier=carrier,
            status="delivered",
            shipped_estimate=_window(first, last),
            delivered_at=datetime.combine(delivered_on, datetime.min.time(), NOW.tzinfo)
            + timedelta(hours=11),
        )
    await create_shipment(
        engine,
        merchant_id,
        order_number="in-flight",
        status="in_transit",
        shipped_estimate=_window(monday, monday),
    )
    await create_shipment(
        engine, merchant_id, order_number="no-estimate", status="delivered", delivered_at=NOW
    )

    rows = {row.carrier: row for row in await estimate_accuracy(engine)}
    assert set(rows) == {"colissimo", "ups"}
    assert rows["colissimo"].deliveries == 2
    assert rows["colissimo"].inside_window == 0.5
    assert rows["colissimo"].mean_abs_error_days == 1.5
    assert rows["ups"].inside_window == 1.0


async def test_a_pickup_point_parcel_is_judged_on_its_arrival_there(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        carrier="mondial_relay",
        status="delivered",
        shipped_estimate=_window(MONDAY, MONDAY + timedelta(days=1)),
        delivered_at=_paris(MONDAY + timedelta(days=4), 17),  # collected on Friday
    )
    for day, hour, status in (
        (MONDAY, 10, "available_for_pickup"),
        (MONDAY + timedelta(days=2), 9, "available_for_pickup"),  # a reminder
        (MONDAY + timedelta(days=4), 17, "delivered"),
    ):
        await add_event(engine, shipment_id, _paris(day, hour), status, status, status)

    [row] = await estimate_accuracy(engine)
    assert (row.carrier, row.inside_window, row.mean_abs_error_days) == ("mondial_relay", 1.0, 0.0)


async def test_a_delivery_is_judged_on_the_merchants_local_day(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    tuesday = MONDAY + timedelta(days=1)
    await create_shipment(
        engine,
        merchant_id,
        status="delivered",
        shipped_estimate=_window(tuesday, tuesday),
        delivered_at=datetime(2026, 11, 16, 23, 30, tzinfo=UTC),  # Tuesday 00:30 in Paris
    )
    [row] = await estimate_accuracy(engine)
    assert row.inside_window == 1.0


async def _relay_delivery(
    engine: AsyncEngine, merchant_id: int, n: int, arrival_days: int, **fields: object
) -> None:
    """A parcel handed over on Monday, at the pickup point `arrival_days` later, collected on
    the following Monday."""
    collected = _paris(MONDAY + timedelta(days=7), 18)
    shipment_id = await create_shipment(
        engine,
        merchant_id,
        order_number=f"R-{n}",
        tracking_number=f"MR{n:06d}",
        carrier="mondial_relay",
        service="24R",
        status="delivered",
        delivered_at=collected,
        **fields,
    )
    for at, status in (
        (_paris(MONDAY - timedelta(days=3), 9), "info_received"),
        (_paris(MONDAY, 18), "in_transit"),
        (_paris(MONDAY + timedelta(days=arrival_days), 10), "available_for_pickup"),
        (collected, "delivered"),
    ):
        await add_event(engine, shipment_id, at, status, f"{status}-{n}", status)


async def test_the_worker_learns_until_arrival_on_the_route_it_estimates(
    engine: AsyncEngine,
) -> None:
    settings = {"origin_country": "FR", "origin_postcode": "69007"}
    merchant_id, _ = await create_merchant(engine, settings=settings)
    for n, days in enumerate([2] * 10 + [3] * 6 + [4] * 4):
        await _relay_delivery(engine, merchant_id, n, days, customer_postcode="75011")

    model = await learn_transit_model(engine, now=NOW)

    # Arrival at the point (2-4 business days), not the collection a week later; the window
    # spans at most two business days by default.
    assert model.transit("mondial_relay", "24R", "69", "75") == TransitStats(20, 2, 4, 2, 3)


async def test_a_worker_estimate_finds_the_group_it_learned(engine: AsyncEngine) -> None:
    settings = {"origin_country": "FR", "origin_postcode": "69007"}
    merchant_id, _ = await create_merchant(engine, settings=settings)
    for n in range(20):
        await _relay_delivery(engine, merchant_id, n, 2, customer_postcode="13008")
    for n in range(20, 45):  # the carrier's other route is slower, and busier
        await _relay_delivery(engine, merchant_id, n, 5, customer_postcode="33000")
    model = await learn_transit_model(engine, now=NOW)

    row = SimpleNamespace(  # a shipment row as the worker reads it
        carrier="mondial_relay",
        service="24R",
        ordered_at=NOW,
        created_at=NOW,
        promised_ship_date=None,
        promised_delivery_date=None,
        customer_country="FR",
        customer_postcode="13001",
    )

    handed_over = _paris(date(2026, 11, 23), 18)
    parcel = Tracking.from_events(
        "mondial_relay",
        "MR9",
        [TrackingEvent(timestamp=handed_over, status=Status.IN_TRANSIT, code="C", label="l")],
    )
    estimate = model.estimate(shipment_facts(row, settings), parcel, handed_over)
    assert estimate is not None  # the carrier-wide group would say Saturday 28
    assert (estimate.source, estimate.earliest, estimate.latest) == (
        "model",
        date(2026, 11, 25),
        date(2026, 11, 25),
    )
