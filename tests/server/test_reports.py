"""Estimate accuracy is judged on the window shown at hand-over, per carrier."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi import DeliveryEstimate
from suivi_server.reports import estimate_accuracy
from tests.server.conftest import NOW
from tests.server.factories import create_merchant, create_shipment

pytestmark = pytest.mark.anyio


def _window(first: date, last: date) -> dict[str, str]:
    return DeliveryEstimate(earliest=first, latest=last, p50=first, source="model").model_dump(
        mode="json"
    )


async def test_share_inside_the_window_and_mean_error_per_carrier(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    monday = date(2026, 11, 16)
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
