"""A shopper's answer to one question, read from a submitted form and checked against it.

Refusals carry a message id, translated on the page. An optional question left blank is
stored as None (skipped), so the survey moves on and results do not count it.
"""

from __future__ import annotations

from collections.abc import Mapping

from suivi_server.pages.i18n import N_
from suivi_server.surveys.model import (
    CSAT_SCALE,
    NPS_SCALE,
    Answer,
    ChoiceQuestion,
    CsatQuestion,
    NpsQuestion,
    Question,
    TextQuestion,
)

ANSWER_FIELD = "answer"
OPTION_PREFIX = "option_"  # one checkbox per option of a multiple choice: option_<id>

REQUIRED = N_("Please answer this question.")
NOT_A_CHOICE = N_("This answer is not one of the choices.")
TOO_LONG = N_("Your answer is too long.")
UNKNOWN_QUESTION = N_("This question is not part of the survey.")


class AnswerRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def read_answer(question: Question, fields: Mapping[str, str]) -> Answer:
    """The value to store for `question`, or AnswerRefused(422) saying what is wrong."""
    value = _read(question, fields)
    if value in (None, "", []) and question.required:
        raise AnswerRefused(422, REQUIRED)
    return None if value in ("", []) else value


def _read(question: Question, fields: Mapping[str, str]) -> Answer:
    raw = fields.get(ANSWER_FIELD, "").strip()
    if isinstance(question, NpsQuestion | CsatQuestion):
        scale = NPS_SCALE if isinstance(question, NpsQuestion) else CSAT_SCALE
        if not raw:
            return None
        if not raw.isascii() or not raw.isdigit() or len(raw) > 2 or int(raw) not in scale:
            raise AnswerRefused(422, NOT_A_CHOICE)
        return int(raw)
    if isinstance(question, TextQuestion):
        text = fields.get(ANSWER_FIELD, "").strip()
        if len(text) > question.max_length:
            raise AnswerRefused(422, TOO_LONG)
        return text
    return _choices(question, raw, fields)


def _choices(question: ChoiceQuestion, raw: str, fields: Mapping[str, str]) -> Answer:
    known = [o.id for o in question.options]
    if question.kind == "single_choice":
        if raw and raw not in known:
            raise AnswerRefused(422, NOT_A_CHOICE)
        return raw or None
    ticked = [name.removeprefix(OPTION_PREFIX) for name in fields if name.startswith(OPTION_PREFIX)]
    if any(option not in known for option in ticked) or raw:
        raise AnswerRefused(422, NOT_A_CHOICE)
    return [option for option in known if option in ticked]
