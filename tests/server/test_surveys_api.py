"""The survey API: definitions validated field by field, results computed exactly from known
answers, and every survey and answer visible only to its merchant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.schema import survey_answers
from suivi_server.surveys.api import AnswerPage, ResultsOut, SurveyOut
from tests.server.conftest import NOW
from tests.server.factories import bearer, create_merchant
from tests.server.survey_support import THREE_QUESTIONS, delivered, merchant_with_survey

pytestmark = pytest.mark.anyio
CHOICE = {
    "id": "why",
    "kind": "multiple_choice",
    "label": "What mattered?",
    "options": [{"id": "speed", "label": "Speed"}, {"id": "care", "label": "Care"}],
}


def survey(**changes: Any) -> dict[str, Any]:
    return {**THREE_QUESTIONS, **changes}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            survey(
                questions=[
                    *THREE_QUESTIONS["questions"],
                    CHOICE,
                    {**CHOICE, "id": "b"},
                    {**CHOICE, "id": "c"},
                ]
            ),
            "questions",
        ),
        (survey(questions=[]), "questions"),
        (survey(questions=[THREE_QUESTIONS["questions"][0]] * 2), "questions"),
        (
            survey(questions=[{**CHOICE, "options": CHOICE["options"][:1]}]),
            "questions.0.multiple_choice.options",
        ),
        (
            survey(
                questions=[
                    {**CHOICE, "options": [{"id": f"o{n}", "label": "x"} for n in range(11)]}
                ]
            ),
            "questions.0.multiple_choice.options",
        ),
        (
            survey(questions=[{**CHOICE, "options": [CHOICE["options"][0]] * 2}]),
            "questions.0.multiple_choice.options",
        ),
        (
            survey(questions=[{"id": "q", "kind": "nps", "label": "x" * 201}]),
            "questions.0.nps.label",
        ),
        (survey(questions=[{"id": "q", "kind": "stars", "label": "?"}]), "questions.0"),
        (
            survey(questions=[{"id": "q", "kind": "free_text", "label": "?", "max_length": 5000}]),
            "questions.0.free_text.max_length",
        ),
        (survey(title=""), "title"),
        (survey(title="Votre avis\x00"), "title"),
        (
            survey(questions=[{**CHOICE, "options": [{"id": "a", "label": "Oui\x00"}]}]),
            "questions.0.multiple_choice.options.0.label",
        ),
        (survey(slug="Not A Slug"), "slug"),
        (survey(audience={"situations": ["teleported"]}), "audience.situations.0"),
    ],
)
async def test_an_invalid_definition_is_a_422_naming_the_field(
    engine: AsyncEngine, client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    _, key = await create_merchant(engine)
    response = await client.post("/api/surveys", json=body, headers=bearer(key))
    assert response.status_code == 422
    assert response.json()["field"] == field


async def test_a_survey_is_created_listed_read_and_replaced(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    _, key, survey_id = await merchant_with_survey(engine, client)
    auth = bearer(key)
    got = await client.get(f"/api/surveys/{survey_id}", headers=auth)
    SurveyOut.model_validate(got.json())
    assert got.json()["audience"] == {"situations": [], "segments": [], "priority": 0}
    changed = survey(title="After delivery", audience={"situations": ["late"], "priority": 3})
    put = await client.put(f"/api/surveys/{survey_id}", json=changed, headers=auth)
    assert put.status_code == 200
    assert put.json()["title"] == "After delivery"
    listed = (await client.get("/api/surveys", headers=auth)).json()["data"]
    assert [s["audience"]["situations"] for s in listed] == [["late"]]
    again = await client.post("/api/surveys", json=THREE_QUESTIONS, headers=auth)
    assert (again.status_code, again.json()["field"]) == (409, "slug")


async def insert_answers(
    engine: AsyncEngine,
    merchant_id: int,
    survey_id: int,
    rows: list[tuple[str, str | None, dict[str, Any]]],
) -> None:
    for n, (carrier, situation, answers) in enumerate(rows):
        shipment_id = await delivered(
            engine, merchant_id, tracking_number=f"6A{n:011d}", carrier=carrier
        )
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(survey_answers).values(
                    merchant_id=merchant_id,
                    shipment_id=shipment_id,
                    survey_id=survey_id,
                    answers=answers,
                    carrier=carrier,
                    situation=situation,
                    days_late=None,
                    segment=None,
                    answered_at=NOW + timedelta(days=n),
                    updated_at=NOW,
                )
            )


async def test_results_give_exact_nps_csat_choices_and_cuts(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    body = survey(questions=[*THREE_QUESTIONS["questions"], CHOICE])
    merchant_id, key, survey_id = await merchant_with_survey(engine, client, body)
    # NPS 10, 9, 8, 6, 3 → 2 promoters, 2 detractors of 5: 0.0; with the 5th left out: 25.0
    await insert_answers(
        engine,
        merchant_id,
        survey_id,
        [
            (
                "colissimo",
                "on_time",
                {
                    "recommend": 10,
                    "delivery": 5,
                    "why": ["speed", "care"],
                    "comment": "<script>alert(1)</script>",
                },
            ),
            ("colissimo", "on_time", {"recommend": 9, "delivery": 4, "why": ["speed"]}),
            ("dpd", "late", {"recommend": 8, "delivery": 2, "why": []}),
            ("dpd", "late", {"recommend": 6, "delivery": None, "comment": "slow"}),
            ("dpd", "after_problem", {"recommend": 3, "delivery": 1}),
        ],
    )
    response = await client.get(f"/api/surveys/{survey_id}/results", headers=bearer(key))
    result = ResultsOut.model_validate(response.json())
    nps, csat, comment, why = result.questions
    assert (result.count, nps.answered, nps.nps) == (5, 5, 0.0)
    assert nps.distribution["10"] == 1
    assert nps.distribution["0"] == 0
    assert (csat.answered, csat.average) == (4, 3.0)  # (5 + 4 + 2 + 1) / 4
    assert csat.distribution == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 1}
    assert why.choices == {"speed": 2, "care": 1}
    assert [t.text for t in comment.texts] == ["slow", "<script>alert(1)</script>"]
    assert "<script>" not in response.text  # JSON-escaped
    by_carrier = {c.key: (c.count, c.questions[0].nps) for c in result.by_carrier}
    assert by_carrier == {"colissimo": (2, 100.0), "dpd": (3, -66.7)}
    by_situation = {c.key: (c.count, c.questions[1].average) for c in result.by_situation}
    assert by_situation == {"after_problem": (1, 1.0), "late": (2, 2.0), "on_time": (2, 4.5)}

    window = await client.get(
        f"/api/surveys/{survey_id}/results?since=2026-11-27&until=2026-11-29", headers=bearer(key)
    )
    assert window.json()["count"] == 3  # answered on the 27th, 28th and 29th
    assert window.json()["questions"][0]["nps"] == -66.7  # 8, 6, 3


async def test_raw_answers_are_paged_newest_first(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    merchant_id, key, survey_id = await merchant_with_survey(engine, client)
    await insert_answers(
        engine, merchant_id, survey_id, [("colissimo", None, {"recommend": n}) for n in range(3)]
    )
    first = await client.get("/api/survey-answers?limit=2", headers=bearer(key))
    page = AnswerPage.model_validate(first.json())
    assert [a.answers["recommend"] for a in page.data] == [2, 1]
    rest = await client.get(
        f"/api/survey-answers?limit=2&cursor={page.next_cursor}", headers=bearer(key)
    )
    assert [a["answers"]["recommend"] for a in rest.json()["data"]] == [0]
    assert rest.json()["next_cursor"] is None


async def test_another_merchants_surveys_and_answers_read_as_missing(
    engine: AsyncEngine, client: httpx.AsyncClient
) -> None:
    merchant_id, _, survey_id = await merchant_with_survey(engine, client)
    await insert_answers(engine, merchant_id, survey_id, [("colissimo", None, {"recommend": 9})])
    _, other = await create_merchant(engine, slug="autre-boutique")
    auth = bearer(other)
    for path in (f"/api/surveys/{survey_id}", f"/api/surveys/{survey_id}/results"):
        assert (await client.get(path, headers=auth)).status_code == 404
    put = await client.put(f"/api/surveys/{survey_id}", json=THREE_QUESTIONS, headers=auth)
    assert put.status_code == 404
    assert (await client.get("/api/surveys", headers=auth)).json()["data"] == []
    assert (await client.get("/api/survey-answers", headers=auth)).json()["data"] == []
