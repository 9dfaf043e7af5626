"""Satisfaction over a period: NPS and CSAT per carrier, lived situation and week or month, and
the shoppers' own words.

The period's answers are one indexed range (`ix_survey_answers_merchant_id_answered_at`), each
read with its survey's questions (by primary key) so a score is taken by the kind of question
that asked it: the first NPS and the first CSAT question of the survey (a survey asking twice
still counts each shopper once). NPS is promoters (9–10) minus detractors (0–6) in points; CSAT
is the share of 4 and 5 on the fixed 1–5 scale. An empty group has no score, not a zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.dashboard.report_period import Period
from suivi_server.storage.schema import survey_answers, surveys
from suivi_server.surveys.model import CSAT_SCALE, NPS_SCALE
from suivi_server.surveys.results import DETRACTORS, PROMOTERS

Bucket = Literal["week", "month"]
SATISFIED = range(4, 6)  # CSAT: 4 and 5 out of 5
TEXTS_PER_PAGE = 20
_a, _q = survey_answers.c, surveys.c


@dataclass(frozen=True)
class Nps:
    answered: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.answered - self.promoters - self.detractors

    @property
    def score(self) -> float | None:
        """In points, −100 to 100, one decimal."""
        if not self.answered:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered, 1)


@dataclass(frozen=True)
class Csat:
    answered: int
    satisfied: int

    @property
    def share(self) -> float | None:
        return self.satisfied / self.answered if self.answered else None


@dataclass(frozen=True)
class Scored:
    """One answer row as the report reads it."""

    answer_id: int
    carrier: str
    situation: str | None
    answered_at: datetime
    nps: int | None
    csat: int | None
    texts: tuple[str, ...]


@dataclass(frozen=True)
class SatisfactionLine:
    key: str | None  # a carrier, a lived situation (None: not known), or a bucket's first day
    answers: int
    nps: Nps
    csat: Csat


@dataclass(frozen=True)
class SatisfactionReport:
    overall: SatisfactionLine
    by_carrier: list[SatisfactionLine]
    by_situation: list[SatisfactionLine]
    by_period: list[SatisfactionLine]  # every week or month of the period, empty ones too
    bucket: Bucket


@dataclass(frozen=True)
class TextAnswer:
    answer_id: int
    text: str
    carrier: str
    situation: str | None
    answered_at: datetime


@dataclass(frozen=True)
class TextPage:
    answers: list[TextAnswer]
    page: int
    pages: int
    total: int


def _first_of(questions: Any, kind: str) -> str | None:
    return next((q["id"] for q in questions or () if q.get("kind") == kind), None)


def _score(value: object, scale: range) -> int | None:
    """A stored score on its scale; anything else (skipped, altered) counts for nothing."""
    if isinstance(value, int) and not isinstance(value, bool) and value in scale:
        return value
    return None


def scored(row: Any) -> Scored:
    answers: Mapping[str, object] = row.answers or {}
    nps_id, csat_id = _first_of(row.questions, "nps"), _first_of(row.questions, "csat")
    text_ids = [q["id"] for q in row.questions or () if q.get("kind") == "free_text"]
    texts = (answers.get(i) for i in text_ids)
    return Scored(
        answer_id=row.id,
        carrier=row.carrier,
        situation=row.situation,
        answered_at=row.answered_at,
        nps=_score(answers.get(nps_id), NPS_SCALE) if nps_id else None,
        csat=_score(answers.get(csat_id), CSAT_SCALE) if csat_id else None,
        texts=tuple(t.strip() for t in texts if isinstance(t, str) and t.strip()),
    )


async def period_answers(
    conn: AsyncConnection, *, merchant_id: int, period: Period, zone: ZoneInfo
) -> list[Scored]:
    """The answers first given during the period (the merchant's days), newest first."""
    start, end = period.bounds(zone)
    query = (
        sa.select(
            _a.id,
            _a.answers,
            _a.carrier,
            _a.situation,
            _a.answered_at,
            _q.questions.label("questions"),
        )
        .join(surveys, _q.id == _a.survey_id)
        .where(_a.merchant_id == merchant_id, _a.answered_at >= start, _a.answered_at < end)
        .order_by(_a.answered_at.desc(), _a.id.desc())
    )
    return [scored(row) for row in (await conn.execute(query)).all()]


def line(key: str | None, answers: Sequence[Scored]) -> SatisfactionLine:
    nps = [a.nps for a in answers if a.nps is not None]
    csat = [a.csat for a in answers if a.csat is not None]
    return SatisfactionLine(
        key=key,
        answers=len(answers),
        nps=Nps(len(nps), sum(s in PROMOTERS for s in nps), sum(s in DETRACTORS for s in nps)),
        csat=Csat(len(csat), sum(s in SATISFIED for s in csat)),
    )


def _cut(answers: Iterable[Scored], key: Callable[[Scored], str | None]) -> list[SatisfactionLine]:
    groups: dict[str | None, list[Scored]] = {}
    for answer in answers:
        groups.setdefault(key(answer), []).append(answer)
    ordered = sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or ""))
    return [line(name, group) for name, group in ordered]


