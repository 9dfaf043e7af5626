"""Report tables as data: each column says how it reads on the page and in the CSV export.

One list of columns feeds both, so the page and the file never disagree. A page cell is a text
and an optional detail under it ("66,7 %" over "2 / 3"); a CSV cell is a plain value, and a
column may exist in the CSV only (the count a share is taken of).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard.render import csv_download
from suivi_server.dashboard.report_format import Figures
from suivi_server.dashboard.report_period import Period
from suivi_server.pages.i18n import Language

Row = TypeVar("Row")


@dataclass(frozen=True)
class Cell:
    text: str
    detail: str | None = None


@dataclass(frozen=True)
class Column(Generic[Row]):
    header: str  # an N_() message id
    page: Callable[[Row, Figures], Cell] | None  # None: in the CSV only
    csv: Callable[[Row], object]
    number: bool = False


@dataclass(frozen=True)
class Table:
    """A table ready for the template: translated headers, cells, its CSV link."""

    name: str
    headers: list[tuple[str, bool]]  # (text, is a number)
    rows: list[list[Cell]]
    export: str


def table(
    name: str,
    columns: Sequence[Column[Row]],
    rows: Iterable[Row],
    figures: Figures,
    export: str,
) -> Table:
    shown = [c for c in columns if c.page is not None]
    return Table(
        name=name,
        headers=[(figures.lang.gettext(c.header), c.number) for c in shown],
        rows=[[c.page(row, figures) for c in shown if c.page is not None] for row in rows],
        export=export,
    )


def csv_table(
    filename: str, columns: Sequence[Column[Row]], rows: Iterable[Row], lang: Language
) -> Response:
    return csv_download(
        filename,
        [lang.gettext(c.header) for c in columns],
        ([c.csv(row) for c in columns] for row in rows),
    )


def export_link(request: Request, period: Period, table_name: str, **kept: str) -> str:
    """This page's CSV of one table, for the same period and choices."""
    query = {**period.query, **{k: v for k, v in kept.items() if v}}
    return f"{request.url.path}?{urlencode({**query, 'format': 'csv', 'table': table_name})}"


def csv_name(stem: str, period: Period) -> str:
    return f"{stem}-{period.since.isoformat()}-{period.until.isoformat()}.csv"
