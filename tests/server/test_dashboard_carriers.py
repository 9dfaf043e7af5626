"""Carrier performance on a known dataset: transit histograms, punctuality against the promise
and the announced window, exception and return rates, regions pooled, period and merchant kept."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from suivi.toolkit import PARIS
from suivi_server.dashboard.carriers import (
    OTHER_REGION,
    CarrierReport,
    Rate,
    carrier_report,
    pool_regions,
    quantile,
)
from suivi_server.dashboard.report_period import Period, read_period
from suivi_server.storage.merchants import Merchant
from suivi_server.storage.schema import shipment_situations
from tests.server.conftest import NOW
from tests.server.dashboard_support import staff_client
from tests.server.factories import add_event, create_merchant, create_shipment

pytestmark = pytest.mark.anyio

MONDAY = NOW.date() - timedelta(days=NOW.weekday() + 7)  # a week before NOW's week
PERIOD = Period(NOW.date() - timedelta(days=27), NOW.date())


def paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), PARIS) + timedelta(hours=hour)


def window(first: date, last: date) -> dict[str, str]:
    return {"earliest": first.isoformat(), "latest": last.isoformat(), "source": "model"}


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def merchant(merchant_id: int) -> Merchant:
    return Merchant(merchant_id, "maison-lumiere", "Maison Lumière", "default", {})


class Shipments:
    """Numbered shipments of one merchant, created on MONDAY unless told otherwise."""

    def __init__(self, engine: AsyncEngine, merchant_id: int) -> None:
        self.engine, self.merchant_id, self.count = engine, merchant_id, 0

    async def add(
        self, *, handed_over: datetime | None = None, postcode: str = "75011", **fields: Any
    ) -> int:
        self.count += 1
        values: dict[str, Any] = {
            "order_number": f"O-{self.count}",
            "tracking_number": f"6A{self.count:011d}",
            "customer_postcode": postcode,
            "promised_delivery_date": None,
            "created_at": paris(MONDAY, 8),
            **fields,
        }
        shipment_id = await create_shipment(self.engine, self.merchant_id, **values)
        if handed_over is not None:
            await add_event(
                self.engine, shipment_id, handed_over, "in_transit", "PCH", "Pris en charge"
            )
        return shipment_id

    async def delivered(self, day: date, **fields: Any) -> int:
        """Handed over on MONDAY at 10:00, delivered on `day` at 14:00."""
        return await self.add(
            handed_over=paris(MONDAY, 10),
            status="delivered",
            delivered_at=paris(day, 14),
            **fields,
        )


async def report(engine: AsyncEngine, merchant_id: int, period: Period = PERIOD) -> CarrierReport:
    async with engine.connect() as conn:
        return await carrier_report(conn, merchant=merchant(merchant_id), period=period)


async def known_dataset(engine: AsyncEngine, merchant_id: int | None = None) -> int:
    """Shipments of the given merchant (a new one by default) whose figures the tests know."""
    if merchant_id is None:
        merchant_id, _ = await create_merchant(engine)
    rows = Shipments(engine, merchant_id)
    # colissimo: four deliveries (in 2, 4 and 1 business days, one never scanned), one
    # exception, two returns
    await rows.delivered(
        day(2), promised_delivery_date=day(2), shipped_estimate=window(day(1), day(2))
    )
    await rows.delivered(
        day(4), promised_delivery_date=day(2), shipped_estimate=window(day(1), day(2))
    )
    await rows.delivered(day(1), postcode="69001", shipped_estimate=window(day(2), day(3)))
    await rows.add(status="delivered", delivered_at=paris(day(4), 9), promised_delivery_date=day(4))
    failed = await rows.add(handed_over=paris(MONDAY, 10))
    await add_event(engine, failed, paris(day(1), 9), "exception", "AAR", "Adresse incomplète")
    await rows.add(status="returned")
    returning = await rows.add()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(shipment_situations).values(
                shipment_id=returning,
                kind="returned_to_sender",
                fingerprint="f",
                facts={},
                detected_at=paris(day(2), 9),
            )
        )
    # mondial_relay: judged on its arrival at the pickup point (Thursday), not its collection
    relay = await rows.delivered(
        day(5), carrier="mondial_relay", postcode="13001", promised_delivery_date=day(3)
    )
    await add_event(engine, relay, paris(day(3), 11), "available_for_pickup", "REL", "En relais")
    # outside the period: neither shipped nor delivered in it
    await rows.add(
        created_at=paris(PERIOD.since, -30 * 24),
        status="delivered",
        delivered_at=paris(PERIOD.since, -1),
    )
    return merchant_id


async def test_each_carrier_sums_its_period(engine: AsyncEngine) -> None:
    merchant_id = await known_dataset(engine)

    carriers = {line.carrier: line for line in (await report(engine, merchant_id)).carriers}

    colissimo = carriers["colissimo"]
    assert (colissimo.shipped, colissimo.delivered) == (7, 4)
    assert colissimo.transit == {1: 1, 2: 1, 4: 1}  # the never-scanned delivery has no transit
    assert (colissimo.median_days, colissimo.p90_days) == (2, 4)
    assert colissimo.on_promise == Rate(2, 3)  # the delivery without a promise is not judged
    assert colissimo.in_window == Rate(1, 3)  # a day early is outside the window too
    assert colissimo.exceptions == Rate(1, 7)
    assert colissimo.returns == Rate(2, 7)  # returned status, returned_to_sender situation
    relay = carriers["mondial_relay"]
    assert (relay.shipped, relay.delivered, relay.transit) == (1, 1, {3: 1})
    assert relay.on_promise == Rate(1, 1)
    assert relay.in_window == Rate(0, 0)
    assert relay.in_window.share is None


async def test_lines_split_by_service_and_destination_region(engine: AsyncEngine) -> None:
    merchant_id = await known_dataset(engine)

    lines = {(x.carrier, x.service, x.region): x for x in (await report(engine, merchant_id)).lines}

    assert set(lines) == {
        ("colissimo", "", "75"),
        ("colissimo", "", "69"),
        ("mondial_relay", "", "13"),
    }
    assert lines["colissimo", "", "69"].transit == {1: 1}
    assert lines["colissimo", "", "75"].transit == {2: 1, 4: 1}
    assert lines["colissimo", "", "75"].shipped == 6


async def test_small_regions_are_pooled_under_other(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    rows = Shipments(engine, merchant_id)
    for _ in range(19):
        await rows.add()
    await rows.add(postcode="20000")  # Corse-du-Sud: 1 of 22
    await rows.add(postcode="97400")  # La Réunion: 1 of 22
    await rows.add(service="Colissimo Expert", postcode="97400")  # alone in its service

    lines = [(x.service, x.region, x.shipped) for x in (await report(engine, merchant_id)).lines]

    assert lines == [("", "75", 19), ("", OTHER_REGION, 2), ("Colissimo Expert", "974", 1)]


def test_pooling_keeps_a_lone_small_region_and_at_most_eight_named() -> None:
    assert pool_regions({"75": 40, "2A": 1}) == {"75": "75", "2A": "2A"}
    many = {f"{n:02d}": 10 for n in range(1, 11)}
    assert sorted(set(pool_regions(many).values())) == [
        *(f"{n:02d}" for n in range(1, 9)),
        OTHER_REGION,
    ]


def test_quantiles_are_observed_values() -> None:
    assert quantile({1: 1, 2: 1, 4: 1}, 0.5) == 2
    assert quantile({1: 9, 5: 1}, 0.9) == 1
    assert quantile({1: 9, 5: 2}, 0.9) == 5
    assert quantile({}, 0.5) is None


async def test_another_merchants_shipments_are_not_counted(engine: AsyncEngine) -> None:
    await known_dataset(engine)
    other_id, _ = await create_merchant(engine, slug="autre")

    assert await report(engine, other_id) == CarrierReport(carriers=[], lines=[])


async def test_the_period_is_the_merchants_days(engine: AsyncEngine) -> None:
    merchant_id, _ = await create_merchant(engine)
    rows = Shipments(engine, merchant_id)
    # 23:30 UTC on the eve is already the period's first day in Paris
    await rows.add(created_at=datetime.combine(PERIOD.since - timedelta(days=1), time(23, 30), UTC))
    await rows.add(created_at=paris(PERIOD.since, 0) - timedelta(minutes=1))
    await rows.add(created_at=paris(PERIOD.until, 23))
    await rows.add(created_at=paris(PERIOD.until, 24))

    carriers = (await report(engine, merchant_id)).carriers

    assert [c.shipped for c in carriers] == [2]


def test_the_default_period_is_the_last_four_weeks() -> None:
    today = NOW.date()
    choice = read_period({}, today)
    assert choice == read_period({"from": "", "to": ""}, today)
    assert (choice.period, choice.error) == (Period(today - timedelta(days=27), today), None)
    since = today - timedelta(days=60)
    assert read_period({"from": since.isoformat()}, today).period == Period(since, today)


@pytest.mark.parametrize(
    "params",
    [{"from": "31/12/2025"}, {"to": "2025-02-30"}, {"from": "yesterday"}],
)
def test_unreadable_dates_give_the_default_period_and_say_why(params: dict[str, str]) -> None:
    choice = read_period(params, NOW.date())
    assert choice.period == read_period({}, NOW.date()).period
    assert choice.error == "Dates are written YYYY-MM-DD, for example 2026-03-31."


def test_a_period_ending_before_it_starts_or_longer_than_a_year_is_refused() -> None:
    today = NOW.date()
    backwards = {"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    assert read_period(backwards, today).error == "The period must start before it ends."
    long = {"from": (today - timedelta(days=400)).isoformat(), "to": today.isoformat()}
    assert read_period(long, today).error == "A period covers at most a year."


# --- the page -------------------------------------------------------------------------------


async def test_the_page_shows_each_carrier_and_its_histogram(
    app: Starlette, engine: AsyncEngine
) -> None:
    await known_dataset(engine)
    async with staff_client(app, engine) as staff:
        response = await staff.get("/dashboard/carriers?lang=en")

    assert response.status_code == 200
    html = response.text
    assert "Carrier performance" in html
    assert "Mondial Relay" in html
    assert "Department 75" in html
    assert "66.7%" in html  # colissimo on time for the promise: 2 / 3
    assert html.count('<figure class="chart">') == 3  # two histograms, one punctuality chart
    assert "/dashboard/carriers?from=" in html
    assert "format=csv&amp;table=lines" in html


async def test_the_page_reads_in_french(app: Starlette, engine: AsyncEngine) -> None:
    await known_dataset(engine)
    async with staff_client(app, engine) as staff:
        html = (await staff.get("/dashboard/carriers?lang=fr")).text

    assert "66,7\xa0%" in html


async def test_each_table_downloads_as_csv(app: Starlette, engine: AsyncEngine) -> None:
    await known_dataset(engine)
    period = {"from": PERIOD.since.isoformat(), "to": PERIOD.until.isoformat(), "lang": "en"}
    async with staff_client(app, engine) as staff:
        per_carrier = await staff.get("/dashboard/carriers", params={**period, "format": "csv"})
        lines = await staff.get(
            "/dashboard/carriers", params={**period, "format": "csv", "table": "lines"}
        )
        unknown = await staff.get(
            "/dashboard/carriers", params={**period, "format": "csv", "table": "nope"}
        )

    assert per_carrier.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(per_carrier.text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Carrier", "Shipped", "Exceptions"]
    assert rows[1] == ["colissimo", "7", "14.3", "28.6", "4", "2", "4", "66.7", "3", "33.3", "3"]
    assert rows[2][0] == "mondial_relay"
    assert [r[:3] for r in csv.reader(io.StringIO(lines.text))][1:] == [
        ["colissimo", "", "75"],
        ["colissimo", "", "69"],
        ["mondial_relay", "", "13"],
    ]
    assert unknown.status_code == 404


@pytest.mark.parametrize("given", ["2026-13-01", "<b>x</b>", "2026-02-30"])
async def test_a_bad_date_is_a_readable_message(
    app: Starlette, engine: AsyncEngine, given: str
) -> None:
    async with staff_client(app, engine) as staff:
        response = await staff.get("/dashboard/carriers", params={"from": given, "lang": "en"})
        as_csv = await staff.get(
            "/dashboard/carriers", params={"to": given, "format": "csv", "lang": "en"}
        )

    assert response.status_code == 400
    assert "Dates are written YYYY-MM-DD" in response.text
    assert "<b>x</b>" not in response.text
    assert as_csv.status_code == 400
    assert as_csv.headers["content-type"].startswith("text/html")


async def test_a_user_sees_only_their_merchants_carriers(
    app: Starlette, engine: AsyncEngine
) -> None:
    await known_dataset(engine)  # maison-lumiere's shipments
    async with staff_client(app, engine, merchant_slug="autre-boutique") as staff:
        page = await staff.get("/dashboard/carriers?lang=en")
        export = await staff.get("/dashboard/carriers?format=csv&table=lines")

    assert page.status_code == 200
    assert "Colissimo" not in page.text
    assert "Nothing in this period." in page.text
    assert len(list(csv.reader(io.StringIO(export.text)))) == 1  # the header only


async def test_the_estimate_report_is_a_table_of_the_page(
    app: Starlette, engine: AsyncEngine
) -> None:
    await known_dataset(engine)
    period = {"from": PERIOD.since.isoformat(), "to": PERIOD.until.isoformat(), "lang": "en"}
    async with staff_client(app, engine) as staff:
        html = (await staff.get("/dashboard/carriers", params=period)).text
        export = await staff.get(
            "/dashboard/carriers", params={**period, "format": "csv", "table": "estimates"}
        )

    assert "Delivery estimates" in html
    rows = list(csv.reader(io.StringIO(export.text.removeprefix("\ufeff"))))
    assert rows[0][:5] == ["Carrier", "Service", "Window shown", "Deliveries", "Inside the window"]
    # the three colissimo deliveries announced a window at hand-over; one arrived inside it
    assert rows[1][:5] == ["colissimo", "", "", "3", "33.3"]
