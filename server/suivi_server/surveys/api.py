"""Survey endpoints: definitions, their results, and the raw answers, for the calling merchant.

Another merchant's survey answers like one that does not exist.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi_server.api.auth import Caller
from suivi_server.api.body import json_object
from suivi_server.api.errors import ApiError, invalid, not_found
from suivi_server.api.openapi import Operation
from suivi_server.api.query import single_values
from suivi_server.api.shopper_text import ShopperTextJSON
from suivi_server.surveys import store
from suivi_server.surveys.model import Audience, Question, SurveyIn
from suivi_server.surveys.results import results

MAX_ID = 2**31 - 1


class SurveyOut(BaseModel):
    id: int
    slug: str
    title: str
    questions: list[Question]
    audience: Audience
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime


class SurveyList(BaseModel):
    data: list[SurveyOut]


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD: pydantic would otherwise read `until=0` as 1 January 1970."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a day as YYYY-MM-DD")
    return value


def _in_range(value: date) -> date:
    """Days past any answer mean "no bound" on that side (and 9999-12-31 has no next day)."""
    return min(max(value, date(1970, 1, 1)), date(9998, 12, 31))


Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_in_range)]


class ResultsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    since: Day | None = Field(default=None, description="first answered on or after (UTC day)")
    until: Day | None = Field(default=None, description="first answered on or before (UTC day)")


class TextAnswerOut(BaseModel):
    answer_id: int
    text: str
    carrier: str
    situation: str | None


class QuestionResultOut(BaseModel):
    id: str
    kind: Literal["nps", "csat", "single_choice", "multiple_choice", "free_text"]
    answered: int
    nps: float | None = Field(description="% promoters (9–10) − % detractors (0–6)")
    average: float | None = Field(description="CSAT: mean of the 1–5 answers")
    distribution: dict[str, int] = Field(description="NPS and CSAT: answers per score")
    choices: dict[str, int] = Field(description="choice questions: answers per option")
    texts: list[TextAnswerOut] = Field(description="free text, newest first (not in cuts)")


class CutOut(BaseModel):
    key: str | None
    count: int
    questions: list[QuestionResultOut]


class ResultsOut(BaseModel):
    survey_id: int
    count: int
    questions: list[QuestionResultOut]
    by_carrier: list[CutOut]
    by_situation: list[CutOut] = Field(description="by what the shopper lived (late, on time…)")


class AnswersQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    survey_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="next_cursor"
    )


class AnswerOut(BaseModel):
    id: int
    survey_id: int
    shipment_id: int
    answers: dict[str, int | str | list[str] | None]
    carrier: str
    situation: str | None
    days_late: int | None
    segment: str | None
    answered_at: AwareDatetime
    updated_at: AwareDatetime


class AnswerPage(BaseModel):
    data: list[AnswerOut]
    next_cursor: int | None


def _survey_json(survey: store.StoredSurvey) -> dict[str, Any]:
    return {
        "id": survey.id,
        **survey.definition.model_dump(mode="json"),
        "created_at": survey.created_at.isoformat(),
        "updated_at": survey.updated_at.isoformat(),
    }


def _path_id(request: Request) -> int:
    value: int = request.path_params["survey_id"]
    if not 0 < value <= MAX_ID:
        raise not_found("survey")
    return value


async def _definition(request: Request) -> SurveyIn:
    try:
        return SurveyIn.model_validate(await json_object(request))
    except ValidationError as exc:
        raise invalid(exc) from None


def _slug_conflict(slug: str) -> ApiError:
    return ApiError(409, "conflict", f"a survey with slug {slug!r} already exists", field="slug")


async def create_survey(request: Request, caller: Caller) -> Response:
    definition = await _definition(request)
    if await store.slug_taken(caller.conn, caller.merchant.id, definition.slug):
        raise _slug_conflict(definition.slug)
    now = caller.services.clock()
    survey = await store.insert_survey(caller.conn, caller.merchant.id, definition, now)
    return JSONResponse(_survey_json(survey), status_code=201)


async def list_surveys(request: Request, caller: Caller) -> Response:
    surveys = await store.list_surveys(caller.conn, caller.merchant.id)
    return JSONResponse({"data": [_survey_json(s) for s in surveys]})


async def get_survey(request: Request, caller: Caller) -> Response:
    survey = await store.get_survey(caller.conn, caller.merchant.id, _path_id(request))
    if survey is None:
        raise not_found("survey")
    return JSONResponse(_survey_json(survey))


async def put_survey(request: Request, caller: Caller) -> Response:
    survey_id = _path_id(request)
    if await store.get_survey(caller.conn, caller.merchant.id, survey_id) is None:
        raise not_found("survey")
    definition = await _definition(request)
    if await store.slug_taken(caller.conn, caller.merchant.id, definition.slug, survey_id):
        raise _slug_conflict(definition.slug)
    now = caller.services.clock()
    survey = await store.update_survey(caller.conn, caller.merchant.id, survey_id, definition, now)
    assert survey is not None  # checked above, in the same transaction
    return JSONResponse(_survey_json(survey))


async def survey_results(request: Request, caller: Caller) -> Response:
    survey_id = _path_id(request)
    try:
        query = ResultsQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    survey = await store.get_survey(caller.conn, caller.merchant.id, survey_id)
    if survey is None:
        raise not_found("survey")
    answers = await store.answers_of_survey(
        caller.conn, caller.merchant.id, survey_id, query.since, query.until
    )
    return ShopperTextJSON(results(survey_id, survey.definition, answers))


def _answer_json(answer: store.StoredAnswer) -> dict[str, Any]:
    return {
        "id": answer.id,
        "survey_id": answer.survey_id,
        "shipment_id": answer.shipment_id,
        "answers": dict(answer.answers),
        "carrier": answer.carrier,
        "situation": answer.situation,
        "days_late": answer.days_late,
        "segment": answer.segment,
        "answered_at": answer.answered_at.isoformat(),
        "updated_at": answer.updated_at.isoformat(),
    }


async def list_survey_answers(request: Request, caller: Caller) -> Response:
    """Every answer as stored, newest first, paged by id."""
    try:
        query = AnswersQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    rows = await store.answer_page(
        caller.conn,
        caller.merchant.id,
        survey_id=query.survey_id,
        cursor=query.cursor,
        limit=query.limit,
    )
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return ShopperTextJSON(
        {"data": [_answer_json(a) for a in page], "next_cursor": page[-1].id if more else None}
    )


_ID = "/surveys/{survey_id:int}"
_CONFLICT = ((409, "another survey of this merchant has this slug"),)
OPERATIONS = [
    Operation(
        "POST",
        "/surveys",
        create_survey,
        "Define a survey (at most 5 questions) and who gets it",
        status=201,
        response=SurveyOut,
        body=SurveyIn,
        errors=_CONFLICT,
    ),
    Operation("GET", "/surveys", list_surveys, "List the surveys", response=SurveyList),
    Operation("GET", _ID, get_survey, "Get a survey", response=SurveyOut),
    Operation(
        "PUT",
        _ID,
        put_survey,
        "Replace a survey's definition",
        response=SurveyOut,
        body=SurveyIn,
        errors=_CONFLICT,
    ),
    Operation(
        "GET",
        _ID + "/results",
        survey_results,
        "Results: NPS, CSAT, choices and free text, cut by carrier and lived situation",
        response=ResultsOut,
        query=ResultsQuery,
    ),
    Operation(
        "GET",
        "/survey-answers",
        list_survey_answers,
        "Every answer as stored, newest first",
        response=AnswerPage,
        query=AnswersQuery,
    ),
]
