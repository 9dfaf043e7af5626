"""The reason of a helpdesk ticket, read from its subject and text in French or English.

Texts are folded (case and accents away) and matched against the weighted phrase table of
`phrases`; a reason whose rules add up to the threshold is a candidate, and the first candidate
in the priority order wins, else "other". Negation-aware where it matters: "le colis n'est pas
abîmé" is not a damaged parcel. Measured by bench/classifier.py on tests/fixtures/helpdesk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from suivi.toolkit import fold
from suivi_server.helpdesk.phrases import PHRASES, PRIORITY, THRESHOLD

# Words that undo what follows them, in French and English (folded; "n'" and "isn't" split
# into words by the punctuation).
NEGATIONS = frozenset(
    {"ne", "n", "pas", "non", "jamais", "aucun", "aucune", "sans", "ni", "rien"}
    | {"not", "no", "never", "without", "nothing", "none", "isn", "wasn", "aren", "doesn", "didn"}
)
# How many words before a phrase a negation reaches.
NEGATION_REACH = 3
# Where a negation's reach ends.
_CLAUSE_BREAK = re.compile(r"[,.;:!?()\[\]/|\n]|\s(?:et|mais|puis|car|and|but|then|because)\s")
_WORD = re.compile(r"\w+")
# Only so much of a long thread is read: the shopper's first words say why they wrote.
READ_CHARS = 2000


def _phrase(text: str) -> tuple[str, bool]:
    """A phrase of the table as a regular expression, and whether a negation cancels it."""
    text = text.strip()
    negatable = text.startswith("~")
    body = text.removeprefix("~").strip()
    words = _WORD.findall(body.rstrip("*"))
    if not words:
        raise ValueError(f"phrase {text!r} has no word")
    tail = r"\w*" if body.endswith("*") else r"\b"
    return r"\b" + r"\W+".join(map(re.escape, words)) + tail, negatable


@dataclass(frozen=True, slots=True)
class Part:
    """Any of its phrases: those a negation cannot cancel, and those it can, one regex each."""

    plain: re.Pattern[str] | None
    negatable: re.Pattern[str] | None

    @classmethod
    def parse(cls, alternatives: str) -> Part:
        phrases = [_phrase(alt) for alt in alternatives.split("|")]

        def joined(negatable: bool) -> re.Pattern[str] | None:
            chosen = [pattern for pattern, flag in phrases if flag is negatable]
            return re.compile("|".join(chosen)) if chosen else None

        return cls(joined(False), joined(True))

    def found_in(self, clauses: list[str]) -> bool:
        for clause in clauses:
            if self.plain is not None and self.plain.search(clause):
                return True
            for match in self.negatable.finditer(clause) if self.negatable else ():
                before = _WORD.findall(clause[: match.start()])[-NEGATION_REACH:]
                if not NEGATIONS.intersection(before):
                    return True
        return False


@dataclass(frozen=True, slots=True)
class Rule:
    """Every part present adds the weight to the reason."""

    reason: str
    weight: int
    parts: tuple[Part, ...]

    def applies(self, clauses: list[str]) -> bool:
        return all(part.found_in(clauses) for part in self.parts)


def _rule(reason: str, weight: int, text: str) -> Rule:
    return Rule(reason, weight, tuple(Part.parse(part) for part in text.split(" + ")))


RULES = tuple(_rule(reason, w, text) for reason, rows in PHRASES.items() for w, text in rows)


def _clauses(subject: str, text: str) -> list[str]:
    folded = fold(f"{subject}.\n{text[:READ_CHARS]}")
    return [c for c in _CLAUSE_BREAK.split(folded) if c.strip()]


def scores(subject: str, text: str) -> Mapping[str, int]:
    """Each reason's total weight in this ticket (what `classify` decides from)."""
    clauses = _clauses(subject, text)
    totals = dict.fromkeys(PRIORITY, 0)
    for rule in RULES:
        if rule.applies(clauses):
            totals[rule.reason] += rule.weight
    return totals


def classify(subject: str, text: str) -> str:
    """A key of engagement.contacts.REASONS: the first reason in priority order that scores
    the threshold, else "other"."""
    totals = scores(subject, text)
    return next((r for r in PRIORITY if totals[r] >= THRESHOLD), "other")
