"""Carrier event codes → taxonomy, built once from a data table.

A table is a sequence of rows `(codes, status, substatus)` or `(codes, status, substatus, NOTICE)`,
where `codes` is one code or a tuple of codes. The table is inverted at import; a code listed twice
is a table bug and raises at import. Unknown codes map to `exception/unknown` and keep the
carrier's label, never crash. Some carriers reuse a code with different labels: list those codes
as `label_dependent`, and keyword rules on the label decide first for them (and for unknown codes).

Keywords are words and phrases, matched on folded labels at word boundaries, never as substrings:
"driver" does not contain "deliver", "livraison" is not "livré". A phrase ending in `*` matches
any word starting with its last word ("endommag*": endommagé, endommagée).

A fact (a delivery, an availability, a move, a return) is undone by a negation or a "not yet"
word anywhere before it in its clause ("non livré", "n'a pas pu être livré", "not delivered",
"sera livré", "will be delivered", "wird zugestellt"). A problem's reason only by a negation
right before it ("non endommagé", "not refused"): "n'a pas eu accès" and "unable to deliver …
in your absence" are the problem itself. A phrase that says its own negation is never undone
("non distribuable"). "Not yet" words only undo completions (delivered, available, returned):
"livraison prévue en point relais" is a move. Number markers ("n°", "Nº 1234") are not
negations. A label-dependent code may list the statuses its label can lead to: a keyword for
another status does not apply to it ("livré … en votre absence" is still a delivery).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from suivi._taxonomy import Status, Substatus, check_substatus

NOTICE: Final = "notice"
"""Marks a row whose events are notices (SMS sent, instruction received), not parcel moves."""

Row = (
    tuple[str | tuple[str, ...], Status, Substatus | None]
    | tuple[str | tuple[str, ...], Status, Substatus | None, Literal["notice"]]
)
KeywordRule = tuple[str, Status, Substatus | None]


@dataclass(frozen=True, slots=True)
class Mapping:
    """What one native code means: a status, maybe a substatus; `affects_status` False for a
    notice that does not move the parcel, `known` False for a code absent from the table."""

    status: Status
    substatus: Substatus | None = None
    affects_status: bool = True
    known: bool = True


UNKNOWN: Final = Mapping(Status.EXCEPTION, Substatus.UNKNOWN, known=False)


def fold(text: str) -> str:
    """Lower-case without accents, so 'Refusé' and 'REFUSE' match the same keyword."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Words that negate what follows them in a clause, in the languages carriers answer in
# (fr, en, de, es, it, nl, pt). Folded, as labels are.
NEGATIONS: Final = frozenset(
    {"ne", "pas", "non", "jamais", "aucun", "aucune", "sans"}  # fr
    | {"not", "no", "never", "unable", "cannot", "couldn", "without"}  # en
    | {"nicht", "kein", "keine", "keinen", "ohne"}  # de
    | {"sin", "nunca"}  # es ("no" as in en)
    | {"mancata", "mancato", "senza"}  # it ("non" as in fr)
    | {"niet", "geen", "zonder"}  # nl
    | {"nao", "sem"}  # pt
)
# Words that make good news a promise, not a fact: "sera livré", "will be delivered".
NOT_YET: Final = frozenset(
    {"sera", "seront", "va", "vont", "prevu", "prevue", "pourra", "doit", "devrait"}  # fr
    | {"will", "shall", "scheduled", "expected", "estimated", "planned", "soon"}  # en
    | {"wird", "werden", "voraussichtlich"}  # de
    | {"vai", "vao"}  # pt ("sera" as in fr/es)
    | {"sara", "saranno", "verra", "previsto", "prevista"}  # it
    | {"wordt", "worden", "zal", "verwacht"}  # nl
    | {"prevista", "previsto"}  # es
)
_NUMBER_MARK = re.compile(r"\b[Nn][°º]\s*|\b[Nn]o\.?\s*(?=\d)")
# Where a negation's reach ends: punctuation, and the words that start a new clause (only those
# that mean nothing else in another language: Dutch "en" is French "en").
_CLAUSE_BREAK = re.compile(
    r"[,.;:!?()\[\]/|]|\s(?:"
    r"et|mais|puis|car|parce que|and|but|then|because|und|aber|weil|denn|"
    r"pero|porque|ma|perche|maar|omdat|mas"
    r")\s"
)
_WORD = re.compile(r"\w+")


