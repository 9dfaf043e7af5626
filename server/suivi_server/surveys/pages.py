"""The survey on the tracking page: shown once delivered, one question at a time.

With htmx each answer posts and the next question (or the thanks) swaps in; without
JavaScript the same form posts and answers 303 back to the page with the next question in the
query (`?survey_question=<id>#survey`). The first answer opens a 24-hour window during which the
shopper may go back and change answers; after it the survey reads "thank you" and refuses posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from suivi import Status
from suivi_server.pages.extras import page_extras
from suivi_server.pages.forms import FormRefused
from suivi_server.pages.i18n import N_
from suivi_server.pages.queries import PageData
from suivi_server.pages.site import Site
from suivi_server.pages.tracking import TrackingPages
from suivi_server.pages.view import zone
from suivi_server.services import Services
from suivi_server.surveys import store
from suivi_server.surveys.answers import UNKNOWN_QUESTION, AnswerRefused, read_answer
from suivi_server.surveys.lived import LivedDelivery, lived_delivery
from suivi_server.surveys.model import Answer, Question
from suivi_server.surveys.selection import Candidate, choose

PURPOSE = "survey"
EDIT_WINDOW = timedelta(hours=24)
QUESTION_PARAM = "survey_question"
NO_SURVEY = N_("There is no survey for this parcel.")
WINDOW_CLOSED = N_("Your answers can no longer be changed. Thank you!")


@dataclass(frozen=True)
class SurveyView:
    """What `_survey.html` shows: the current question (`step`), or the thanks when None."""

    survey_id: int
    title: str
    questions: tuple[Question, ...]
    answers: Mapping[str, Answer]
    step: int | None
    editable: bool
    error: str | None = None
    focus: bool = False

    @property
    def question(self) -> Question | None:
        return None if self.step is None else self.questions[self.step]

    @property
    def progress(self) -> str:
        return f"{(self.step or 0) + 1} / {len(self.questions)}"

    @property
    def last(self) -> bool:
        return self.step == len(self.questions) - 1


@dataclass(frozen=True)
class SurveyState:
    survey: store.StoredSurvey
    answer: store.StoredAnswer | None
    lived: LivedDelivery
    editable: bool


async def survey_state(services: Services, data: PageData) -> SurveyState | None:
    """The survey this delivered shipment gets (or already answered), or None."""
    if data.shipment["status"] != Status.DELIVERED:
        return None
    merchant_id, shipment_id = data.merchant.id, int(data.shipment["id"])
    shopper_zone = zone(str(data.merchant.settings.get("timezone") or "Europe/Paris"))
    lived = lived_delivery(data.shipment, data.events, data.situations, shopper_zone)
    async with services.engine.connect() as conn:
        answer = await store.answer_of(conn, shipment_id)
        if answer is not None:
            survey = await store.get_survey(conn, merchant_id, answer.survey_id)
        else:
            active = await store.list_surveys(conn, merchant_id, active_only=True)
            candidates = [Candidate(s.id, s.definition.audience) for s in active]
            chosen = choose(candidates, lived.situations, data.shipment.get("segment"))
            survey = next((s for s in active if s.id == chosen), None)
    if survey is None:
        return None
    now = services.clock()
    editable = answer is None or now < answer.answered_at + EDIT_WINDOW
    return SurveyState(survey, answer, lived, editable)


def survey_view(state: SurveyState, requested: str | None) -> SurveyView:
    questions = tuple(state.survey.definition.questions)
    answers = dict(state.answer.answers) if state.answer else {}
    ids = [q.id for q in questions]
    step: int | None = None
    if state.editable:
        if requested in ids:
            step = ids.index(str(requested))
        else:
            step = next((i for i, q in enumerate(ids) if q not in answers), None)
    definition = state.survey.definition
    return SurveyView(state.survey.id, definition.title, questions, answers, step, state.editable)


async def survey_extra(services: Services, data: PageData, request: Request) -> dict[str, Any]:
    state = await survey_state(services, data)
    if state is None:
        return {}
    return {"survey": survey_view(state, request.query_params.get(QUESTION_PARAM))}


class SurveyPages:
    def __init__(self, site: Site) -> None:
        self.site, self.pages = site, TrackingPages(site)

    async def fragment(self, request: Request) -> Response:
        """GET: the survey section alone (htmx's "change my answers")."""
        data = await self.pages.load(request)
        if isinstance(data, Response):
            return data
        extras = await survey_extra(self.site.services, data, request)
        if not extras:
            return self.site.error(request, data.merchant, NO_SURVEY, 404)
        return await self._render(request, data, extras["survey"], 200)

    async def answer(self, request: Request) -> Response:
        """POST one question's answer; nothing is stored unless every check passes."""
        data = await self.pages.load(request)
        if isinstance(data, Response):
            return data
        services, shipment_id = self.site.services, int(data.shipment["id"])
        try:
            fields = await self.site.forms.read(request, shipment_id, PURPOSE)
        except FormRefused as refused:
            return self.site.error(request, data.merchant, refused.reason, refused.status)
        state = await survey_state(services, data)
        if state is None:
            return self.site.error(request, data.merchant, NO_SURVEY, 409)
        view = survey_view(state, None)
        if not state.editable:
            return await self._render(request, data, replace(view, error=WINDOW_CLOSED), 409)
        ids = [q.id for q in view.questions]
        question_id = fields.get("question", "")
        if question_id not in ids:
            return await self._render(request, data, replace(view, error=UNKNOWN_QUESTION), 422)
        index = ids.index(question_id)
        asked = replace(view, step=index, focus=True)
        try:
            value = read_answer(view.questions[index], fields)
        except AnswerRefused as refused:
            return await self._render(
                request, data, replace(asked, error=refused.reason), refused.status
            )
        async with services.engine.begin() as conn:
            await store.save_answer(
                conn,
                merchant_id=data.merchant.id,
                shipment=data.shipment,
                survey_id=state.survey.id,
                question_id=question_id,
                value=value,
                lived=state.lived,
                now=services.clock(),
            )
        following = ids[index + 1] if index + 1 < len(ids) else None
        if request.headers.get("hx-request") != "true":
            return RedirectResponse(self._page_url(request, following), status_code=303)
        answers = {**view.answers, question_id: value}
        step = index + 1 if following else None
        return await self._render(request, data, replace(asked, answers=answers, step=step), 200)

    def _page_url(self, request: Request, question_id: str | None) -> str:
        params = {k: v for k, v in (("lang", request.query_params.get("lang")),) if v}
        if question_id:
            params[QUESTION_PARAM] = question_id
        query = f"?{urlencode(params)}" if params else ""
        return f"/t/{request.path_params['token']}{query}#survey"

    async def _render(
        self, request: Request, data: PageData, view: SurveyView, status: int
    ) -> Response:
        """The fragment for htmx; for a plain form post, the whole page with the message."""
        token = request.path_params["token"]
        if request.headers.get("hx-request") == "true":
            return self.site.tracking_page(
                request,
                data,
                token=token,
                template="_survey.html",
                extras={"survey": view},
                status=status,
            )
        extras = {
            **await page_extras(self.site.extras, self.site.services, data, request),
            "survey": view,
        }
        return self.site.tracking_page(request, data, token=token, extras=extras, status=status)


def routes(site: Site) -> list[BaseRoute]:
    pages = SurveyPages(site)
    return [
        Route("/t/{token}/survey", pages.fragment, methods=["GET"], name="survey"),
        Route("/t/{token}/survey", pages.answer, methods=["POST"], name="survey_answer"),
    ]
