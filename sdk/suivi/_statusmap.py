"""Carrier event codes → taxonomy, built once from a data table.

A table is a sequence of rows `(codes, status, substatus)` or `(codes, status, substatus, NOTICE)`,
where `codes` is one code or a tuple of codes. The table is inverted at import; a code listed twice
is a table bug and raises at import. Unknown codes map to `exception/unknown` and keep the
carrier's label, never crash. Some carriers reuse a code with different labels: list those codes
as `label_dependent`, and keyword rules on the label decide first for them (and for unknown codes).
"""

from __future__ import annotations

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
    status: Status
    substatus: Substatus | None = None
    affects_status: bool = True
    known: bool = True


UNKNOWN: Final = Mapping(Status.EXCEPTION, Substatus.UNKNOWN, known=False)


def fold(text: str) -> str:
    """Lower-case without accents, so 'Refusé' and 'REFUSE' match the same keyword."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class StatusMap:
    def __init__(
        self,
        carrier: str,
        rows: Iterable[Row],
        *,
        keywords: Sequence[KeywordRule] = (),
        label_dependent: Iterable[str] = (),
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
        self._keywords = tuple((fold(word), Mapping(s, sub)) for word, s, sub in keywords)
        for _, mapping in self._keywords:
            check_substatus(mapping.status, mapping.substatus)
        self._label_dependent = frozenset(self.normalize_code(c) for c in label_dependent)

    @staticmethod
    def normalize_code(code: str | int) -> str:
        """Codes arrive space-padded (`'D  '`) or as numbers; compare them trimmed, upper-case."""
        return str(code).strip().upper()

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self._table)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str | int) and self.normalize_code(code) in self._table

    def lookup(self, code: str | int, label: str = "") -> Mapping:
        key = self.normalize_code(code)
        entry = self._table.get(key)
        if entry is None or key in self._label_dependent:
            by_label = self.match_label(label)
            if by_label is not None:
                return by_label
        return entry if entry is not None else UNKNOWN

    def match_label(self, label: str) -> Mapping | None:
        folded = fold(label)
        return next((m for word, m in self._keywords if word in folded), None)
