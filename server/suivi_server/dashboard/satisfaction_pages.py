"""`/dashboard/satisfaction`: NPS and CSAT over a period, the shoppers' words, recommendation
clicks; every table also as CSV (`?format=csv&table=periods|carriers|situations|texts|
placements|products`, the texts export holding every answer the search finds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard import charts, render
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.dashboard.clicks_report import (
    ClickReport,
    PlacementClicks,
    ProductClicks,
    click_report,
)
from suivi_server.dashboard.numbers import whole
from suivi_server.dashboard.report_format import Figures, csv_number, csv_share
from suivi_server.dashboard.report_period import Period, merchant_today, merchant_zone, read_period
from suivi_server.dashboard.report_tables import (
    Cell,
    Column,
    csv_name,
    csv_table,
    export_link,
    table,
)
from suivi_server.dashboard.satisfaction import (
    Bucket,
    SatisfactionLine,
    SatisfactionReport,
    TextAnswer,
    matching,
    paginate,
    period_answers,
    summarize,
)
from suivi_server.pages.i18n import N_, Language
from suivi_server.pages.wording import carrier_name

NAV = N_("Satisfaction")
TITLE = N_("Satisfaction")
MAX_SEARCH = 100
MAX_PAGE = 999_999  # a page number past it reads as the first page
BUCKETS: Mapping[str, str] = {"week": N_("Week"), "month": N_("Month")}
LIVED: Mapping[str, str] = {
    "on_time": N_("On time"),
    "late": N_("Late"),
    "after_problem": N_("After a problem"),
    "to_neighbour": N_("Left with a neighbour"),
    "to_reception": N_("Left at a reception desk"),
    "to_safe_place": N_("Left in a safe place"),
    "at_pickup_point": N_("Collected at a pickup point"),
}
NOT_KNOWN = N_("Not known")
PLACEMENTS: Mapping[str, str] = {
    "page": N_("Tracking page"),
    "widget": N_("Widget on the shop"),
    "email": N_("Email"),
}


def lived_label(situation: str | None, lang: Language) -> str:
    return lang.gettext(LIVED.get(situation or "", NOT_KNOWN))


def bucket_label(key: str, bucket: Bucket, lang: Language, *, short: bool = False) -> str:
    """ "Week of 16 Nov" or "November 2026"; `short` ("16 Nov", "Nov 2026") fits a chart's axis."""
    day = date.fromisoformat(key)
    if bucket == "month":
        return str(format_date(day, "MMM y" if short else "LLLL y", locale=lang.locale))
    first = str(format_date(day, "d MMM", locale=lang.locale))
    return first if short else lang.gettext(N_("Week of %(day)s"), day=first)


def _scores(key: Column[SatisfactionLine]) -> tuple[Column[SatisfactionLine], ...]:
    """A cut's columns: its key, then the same scores for every cut."""
    return (
        key,
        Column(
            N_("Answers"), lambda x, f: Cell(f.count(x.answers)), lambda x: x.answers, number=True
        ),
        Column(
            N_("NPS"),
            lambda x, f: Cell(f.points(x.nps.score), _of(x.nps.answered, f)),
            lambda x: csv_number(x.nps.score),
            number=True,
        ),
        Column(
            N_("Promoters (9–10)"),
            lambda x, f: Cell(f.count(x.nps.promoters)),
            lambda x: x.nps.promoters,
            number=True,
        ),
        Column(
            N_("Passives (7–8)"),
            lambda x, f: Cell(f.count(x.nps.passives)),
            lambda x: x.nps.passives,
            number=True,
        ),
        Column(
            N_("Detractors (0–6)"),
            lambda x, f: Cell(f.count(x.nps.detractors)),
            lambda x: x.nps.detractors,
            number=True,
        ),
        Column(
            N_("CSAT (4 or 5 out of 5)"),
            lambda x, f: Cell(f.percent(x.csat.share), _of(x.csat.answered, f, x.csat.satisfied)),
            lambda x: csv_share(x.csat.share),
            number=True,
        ),
        Column(N_("CSAT answers"), None, lambda x: x.csat.answered, number=True),
    )


def _of(total: int, figures: Figures, hits: int | None = None) -> str | None:
    """The count a score is taken of: "12 answers", or "9 / 12"."""
    if not total:
        return None
    if hits is not None:
        return f"{figures.count(hits)} / {figures.count(total)}"
    return figures.lang.gettext(N_("of %(count)s"), count=figures.count(total))


def _cuts(bucket: Bucket) -> dict[str, tuple[Column[SatisfactionLine], ...]]:
    return {
        "periods": _scores(
            Column(
                N_("Period"),
                lambda x, f: Cell(bucket_label(x.key or "", bucket, f.lang)),
                lambda x: x.key,
            )
        ),
        "carriers": _scores(
            Column(N_("Carrier"), lambda x, f: Cell(carrier_name(x.key or "")), lambda x: x.key)
        ),
        "situations": _scores(
            Column(
                N_("What the shopper lived"),
                lambda x, f: Cell(lived_label(x.key, f.lang)),
                lambda x: x.key or "",
            )
        ),
    }


