"""The feedback loop page: contacts per 100 shipments over time with the rule changes marked,
what one change did (before against after), and the situation to write a message for next.

Every table downloads as CSV from the same address (`?format=csv&table=…`). A parameter that
cannot be read is replaced by its default and the page says why: the merchant always gets a
page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.dashboard import render
from suivi_server.dashboard.access import DashboardRoute, Desk
from suivi_server.dashboard.charts import Marker, Series, bar_chart, line_chart
from suivi_server.dashboard.loop import (
    GRANULARITIES,
    Bucket,
    Granularity,
    RuleChange,
    contact_rates,
    per_100,
    rule_changes,
    rule_effect,
    situation_ranking,
)
from suivi_server.dashboard.loop_tables import (
    CHANGE_KINDS,
    GRANULARITY_NAMES,
    LoopTables,
    reason_name,
    situation_name,
)
from suivi_server.dashboard.numbers import whole
from suivi_server.dashboard.report_format import Figures
from suivi_server.dashboard.report_period import Period, merchant_zone, read_period
from suivi_server.notifications.rules import rules_of
from suivi_server.pages.i18n import N_

TITLE = N_("Contact feedback loop")
DEFAULT_WEEKS_SHOWN = 12
DEFAULT_EFFECT_WEEKS = 4
EFFECT_WEEKS = range(1, 13)
TOP_REASONS = 3  # reasons drawn as their own line beside the total
TABLES = ("rates", "effect", "ranking", "reasons", "situations")
BAD_PERIOD = N_("The period is a day, a week or a month: showing weeks.")
BAD_WEEKS = N_("Compare between 1 and 12 weeks: showing 4.")
BAD_CHANGE = N_("This rule change does not exist: showing the latest.")
BAD_TABLE = N_("There is no such table to download.")


@dataclass(frozen=True)
class LoopQuery:
    period: Period
    granularity: Granularity
    change_id: int | None
    weeks: int
    errors: tuple[str, ...]  # N_() messages: what was asked and replaced by its default


def read_query(params: Mapping[str, str], today: date) -> LoopQuery:
    """The page's parameters; twelve weeks up to today when no dates are given."""
    errors: list[str] = []
    period = Period(today - timedelta(weeks=DEFAULT_WEEKS_SHOWN) + timedelta(days=1), today)
    if params.get("from") or params.get("to"):
        choice = read_period(params, today)
        period = choice.period
        errors += [choice.error] if choice.error else []
    granularity = params.get("period") or "week"
    if granularity not in GRANULARITIES:
        errors.append(BAD_PERIOD)
        granularity = "week"
    weeks, raw_weeks = DEFAULT_EFFECT_WEEKS, (params.get("weeks") or "").strip()
    if raw_weeks:
        asked = whole(raw_weeks)
        if asked is not None and asked in EFFECT_WEEKS:
            weeks = asked
        else:
            errors.append(BAD_WEEKS)
    raw_change = (params.get("change") or "").strip()
    change_id = whole(raw_change)
    if raw_change and change_id is None:
        errors.append(BAD_CHANGE)
    return LoopQuery(period, cast(Granularity, granularity), change_id, weeks, tuple(errors))


def markers(buckets: list[Bucket], changes: list[RuleChange], desk: Desk) -> list[Marker]:
    """Each change at the period it falls in, named by its situation and what happened."""
    found = []
    for change in changes:
        bucket = next((b for b in buckets if b.start <= change.changed_at < b.end), None)
        if bucket is not None:
            found.append(Marker(bucket.label, _marker_label(change, desk)))
    return found


def totals(buckets: list[Bucket]) -> tuple[int, Counter[str], Counter[str]]:
    """Shipments, contacts by reason and by situation over the whole period."""
    reasons: Counter[str] = Counter()
    situations: Counter[str] = Counter()
    for bucket in buckets:
        reasons.update(bucket.by_reason)
        situations.update(bucket.by_situation)
    return sum(b.shipments for b in buckets), reasons, situations


