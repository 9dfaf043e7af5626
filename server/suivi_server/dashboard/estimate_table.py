"""The estimate report (how the windows shown to shoppers held) as a table of the carrier page.

The figures are `estimate_report`'s, for the merchant's period; this module only says how each
column reads, the hand-over window first, then the window shown at each later step.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.dashboard.report_format import DASH, Figures, csv_number, csv_share
from suivi_server.dashboard.report_period import Period
from suivi_server.dashboard.report_tables import Cell, Column
from suivi_server.estimates.report import EstimateReportRow, estimate_report
from suivi_server.pages.i18n import N_
from suivi_server.pages.wording import carrier_name

STEPS: Mapping[str, str] = {
    "": N_("Shown at hand-over"),
    "handover": N_("At hand-over"),
    "hub": N_("At the first hub"),
    "delivery_site": N_("At the delivery site"),
    "out_for_delivery": N_("Out for delivery"),
}


def _step(row: EstimateReportRow, figures: Figures) -> Cell:
    step = row.milestone or ""
    return Cell(figures.lang.gettext(STEPS[step]) if step in STEPS else step)


COLUMNS: tuple[Column[EstimateReportRow], ...] = (
    Column(N_("Carrier"), lambda x, f: Cell(carrier_name(x.carrier)), lambda x: x.carrier),
    Column(
        N_("Service"),
        lambda x, f: Cell(x.service or DASH),
        lambda x: x.service,
    ),
    Column(N_("Window shown"), _step, lambda x: x.milestone or ""),
    Column(
        N_("Deliveries"),
        lambda x, f: Cell(f.count(x.deliveries)),
        lambda x: x.deliveries,
        number=True,
    ),
    Column(
        N_("Inside the window"),
        lambda x, f: Cell(f.percent(x.hit_rate)),
        lambda x: csv_share(x.hit_rate),
        number=True,
    ),
    Column(
        N_("Confidence stated"),
        lambda x, f: Cell(f.percent(x.stated_confidence)),
        lambda x: csv_share(x.stated_confidence),
        number=True,
    ),
    Column(
        N_("Mean width (business days)"),
        lambda x, f: Cell(f.decimal(x.mean_width_days)),
        lambda x: csv_number(round(x.mean_width_days, 2)),
        number=True,
    ),
    Column(
        N_("Mean error (days)"),
        lambda x, f: Cell(f.decimal(x.mean_abs_error_days)),
        lambda x: csv_number(round(x.mean_abs_error_days, 2)),
        number=True,
    ),
    Column(
        N_("Promise moved later"),
        lambda x, f: Cell(f.percent(x.moved_later)),
        lambda x: csv_share(x.moved_later),
        number=True,
    ),
)


async def estimate_rows(
    conn: AsyncConnection, *, merchant_id: int, period: Period
) -> list[EstimateReportRow]:
    return await estimate_report(
        conn, merchant_id=merchant_id, since=period.since, until=period.until
    )
