"""How the report pages write their figures, in the reader's language.

A group with nothing to count shows a dash, never "0 %": no answers is not a bad score. CSV
files get the same figures as plain numbers (a share as a percentage with one decimal), so a
spreadsheet can sort and sum them.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent

from suivi_server.pages.i18n import Language

DASH = "—"


def csv_share(share: float | None) -> str:
    """A share as a percentage with one decimal for a CSV cell; empty when there is none."""
    return "" if share is None else f"{100 * share:.1f}"


def csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@dataclass(frozen=True)
class Figures:
    lang: Language

    def percent(self, share: float | None) -> str:
        """The language's own percent pattern ("66,7 %" in French), with one decimal."""
        if share is None:
            return DASH
        pattern = self.lang.locale.percent_formats[None].pattern.replace("#,##0", "#,##0.#")
        return str(format_percent(share, format=pattern, locale=self.lang.locale))

    def decimal(self, value: float | None) -> str:
        if value is None:
            return DASH
        return str(format_decimal(value, format="#,##0.#", locale=self.lang.locale))

    def count(self, value: int) -> str:
        return str(format_decimal(value, format="#,##0", locale=self.lang.locale))

    def points(self, score: float | None) -> str:
        """An NPS, signed: "+25", "−12,5" (the sign matters more than the digits)."""
        if score is None:
            return DASH
        sign = "+" if score > 0 else ("−" if score < 0 else "")
        return sign + self.decimal(abs(score))