TEXTS: tuple[Column[TextAnswer], ...] = (
    Column(N_("Answered at"), None, lambda x: x.answered_at.isoformat()),
    Column(N_("Carrier"), None, lambda x: x.carrier),
    Column(N_("What the shopper lived"), None, lambda x: x.situation or ""),
    Column(N_("Answer"), None, lambda x: x.text),
)
PLACEMENT_COLUMNS: tuple[Column[PlacementClicks], ...] = (
    Column(
        N_("Placement"),
        lambda x, f: Cell(f.lang.gettext(PLACEMENTS.get(x.placement, x.placement))),
        lambda x: x.placement,
    ),
    Column(N_("Clicks"), lambda x, f: Cell(f.count(x.clicks)), lambda x: x.clicks, number=True),
    Column(
        N_("Parcels"), lambda x, f: Cell(f.count(x.shipments)), lambda x: x.shipments, number=True
    ),
)
PRODUCT_COLUMNS: tuple[Column[ProductClicks], ...] = (
    Column(N_("Product"), lambda x, f: Cell(x.title or x.sku, x.sku), lambda x: x.title or ""),
    Column(N_("Product id"), None, lambda x: x.sku),
    Column(N_("Clicks"), lambda x, f: Cell(f.count(x.clicks)), lambda x: x.clicks, number=True),
)


def _chart(report: SatisfactionReport, lang: Language) -> object:
    """Promoters, detractors and satisfied shoppers as shares: NPS is the gap between the first
    two lines, and shares keep every series on one 0–100 % axis."""
    labels = [bucket_label(x.key or "", report.bucket, lang, short=True) for x in report.by_period]

    def series(label: str, shares: Sequence[float | None]) -> charts.Series:
        return charts.Series(lang.gettext(label), list(zip(labels, shares, strict=True)))

    cuts = report.by_period
    return charts.line_chart(
        [
            series(N_("Promoters"), [_share(x.nps.promoters, x.nps.answered) for x in cuts]),
            series(N_("Detractors"), [_share(x.nps.detractors, x.nps.answered) for x in cuts]),
            series(N_("Satisfied (CSAT)"), [x.csat.share for x in cuts]),
        ],
        title=lang.gettext(N_("Promoters, detractors and satisfied shoppers")),
        y_label=lang.gettext(N_("Share of answers")),
        percent=True,
        locale=lang.code,
    )


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _clicks_chart(clicks: ClickReport, lang: Language) -> object | None:
    if not clicks.by_placement:
        return None
    return charts.bar_chart(
        [
            (lang.gettext(PLACEMENTS.get(p.placement, p.placement)), float(p.clicks))
            for p in clicks.by_placement
        ],
        title=lang.gettext(N_("Recommendation clicks per placement")),
        y_label=lang.gettext(N_("Clicks")),
        locale=lang.code,
    )


def _page_number(value: str | None) -> int:
    number = whole(value)
    return number if number and number <= MAX_PAGE else 1


def _page_link(request: Request, period: Period, page: int, **kept: str) -> str:
    query = {**period.query, **{k: v for k, v in kept.items() if v}, "page": str(page)}
    return f"{request.url.path}?{urlencode(query)}#texts"


async def satisfaction_page(request: Request, desk: Desk) -> Response:
    params = request.query_params
    choice = read_period(params, merchant_today(desk.now, desk.merchant.settings))
    bucket: Bucket = "month" if params.get("by") == "month" else "week"
    search = params.get("q", "")[:MAX_SEARCH]
    period, zone = choice.period, merchant_zone(desk.merchant.settings)
    answers = await period_answers(
        desk.conn, merchant_id=desk.merchant.id, period=period, zone=zone
    )
    start, end = period.bounds(zone)
    clicks = await click_report(desk.conn, merchant_id=desk.merchant.id, start=start, end=end)
    report = summarize(answers, period=period, zone=zone, bucket=bucket)
    found = matching(answers, search)
    cuts = _cuts(bucket)
    rows: dict[str, tuple[Sequence[Column[Any]], Sequence[Any]]] = {
        "periods": (cuts["periods"], report.by_period),
        "carriers": (cuts["carriers"], report.by_carrier),
        "situations": (cuts["situations"], report.by_situation),
        "texts": (TEXTS, found),
        "placements": (PLACEMENT_COLUMNS, clicks.by_placement),
        "products": (PRODUCT_COLUMNS, clicks.top_products),
    }
    kept = {"by": bucket if bucket != "week" else "", "q": search}
    if params.get("format") == "csv" and choice.error is None:
        wanted = params.get("table", "carriers")
        if wanted not in rows:
            raise HTTPException(404)
        columns, values = rows[wanted]
        return csv_table(csv_name(f"satisfaction-{wanted}", period), columns, values, desk.lang)
    figures = Figures(desk.lang)
    tables = {
        name: table(name, columns, values, figures, export_link(request, period, name, **kept))
        for name, (columns, values) in rows.items()
        if name != "texts"
    }
    texts = paginate(found, _page_number(params.get("page")))
    return render.page(
        request,
        desk,
        "satisfaction.html",
        title=TITLE,
        status=400 if choice.error else 200,
        period=period,
        period_error=choice.error,
        buckets=list(BUCKETS.items()),
        bucket=bucket,
        figures=figures,
        overall=report.overall,
        clicks=clicks,
        tables=tables,
        chart=_chart(report, desk.lang),
        clicks_chart=_clicks_chart(clicks, desk.lang),
        search=search,
        texts=texts,
        lived_label=lived_label,
        carrier_name=carrier_name,
        texts_export=export_link(request, period, "texts", **kept),
        previous_page=_page_link(request, period, texts.page - 1, **kept),
        next_page=_page_link(request, period, texts.page + 1, **kept),
    )


ROUTES = [DashboardRoute("/satisfaction", satisfaction_page, name="satisfaction", nav=NAV)]