async def loop_page(request: Request, desk: Desk) -> Response:
    zone = merchant_zone(desk.merchant.settings)
    query = read_query(request.query_params, desk.now.astimezone(zone).date())
    merchant_id, gettext = desk.merchant.id, desk.lang.gettext
    buckets = await contact_rates(
        desk.conn,
        merchant_id=merchant_id,
        since=query.period.since,
        until=query.period.until,
        zone=zone,
        granularity=query.granularity,
    )
    changes = await rule_changes(desk.conn, merchant_id=merchant_id)
    chosen = next((c for c in changes if c.id == query.change_id), None)
    errors = list(query.errors)
    if query.change_id is not None and chosen is None:
        errors.append(BAD_CHANGE)
    chosen = chosen or (changes[-1] if changes else None)
    effect = None
    if chosen is not None:
        effect = await rule_effect(
            desk.conn, merchant_id=merchant_id, change=chosen, weeks=query.weeks, now=desk.now
        )
    ranking = await situation_ranking(
        desk.conn, merchant_id=merchant_id, rules=rules_of(desk.merchant.settings), now=desk.now
    )
    shipped, reasons, situations = totals(buckets)
    tables = LoopTables(desk.lang, buckets, reasons, situations, shipped, effect, ranking)
    if request.query_params.get("format") == "csv":
        download = tables.csv(request.query_params.get("table", ""))
        if download is not None:
            return download
        errors.append(BAD_TABLE)
    locale = str(desk.lang.locale)
    per_100_label = gettext(N_("Contacts per 100 shipments"))
    series = [Series(gettext(N_("All contacts")), [(b.label, b.rate) for b in buckets])] + [
        Series(reason_name(desk.lang, r), [(b.label, b.reason_rate(r)) for b in buckets])
        for r, _ in reasons.most_common(TOP_REASONS)
    ]
    by = gettext(GRANULARITY_NAMES[query.granularity])
    charts = {
        "rates": line_chart(
            series,
            title=gettext(N_("Contacts per 100 shipments, by %(period)s"), period=by),
            y_label=per_100_label,
            markers=markers(buckets, changes, desk),
            locale=locale,
        ),
        "reasons": bar_chart(
            [
                (reason_name(desk.lang, r), per_100(n, shipped) or 0.0)
                for r, n in reasons.most_common()
            ],
            title=gettext(N_("By reason")),
            y_label=per_100_label,
            locale=locale,
        ),
        "situations": bar_chart(
            [
                (situation_name(desk.lang, s), per_100(n, shipped) or 0.0)
                for s, n in situations.most_common()
            ],
            title=gettext(N_("By situation at the time of the contact")),
            y_label=per_100_label,
            locale=locale,
        ),
    }
    day = desk.lang.short_day
    choices = [
        (
            c.id,
            f"{day(c.changed_at.astimezone(zone).date())} · {_marker_label(c, desk)}",
        )
        for c in reversed(changes)
    ]
    return render.page(
        request,
        desk,
        "loop.html",
        title=TITLE,
        query=query,
        errors=errors,
        granularities=[(g, GRANULARITY_NAMES[g]) for g in GRANULARITIES],
        effect_weeks=EFFECT_WEEKS,
        charts=charts,
        shipped=shipped,
        contacts=sum(reasons.values()),
        choices=choices,
        chosen=chosen,
        effect=effect,
        ranking=ranking,
        day=lambda moment: desk.lang.short_day(moment.astimezone(zone).date()),
        tables={name: tables.table(name) for name in TABLES},
        figures=Figures(desk.lang),
        csv_link=lambda table: _csv_link(request, table),
    )


def _bars(
    counts: Counter[str], shipped: int, name: Callable[[str], str]
) -> list[tuple[str, float]]:
    return [(name(key), per_100(n, shipped) or 0.0) for key, n in counts.most_common()]


def _marker_label(change: RuleChange, desk: Desk) -> str:
    words = desk.lang.gettext(CHANGE_KINDS[change.kind])
    return f"{situation_name(desk.lang, change.event)}: {words}"


def _csv_link(request: Request, table: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in {"format", "table"}]
    return f"{request.url.path}?{urlencode([*params, ('format', 'csv'), ('table', table)])}"


ROUTES = [DashboardRoute("/loop", loop_page, name="loop", nav=N_("Feedback loop"))]
