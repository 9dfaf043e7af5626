"""Surveys and their answers in the database, always scoped to one merchant.

A shipment has one answer row (unique shipment_id); each answered question merges into it, so
the first answer's time opens the edit window and a concurrent first answer never fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.dialect import insert_ignoring_conflicts
from suivi_server.storage.schema import survey_answers, surveys
from suivi_server.surveys.model import Answer, SurveyIn

if TYPE_CHECKING:  # lived reads page rows: importing it here would tie storage to the pages
    from suivi_server.surveys.lived import LivedDelivery

_s, _a = surveys.c, survey_answers.c


@dataclass(frozen=True)
class StoredSurvey:
    id: int
    definition: SurveyIn
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredAnswer:
    id: int
    survey_id: int
    shipment_id: int
    answers: Mapping[str, Answer]
    carrier: str
    situation: str | None
    days_late: int | None
    segment: str | None
    answered_at: datetime
    updated_at: datetime


def _survey(row: Any) -> StoredSurvey:
    definition = SurveyIn.model_validate(
        {
            "slug": row.slug,
            "title": row.title,
            "questions": row.questions,
            "audience": row.audience or {},
            "active": row.active,
        }
    )
    return StoredSurvey(row.id, definition, row.created_at, row.updated_at)


def _answer(row: Any) -> StoredAnswer:
    return StoredAnswer(
        id=row.id,
        survey_id=row.survey_id,
        shipment_id=row.shipment_id,
        answers=row.answers or {},
        carrier=row.carrier,
        situation=row.situation,
        days_late=row.days_late,
        segment=row.segment,
        answered_at=row.answered_at,
        updated_at=row.updated_at,
    )


def _columns(definition: SurveyIn) -> dict[str, Any]:
    dumped = definition.model_dump(mode="json")
    return {k: dumped[k] for k in ("slug", "title", "questions", "audience", "active")}


async def slug_taken(
    conn: AsyncConnection, merchant_id: int, slug: str, other_than: int | None = None
) -> bool:
    query = sa.select(_s.id).where(_s.merchant_id == merchant_id, _s.slug == slug)
    if other_than is not None:
        query = query.where(_s.id != other_than)
    return (await conn.execute(query)).first() is not None


async def insert_survey(
    conn: AsyncConnection, merchant_id: int, definition: SurveyIn, now: datetime
) -> StoredSurvey:
    values = {**_columns(definition), "created_at": now, "updated_at": now}
    inserted = await conn.execute(
        sa.insert(surveys).values(merchant_id=merchant_id, **values).returning(_s.id)
    )
    return StoredSurvey(inserted.scalar_one(), definition, now, now)


async def update_survey(
    conn: AsyncConnection, merchant_id: int, survey_id: int, definition: SurveyIn, now: datetime
) -> StoredSurvey | None:
    await conn.execute(
        sa.update(surveys)
        .where(_s.id == survey_id, _s.merchant_id == merchant_id)
        .values(**_columns(definition), updated_at=now)
    )
    return await get_survey(conn, merchant_id, survey_id)


async def get_survey(
    conn: AsyncConnection, merchant_id: int, survey_id: int
) -> StoredSurvey | None:
    query = sa.select(surveys).where(_s.id == survey_id, _s.merchant_id == merchant_id)
    row = (await conn.execute(query)).first()
    return _survey(row) if row else None


async def list_surveys(
    conn: AsyncConnection, merchant_id: int, *, active_only: bool = False
) -> list[StoredSurvey]:
    query = sa.select(surveys).where(_s.merchant_id == merchant_id)
    if active_only:
        query = query.where(_s.active.is_(True))
    return [_survey(r) for r in (await conn.execute(query.order_by(_s.id))).all()]


async def answer_of(conn: AsyncConnection, shipment_id: int) -> StoredAnswer | None:
    row = (
        await conn.execute(sa.select(survey_answers).where(_a.shipment_id == shipment_id))
    ).first()
    return _answer(row) if row else None


async def save_answer(
    conn: AsyncConnection,
    *,
    merchant_id: int,
    shipment: Mapping[str, Any],
    survey_id: int,
    question_id: str,
    value: Answer,
    lived: LivedDelivery,
    now: datetime,
) -> None:
    """Record one question's answer, with what the shopper lived (kept from the first answer)."""
    first = insert_ignoring_conflicts(conn, survey_answers, ("shipment_id",)).values(
        merchant_id=merchant_id,
        shipment_id=shipment["id"],
        survey_id=survey_id,
        answers={question_id: value},
        carrier=shipment["carrier"],
        situation=lived.primary.value if lived.primary else None,
        days_late=lived.days_late,
        segment=shipment.get("segment"),
        answered_at=now,
        updated_at=now,
    )
    if (await conn.execute(first.returning(_a.id))).first() is not None:
        return
    mine = _a.shipment_id == shipment["id"]
    query = sa.select(_a.answers).where(mine).with_for_update()
    answers = dict((await conn.execute(query)).scalar_one() or {})
    answers[question_id] = value
    await conn.execute(
        sa.update(survey_answers).where(mine).values(answers=answers, updated_at=now)
    )


async def answers_of_survey(
    conn: AsyncConnection,
    merchant_id: int,
    survey_id: int,
    since: date | None = None,
    until: date | None = None,
) -> list[StoredAnswer]:
    """The answers first given from `since` to `until` (UTC days, both included)."""
    query = sa.select(survey_answers).where(
        _a.merchant_id == merchant_id, _a.survey_id == survey_id
    )
    if since is not None:
        query = query.where(_a.answered_at >= _midnight(since))
    if until is not None:
        query = query.where(_a.answered_at < _midnight(until + timedelta(days=1)))
    return [_answer(r) for r in (await conn.execute(query.order_by(_a.id))).all()]


async def answer_page(
    conn: AsyncConnection,
    merchant_id: int,
    *,
    survey_id: int | None,
    cursor: int | None,
    limit: int,
) -> list[StoredAnswer]:
    """Newest first, paged by id: at most `limit + 1` rows (the extra one says "more")."""
    query = sa.select(survey_answers).where(_a.merchant_id == merchant_id)
    if survey_id is not None:
        query = query.where(_a.survey_id == survey_id)
    if cursor is not None:
        query = query.where(_a.id < cursor)
    rows = (await conn.execute(query.order_by(_a.id.desc()).limit(limit + 1))).all()
    return [_answer(r) for r in rows]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
