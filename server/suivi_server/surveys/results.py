"""Survey results from stored answers: pure arithmetic, so known answers give exact numbers.

NPS = % promoters (9–10) − % detractors (0–6), over those who answered the question; CSAT is
the mean of 1–5 answers with their distribution. Answers to questions since removed from the
survey are left out; skipped questions (None) count for nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from suivi_server.surveys.model import (
    CSAT_SCALE,
    NPS_SCALE,
    ChoiceQuestion,
    CsatQuestion,
    NpsQuestion,
    Question,
    SurveyIn,
    TextQuestion,
)
from suivi_server.surveys.store import StoredAnswer

PROMOTERS = range(9, 11)
DETRACTORS = range(7)
MAX_TEXTS = 200  # the newest free-text answers listed per question


def question_result(
    question: Question, answers: Sequence[StoredAnswer], *, with_texts: bool
) -> dict[str, Any]:
    given = [a.answers.get(question.id) for a in answers]
    values = [v for v in given if v is not None and v != [] and v != ""]
    result: dict[str, Any] = {
        "id": question.id,
        "kind": question.kind,
        "answered": len(values),
        "nps": None,
        "average": None,
        "distribution": {},
        "choices": {},
        "texts": [],
    }
    if isinstance(question, NpsQuestion | CsatQuestion):
        scale = NPS_SCALE if isinstance(question, NpsQuestion) else CSAT_SCALE
        scores = [v for v in values if isinstance(v, int) and v in scale]
        counts = Counter(scores)
        result["distribution"] = {str(n): counts[n] for n in scale}
        result["answered"] = len(scores)
        if scores and isinstance(question, NpsQuestion):
            result["nps"] = nps(scores)
        elif scores:
            result["average"] = round(sum(scores) / len(scores), 2)
    elif isinstance(question, ChoiceQuestion):
        picked = Counter(c for v in values for c in (v if isinstance(v, list) else [v]))
        result["choices"] = {o.id: picked[o.id] for o in question.options}
    elif isinstance(question, TextQuestion) and with_texts:
        texts = [(a, a.answers[question.id]) for a in answers if a.answers.get(question.id)]
        result["texts"] = [
            {
                "answer_id": a.id,
                "text": str(text)[: question.max_length],
                "carrier": a.carrier,
                "situation": a.situation,
            }
            for a, text in sorted(texts, key=lambda t: t[0].id, reverse=True)[:MAX_TEXTS]
        ]
    return result


def nps(scores: Sequence[int]) -> float:
    promoters = sum(s in PROMOTERS for s in scores)
    detractors = sum(s in DETRACTORS for s in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


def results(survey_id: int, survey: SurveyIn, answers: Sequence[StoredAnswer]) -> dict[str, Any]:
    return {
        "survey_id": survey_id,
        "count": len(answers),
        "questions": [question_result(q, answers, with_texts=True) for q in survey.questions],
        "by_carrier": _cuts(survey, answers, lambda a: a.carrier),
        "by_situation": _cuts(survey, answers, lambda a: a.situation),
    }


def _cuts(
    survey: SurveyIn, answers: Sequence[StoredAnswer], key: Callable[[StoredAnswer], str | None]
) -> list[dict[str, Any]]:
    groups: dict[str | None, list[StoredAnswer]] = {}
    for answer in answers:
        groups.setdefault(key(answer), []).append(answer)
    return [
        {
            "key": name,
            "count": len(group),
            "questions": [question_result(q, group, with_texts=False) for q in survey.questions],
        }
        for name, group in sorted(groups.items(), key=lambda g: (g[0] is None, g[0] or ""))
    ]
