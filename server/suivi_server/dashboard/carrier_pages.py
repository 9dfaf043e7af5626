"""`/dashboard/carriers`: how each carrier performed over a period, every table also as CSV
(`?format=csv&table=carriers|lines|estimates`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard import charts, estimate_table, render
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.dashboard.carriers import (
    ALL,
    MIN_REGION_SHARE,
    OTHER_REGION,
    CarrierLine,
    CarrierReport,
    Rate,
    carrier_report,
)
from suivi_server.dashboard.report_format import DASH, Figures, csv_number, csv_share
from suivi_server.dashboard.report_period import PeriodChoice, merchant_today, read_period
from suivi_server.dashboard.report_tables import (
    Cell,
    Column,
    Table,
    csv_name,
    csv_table,
    export_link,
    table,
)
from suivi_server.pages.i18n import N_, Language
from suivi_server.pages.wording import carrier_name

NAV = N_("Carriers")
TITLE = N_("Carrier performance")


def region_label(region: str, lang: Language) -> str:
    """A department by its number, a country by its name, the pooled rest as such."""
    if region == OTHER_REGION:
        return lang.gettext(N_("Other regions"))
    if region == ALL:
        return lang.gettext(N_("All regions"))
    if any(c.isdigit() for c in region):
        return lang.gettext(N_("Department %(code)s"), code=region)
    return lang.country(region)


def service_label(service: str) -> str:
    """The carrier's service; a dash when it named none."""
    return service or DASH


def _rate(rate: Rate, figures: Figures) -> Cell:
    detail = f"{figures.count(rate.hits)} / {figures.count(rate.total)}" if rate.total else None
    return Cell(figures.percent(rate.share), detail)


def _days(value: int | None, figures: Figures) -> Cell:
    return Cell(figures.decimal(value))


CARRIER: Column[CarrierLine] = Column(
    N_("Carrier"), lambda x, f: Cell(carrier_name(x.carrier)), lambda x: x.carrier
)
ROUTE: tuple[Column[CarrierLine], ...] = (
    Column(
        N_("Service"),
        lambda x, f: Cell(service_label(x.service)),
        lambda x: x.service,
    ),
    Column(
        N_("Destination"),
        lambda x, f: Cell(region_label(x.region, f.lang)),
        lambda x: x.region,
    ),
)
FIGURES: tuple[Column[CarrierLine], ...] = (
    Column(N_("Shipped"), lambda x, f: Cell(f.count(x.shipped)), lambda x: x.shipped, number=True),
    Column(
        N_("Exceptions"),
        lambda x, f: _rate(x.exceptions, f),
        lambda x: csv_share(x.exceptions.share),
        number=True,
    ),
    Column(
        N_("Returns"),
        lambda x, f: _rate(x.returns, f),
        lambda x: csv_share(x.returns.share),
        number=True,
    ),
    Column(
        N_("Delivered"),
        lambda x, f: Cell(f.count(x.delivered)),
        lambda x: x.delivered,
        number=True,
    ),
    Column(
        N_("Median transit (business days)"),
        lambda x, f: _days(x.median_days, f),
        lambda x: csv_number(x.median_days),
        number=True,
    ),
    Column(
        N_("9 in 10 within (business days)"),
        lambda x, f: _days(x.p90_days, f),
        lambda x: csv_number(x.p90_days),
        number=True,
    ),
    Column(
        N_("On time for the promise"),
        lambda x, f: _rate(x.on_promise, f),
        lambda x: csv_share(x.on_promise.share),
        number=True,
    ),
    Column(N_("Deliveries with a promise"), None, lambda x: x.on_promise.total, number=True),
    Column(
        N_("Inside the announced window"),
        lambda x, f: _rate(x.in_window, f),
        lambda x: csv_share(x.in_window.share),
        number=True,
    ),
    Column(
        N_("Deliveries with an announced window"),
        None,
        lambda x: x.in_window.total,
        number=True,
    ),
)
TABLES: dict[str, tuple[Column[Any], ...]] = {
    "carriers": (CARRIER, *FIGURES),
    "lines": (CARRIER, *ROUTE, *FIGURES),
    "estimates": estimate_table.COLUMNS,
}


def _charts(report: CarrierReport, lang: Language) -> list[object]:
    """One transit histogram per carrier with deliveries, then punctuality side by side."""
    found: list[object] = [
        charts.histogram(
            line.transit,
            title=lang.gettext(N_("%(carrier)s: transit time"), carrier=carrier_name(line.carrier)),
            x_label=lang.gettext(N_("Business days from hand-over to arrival")),
            y_label=lang.gettext(N_("Deliveries")),
            locale=lang.code,
        )
        for line in report.carriers
        if line.transit
    ]
    on_time = [
        (carrier_name(line.carrier), share)
        for line in report.carriers
        if (share := line.on_promise.share) is not None
    ]
    if on_time:
        found.append(
            charts.bar_chart(
                on_time,
                title=lang.gettext(N_("On time for the promise, per carrier")),
                y_label=lang.gettext(N_("Share of deliveries with a promise")),
                percent=True,
                locale=lang.code,
            )
        )
    return found


async def carriers_page(request: Request, desk: Desk) -> Response:
    choice: PeriodChoice = read_period(
        request.query_params, merchant_today(desk.now, desk.merchant.settings)
    )
    report = await carrier_report(desk.conn, merchant=desk.merchant, period=choice.period)
    estimates = await estimate_table.estimate_rows(
        desk.conn, merchant_id=desk.merchant.id, period=choice.period
    )
    rows: dict[str, Sequence[Any]] = {
        "carriers": report.carriers,
        "lines": report.lines,
        "estimates": estimates,
    }
    wanted = request.query_params.get("table", "carriers")
    if request.query_params.get("format") == "csv" and choice.error is None:
        if wanted not in TABLES:
            raise HTTPException(404)
        columns = TABLES[wanted]
        return csv_table(csv_name(wanted, choice.period), columns, rows[wanted], desk.lang)
    figures = Figures(desk.lang)
    tables: dict[str, Table] = {
        name: table(name, columns, rows[name], figures, export_link(request, choice.period, name))
        for name, columns in TABLES.items()
    }
    return render.page(
        request,
        desk,
        "carriers.html",
        title=TITLE,
        status=400 if choice.error else 200,
        period=choice.period,
        period_error=choice.error,
        tables=tables,
        has_estimates=bool(estimates),
        charts=_charts(report, desk.lang),
        min_region_share=figures.percent(MIN_REGION_SHARE),
    )


ROUTES = [DashboardRoute("/carriers", carriers_page, name="carriers", nav=NAV)]
