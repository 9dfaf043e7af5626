"""`/dashboard/problems`: the shipments that need someone, oldest problem first; filters by
problem and carrier, exact search, pages by cursor (`?next=`), the same rows as CSV
(`?format=csv`, every page of the current filter up to MAX_CSV rows)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from suivi import Registry
from suivi_server.dashboard import render
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.dashboard.loop_tables import situation_name
from suivi_server.dashboard.problem_queries import (
    BadCursor,
    Cursor,
    ProblemFilter,
    ProblemRow,
    problem_page,
)
from suivi_server.dashboard.shopper_view import CHANNELS, PROBLEMS, label, shopper_view, when
from suivi_server.pages.i18n import N_, Language
from suivi_server.pages.view import sentence
from suivi_server.pages.wording import carrier_name

NAV = N_("Problems")
TITLE = N_("Problem shipments")
BAD_CURSOR = N_("This page link is no longer valid: the list starts again from the top.")
SEARCH_TOO_LONG = N_("Search for one order number, tracking number or email address.")
MAX_SEARCH = 320
CSV_BATCH = 1000
MAX_CSV = 10_000  # rows in one export, as for contacts; a last line says when it was cut
CSV_CUT = N_(
    "Cut at %(rows)s rows, oldest problems first: filter by problem or carrier for the rest."
)
CARRIERS: tuple[str, ...] = tuple(Registry().names())


@dataclass(frozen=True)
class Line:
    """One row as the page and the CSV write it."""

    row: ProblemRow
    carrier: str
    problem: str
    age: str
    status: str
    banner: str | None
    told: str | None


def age(since: datetime | None, now: datetime, lang: Language) -> str:
    """'3 d 4 h', '5 h', '12 min': how long the problem has been waiting."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days:
        return lang.gettext(N_("%(days)s d %(hours)s h"), days=days, hours=hours)
    if hours:
        return lang.gettext(N_("%(hours)s h"), hours=hours)
    return lang.gettext(N_("%(minutes)s min"), minutes=minutes)


def line(row: ProblemRow, desk: Desk) -> Line:
    lang, merchant = desk.lang, desk.merchant
    view = shopper_view(merchant, row.shipment, row.situations, (), lang, desk.now)
    told = None
    if row.told is not None:
        told = lang.gettext(
            N_("%(channel)s · %(event)s · %(when)s"),
            channel=label(CHANNELS, row.told.channel, lang),
            event=situation_name(lang, row.told.event),
            when=when(row.told.sent_at, merchant, lang),
        )
    return Line(
        row=row,
        carrier=carrier_name(row.carrier),
        problem=label(PROBLEMS, row.problem, lang),
        age=age(row.problem_since, desk.now, lang),
        status=sentence(lang, row.status, row.substatus),
        banner=view.banners[0].title if view.banners else None,
        told=told,
    )


def read_filter(request: Request) -> tuple[ProblemFilter, str | None]:
    """The filter the query string asks for, and the message of what was refused in it."""
    params = request.query_params
    kind = params.get("kind") or None
    carrier = params.get("carrier") or None
    search = (params.get("q") or "").strip() or None
    error = None
    if search is not None and len(search) > MAX_SEARCH:
        search, error = None, SEARCH_TOO_LONG
    after = None
    if params.get("next"):
        try:
            after = Cursor.decode(params["next"])
        except BadCursor:
            error = BAD_CURSOR
    where = ProblemFilter(
        kind=kind if kind in PROBLEMS else None,
        carrier=carrier[:64] if carrier else None,
        search=search,
        after=after,
    )
    return where, error


def _query(where: ProblemFilter, **more: str) -> str:
    values = {"kind": where.kind, "carrier": where.carrier, "q": where.search, **more}
    return urlencode({k: v for k, v in values.items() if v})


async def _every_row(
    conn: AsyncConnection, desk: Desk, where: ProblemFilter
) -> tuple[list[Line], bool]:
    """The filter's rows, MAX_CSV at most, and whether it holds more than that."""
    lines: list[Line] = []
    batch = replace(where, after=None, limit=min(CSV_BATCH, MAX_CSV))
    while True:
        found = await problem_page(conn, desk.merchant.id, batch, desk.now)
        lines.extend(line(row, desk) for row in found.rows)
        if found.next is None:
            return lines, False
        if len(lines) >= MAX_CSV:
            return lines, True
        batch = replace(batch, after=found.next, limit=min(CSV_BATCH, MAX_CSV - len(lines)))


CSV_HEADER = (
    N_("Problem"),
    N_("Problem since"),
    N_("Age"),
    N_("Carrier"),
    N_("Tracking number"),
    N_("Order"),
    N_("Status"),
    N_("Banner shown"),
    N_("Last message sent"),
    N_("Handled at"),
)


def _csv_rows(lines: list[Line]) -> Iterator[list[object]]:
    for ln in lines:
        r = ln.row
        yield [
            ln.problem,
            r.problem_since.isoformat() if r.problem_since else "",
            ln.age,
            carrier_name(r.carrier),
            r.tracking_number,
            r.order_number,
            ln.status,
            ln.banner or "",
            ln.told or "",
            r.handled_at.isoformat() if r.handled_at else "",
        ]


async def problems(request: Request, desk: Desk) -> Response:
    where, error = read_filter(request)
    if request.query_params.get("format") == "csv":
        lines, cut = await _every_row(desk.conn, desk, where)
        header = [desk.lang.gettext(h) for h in CSV_HEADER]
        note = [[desk.lang.gettext(CSV_CUT, rows=MAX_CSV)]] if cut else []
        return render.csv_download("problems.csv", header, [*_csv_rows(lines), *note])
    found = await problem_page(desk.conn, desk.merchant.id, where, desk.now)
    carriers = sorted({*CARRIERS, *([where.carrier] if where.carrier else [])})
    return render.page(
        request,
        desk,
        "problems.html",
        title=TITLE,
        lines=[line(row, desk) for row in found.rows],
        where=where,
        error=error,
        kinds=[(k, desk.lang.gettext(v)) for k, v in PROBLEMS.items()],
        carriers=[(c, carrier_name(c)) for c in carriers],
        next_query=_query(where, next=found.next.encode()) if found.next else None,
        csv_query=_query(where, format="csv"),
        paged=where.after is not None,
        first_query=_query(where),
    )


ROUTES = [DashboardRoute("/problems", problems, name="problems", nav=NAV)]
