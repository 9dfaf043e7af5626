"""A survey as merchants define it: at most five questions, and who it is for.

Strict: `"required": 0` is refused, not read as false. Question kinds form a tagged union on
`kind`, so a choice question cannot lack its options and an NPS question cannot carry any;
rules JSON Schema cannot state (unique ids) are checked here too, and every violation is a
422 naming its field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, field_validator

from suivi_server.api.models import Segment

MAX_QUESTIONS = 5
MAX_TEXT_LENGTH = 2000
# NPS answers 0–10, CSAT answers 1–5: the scales are fixed so results compare across surveys.
NPS_SCALE = range(11)
CSAT_SCALE = range(1, 6)

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
# No NUL character: PostgreSQL refuses it in text (a 422 naming the field, never a 500).
_NO_NUL = r"^[^\x00]*$"
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_NO_NUL)
]
# One question's stored answer: a score, an option id, option ids, a text; None when skipped.
Answer = int | str | list[str] | None
OptionLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=_NO_NUL)
]


class Lived(StrEnum):
    """What the shopper lived with this delivery: what a survey's audience is chosen by."""

    ON_TIME = "on_time"
    LATE = "late"
    AFTER_PROBLEM = "after_problem"
    TO_NEIGHBOUR = "to_neighbour"
    TO_RECEPTION = "to_reception"
    TO_SAFE_PLACE = "to_safe_place"
    AT_PICKUP_POINT = "at_pickup_point"


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Identifier
    label: Label
    required: bool = False


class NpsQuestion(_Question):
    """How likely to recommend, 0–10: promoters 9–10, detractors 0–6."""

    kind: Literal["nps"]


class CsatQuestion(_Question):
    """How satisfied, 1 (very unsatisfied) to 5 (very satisfied)."""

    kind: Literal["csat"]


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Identifier
    label: OptionLabel


class ChoiceQuestion(_Question):
    kind: Literal["single_choice", "multiple_choice"]
    options: list[Option] = Field(min_length=2, max_length=10)

    @field_validator("options")
    @classmethod
    def _unique_options(cls, options: list[Option]) -> list[Option]:
        _unique([o.id for o in options], "option")
        return options


class TextQuestion(_Question):
    kind: Literal["free_text"]
    max_length: int = Field(default=500, ge=1, le=MAX_TEXT_LENGTH)


Question = Annotated[
    NpsQuestion | CsatQuestion | ChoiceQuestion | TextQuestion, Field(discriminator="kind")
]


class Audience(BaseModel):
    """Who gets the survey; an empty list matches everyone. Listing situations or segments
    makes a survey more specific, and the most specific matching survey wins."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    situations: list[Annotated[Lived, Strict(False)]] = Field(
        default_factory=list, max_length=len(Lived)
    )
    segments: list[Segment] = Field(default_factory=list, max_length=20)
    priority: int = Field(default=0, ge=0, le=1000, description="higher wins among equals")


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    slug: Identifier
    title: Label
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    audience: Audience = Field(default_factory=Audience)
    active: bool = True

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, questions: list[Question]) -> list[Question]:
        _unique([q.id for q in questions], "question")
        return questions


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for identifier in ids:
        if identifier in seen:
            raise ValueError(f"{what} id {identifier!r} is used twice")
        seen.add(identifier)