class Phrase:
    """A keyword as folded words; the last may be a prefix (`endommag*`)."""

    def __init__(self, text: str) -> None:
        self.text = fold(text).strip()
        prefix = self.text.endswith("*")
        words = _WORD.findall(self.text.rstrip("*"))
        if not words:
            raise ValueError(f"keyword {text!r} has no word")
        pattern = r"\b" + r"\W+".join(re.escape(w) for w in words) + (r"\w*" if prefix else r"\b")
        self._pattern = re.compile(pattern)
        self._negated_itself = any(w in NEGATIONS for w in words)
        self._own = frozenset(words)  # "livraison prévue": its own "prévue" undoes nothing

    def found_in(self, folded: str, *, fact: bool = True, completion: bool = True) -> bool:
        """True when the phrase stands in the label and the words before it do not undo it:
        for a fact, any negation or "not yet" word earlier in the clause; for a problem's
        reason, a negation right before it."""
        for clause in _CLAUSE_BREAK.split(folded):
            for match in self._pattern.finditer(clause):
                if self._negated_itself:
                    return True
                before = _WORD.findall(clause[: match.start()])
                undoing = (NEGATIONS | NOT_YET if fact and completion else NEGATIONS) - self._own
                if not undoing.intersection(before if fact else before[-1:]):
                    return True
        return False


# Statuses whose keywords name a problem's reason rather than a fact.
REASONS: Final = frozenset({Status.EXCEPTION, Status.ATTEMPT_FAILED})
# Facts that a "not yet" word turns into a promise.
COMPLETIONS: Final = frozenset({Status.DELIVERED, Status.AVAILABLE_FOR_PICKUP, Status.RETURNED})


def readable_label(label: str) -> str:
    """The label folded, number markers ("n°", "Nº 12") out of the way of the negations."""
    return fold(_NUMBER_MARK.sub(" ", label))


class StatusMap:
    """A carrier's native codes mapped into the taxonomy, built from a data table.

    The table is inverted once and checked when built: a code mapped twice or a substatus that
    does not belong to its status raises at import. An unknown code reads as
    `exception/unknown`; `keywords` read the label, for codes listed in `label_dependent`
    (optionally restricted to the statuses they may lead to) or unknown to the table.
    """

    def __init__(
        self,
        carrier: str,
        rows: Iterable[Row],
        *,
        keywords: Sequence[KeywordRule] = (),
        label_dependent: Iterable[str] | dict[str, tuple[Status, ...]] = (),
    ) -> None:
        self.carrier = carrier
        self._table: dict[str, Mapping] = {}
        for row in rows:
            codes, status, substatus = row[0], row[1], row[2]
            check_substatus(status, substatus)
            mapping = Mapping(status, substatus, affects_status=len(row) < 4)
            for code in (codes,) if isinstance(codes, str) else codes:
                key = self.normalize_code(code)
                if key in self._table:
                    raise ValueError(f"{carrier}: event code {code!r} is mapped twice")
                self._table[key] = mapping
        self._keywords = tuple((Phrase(word), Mapping(s, sub)) for word, s, sub in keywords)
        for _, mapping in self._keywords:
            check_substatus(mapping.status, mapping.substatus)
        allowed = label_dependent if isinstance(label_dependent, dict) else {}
        self._label_dependent = frozenset(self.normalize_code(c) for c in label_dependent)
        # Per label-dependent code, the statuses its label may lead to (absent: any).
        self._allowed = {self.normalize_code(c): frozenset(v) for c, v in allowed.items()}

    @staticmethod
    def normalize_code(code: str | int) -> str:
        """Codes arrive space-padded (`'D  '`) or as numbers; compare them trimmed, upper-case."""
        return str(code).strip().upper()

    @property
    def codes(self) -> frozenset[str]:
        """Every native code of the table, normalized: the contract checks samples against it."""
        return frozenset(self._table)

    def items(self) -> list[tuple[str, Mapping]]:
        """Every native code with what it means, sorted by code (for the code pages)."""
        return sorted(self._table.items())

    @property
    def keyword_rules(self) -> list[tuple[str, Mapping]]:
        """The label keywords in the order they are tried, as written (folded)."""
        return [(phrase.text, mapping) for phrase, mapping in self._keywords]

    @property
    def label_dependent(self) -> frozenset[str]:
        """Codes whose meaning hangs on the label: the keyword rules are tried first for them."""
        return self._label_dependent

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str | int) and self.normalize_code(code) in self._table

    def lookup(self, code: str | int, label: str = "") -> Mapping:
        """What `code` (with its `label`) means: the table's row, a keyword rule for a
        label-dependent or unknown code, else `exception/unknown` marked `known=False`."""
        key = self.normalize_code(code)
        entry = self._table.get(key)
        if entry is None or key in self._label_dependent:
            by_label = self.match_label(label, allowed=self._allowed.get(key))
            if by_label is not None:
                return by_label
        return entry if entry is not None else UNKNOWN

    def match_label(
        self, label: str, *, allowed: frozenset[Status] | None = None
    ) -> Mapping | None:
        """The first keyword rule whose phrase stands in the label, not undone by the words
        before it, among the `allowed` statuses when given."""
        folded = readable_label(label)
        return next(
            (
                m
                for phrase, m in self._keywords
                if (allowed is None or m.status in allowed)
                and phrase.found_in(
                    folded, fact=m.status not in REASONS, completion=m.status in COMPLETIONS
                )
            ),
            None,
        )