def bucket_start(day: date, bucket: Bucket) -> date:
    """Monday of the day's ISO week, or the first of its month."""
    return day - timedelta(days=day.weekday()) if bucket == "week" else day.replace(day=1)


def _next(start: date, bucket: Bucket) -> date:
    if bucket == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def buckets(period: Period, bucket: Bucket) -> list[date]:
    first, last = bucket_start(period.since, bucket), bucket_start(period.until, bucket)
    starts = [first]
    while starts[-1] < last:
        starts.append(_next(starts[-1], bucket))
    return starts


async def satisfaction_report(
    conn: AsyncConnection, *, merchant_id: int, period: Period, zone: ZoneInfo, bucket: Bucket
) -> SatisfactionReport:
    """NPS and CSAT overall, per carrier, per lived situation and per week or month."""
    answers = await period_answers(conn, merchant_id=merchant_id, period=period, zone=zone)
    return summarize(answers, period=period, zone=zone, bucket=bucket)


def summarize(
    answers: Sequence[Scored], *, period: Period, zone: ZoneInfo, bucket: Bucket
) -> SatisfactionReport:
    def when(a: Scored) -> date:
        return bucket_start(a.answered_at.astimezone(zone).date(), bucket)

    per_bucket = {cut.key: cut for cut in _cut(answers, lambda a: when(a).isoformat())}
    return SatisfactionReport(
        overall=line(None, answers),
        by_carrier=_cut(answers, lambda a: a.carrier),
        by_situation=_cut(answers, lambda a: a.situation),
        by_period=[
            per_bucket.get(day.isoformat()) or line(day.isoformat(), [])
            for day in buckets(period, bucket)
        ],
        bucket=bucket,
    )


def matching(answers: Iterable[Scored], search: str) -> list[TextAnswer]:
    """The free-text answers containing `search` (any case), in the answers' order."""
    wanted = search.strip().casefold()
    return [
        TextAnswer(a.answer_id, text, a.carrier, a.situation, a.answered_at)
        for a in answers
        for text in a.texts
        if wanted in text.casefold()
    ]


async def text_answers(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    period: Period,
    zone: ZoneInfo,
    search: str = "",
    page: int = 1,
) -> TextPage:
    """The period's free-text answers, newest first, those containing `search` only.

    Read from the period's answers (the indexed range above) and searched here: the texts sit
    inside a JSON column no index can search, and a period's answers are few.
    """
    answers = await period_answers(conn, merchant_id=merchant_id, period=period, zone=zone)
    return paginate(matching(answers, search), page)


def paginate(found: Sequence[TextAnswer], page: int) -> TextPage:
    """Page `page` (brought within 1..pages) of TEXTS_PER_PAGE answers."""
    pages = max(1, math.ceil(len(found) / TEXTS_PER_PAGE))
    page = min(max(page, 1), pages)
    shown = found[(page - 1) * TEXTS_PER_PAGE : page * TEXTS_PER_PAGE]
    return TextPage(list(shown), page, pages, len(found))
