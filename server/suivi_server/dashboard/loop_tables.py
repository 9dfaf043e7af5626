"""The feedback loop's tables, defined once and written twice: on the page in the reader's
language, and as CSV with plain numbers (a rate per 100 with one decimal, a share in percent).

A table is a list of columns, each a header, how to read the cell from a row, and what kind of
figure it is; the kind decides how the page and the CSV file write it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from babel.numbers import format_decimal
from starlette.responses import Response

from suivi_server.dashboard import render
from suivi_server.dashboard.loop import (
    SIGNIFICANCE,
    Bucket,
    ChangeKind,
    Comparison,
    Granularity,
    Ranking,
    RuleEffect,
    SituationRank,
    per_100,
)
from suivi_server.dashboard.report_format import DASH, Figures
from suivi_server.engagement.contacts import REASONS
from suivi_server.pages.i18n import N_, Language

SITUATIONS: Mapping[str, str] = {
    "preparation_delay": N_("Preparation delayed"),
    "shipped": N_("Shipped"),
    "shipped_late": N_("Shipped late"),
    "delivery_delayed": N_("Delivery delayed"),
    "address_problem": N_("Address problem"),
    "returned_to_sender": N_("Returned to sender"),
    "damaged": N_("Damaged"),
    "refused": N_("Refused"),
    "available_for_pickup": N_("Waiting at a pickup point"),
    "delivered_to_third_party": N_("Left with a neighbour or a third party"),
    "delivered": N_("Delivered"),
    "out_for_delivery": N_("Out for delivery"),
    "attempt_failed": N_("Delivery attempt failed"),
    "": N_("No particular situation"),
}
CHANGE_KINDS: Mapping[ChangeKind, str] = {
    "on": N_("message on"),
    "off": N_("message off"),
    "changed": N_("message changed"),
}
GRANULARITY_NAMES: Mapping[Granularity, str] = {
    "day": N_("day"),
    "week": N_("week"),
    "month": N_("month"),
}


def situation_name(lang: Language, situation: str) -> str:
    """The situation's name; a kind this table does not know yet shows as stored."""
    return lang.gettext(SITUATIONS[situation]) if situation in SITUATIONS else situation


def reason_name(lang: Language, reason: str) -> str:
    return lang.gettext(REASONS[reason]) if reason in REASONS else reason


Kind = Literal["text", "count", "rate", "share", "p"]


@dataclass(frozen=True)
class Column:
    header: str  # translated
    cell: Callable[[Any], Any]
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    name: str
    columns: Sequence[Column]
    rows: Sequence[Any]

    def page_cells(self, figures: Figures) -> list[list[tuple[str, Kind]]]:
        """Each cell written for the page, with its kind (numbers align right)."""
        return [
            [(_page(c.cell(row), c.kind, figures), c.kind) for c in self.columns]
            for row in self.rows
        ]

    def csv_rows(self) -> list[list[object]]:
        return [[_csv(c.cell(row), c.kind) for c in self.columns] for row in self.rows]


def _page(value: Any, kind: Kind, figures: Figures) -> str:
    if kind == "count":
        return figures.count(int(value))
    if kind == "rate":
        return figures.decimal(None if value is None else round(value, 1))
    if kind == "share":
        return figures.percent(value)
    if kind == "p":
        return DASH if value is None else str(format_decimal(value, "0.000", figures.lang.locale))
    return str(value)


def _csv(value: Any, kind: Kind) -> object:
    """Numbers stay numbers (a negative change is no formula to neutralize); none is empty."""
    if kind == "text":
        return str(value)
    if value is None:
        return ""
    if kind == "count":
        return int(value)
    if kind == "p":
        return round(float(value), 4)
    number = round(100 * value if kind == "share" else value, 1)
    return int(number) if number.is_integer() else number


def _reason_rate(reason: str) -> Callable[[Bucket], float | None]:
    return lambda bucket: bucket.reason_rate(reason)


def verdict(comparison: Comparison) -> str:
    """A plain reading of the test: N_() message."""
    if comparison.p_value is None:
        return N_("Not enough data")
    if comparison.p_value < SIGNIFICANCE:
        return N_("Unlikely to be chance")
    return N_("Could be chance")


@dataclass(frozen=True)
class LoopTables:
    """Every table of the page, from the aggregates of one request."""

    lang: Language
    buckets: Sequence[Bucket]
    reasons: Counter[str]
    situations: Counter[str]
    shipped: int
    effect: RuleEffect | None
    ranking: Ranking

    def table(self, name: str) -> Table | None:
        build: Mapping[str, Callable[[], Table]] = {
            "rates": self._rates,
            "reasons": lambda: self._totals("reasons", self.reasons, reason_name, N_("Reason")),
            "situations": lambda: self._totals(
                "situations", self.situations, situation_name, N_("Situation")
            ),
            "effect": self._effect,
            "ranking": self._ranking,
        }
        return build[name]() if name in build else None

    def csv(self, name: str) -> Response | None:
        table = self.table(name)
        if table is None:
            return None
        first, last = self.buckets[0].label, self.buckets[-1].label
        return render.csv_download(
            f"feedback-{name}-{first}-{last}.csv",
            [c.header for c in table.columns],
            table.csv_rows(),
        )

    def _t(self, message: str, **values: object) -> str:
        return self.lang.gettext(message, **values)

    def _rates(self) -> Table:
        reasons = [r for r, _ in self.reasons.most_common()]
        columns = [
            Column(self._t(N_("Period from")), lambda b: b.label),
            Column(self._t(N_("Shipments")), lambda b: b.shipments, "count"),
            Column(self._t(N_("Contacts")), lambda b: b.contacts, "count"),
            Column(self._t(N_("Per 100 shipments")), lambda b: b.rate, "rate"),
            *(
                Column(
                    self._t(N_("%(reason)s (per 100)"), reason=reason_name(self.lang, r)),
                    _reason_rate(r),
                    "rate",
                )
                for r in reasons
            ),
        ]
        return Table("rates", columns, self.buckets)

    def _totals(
        self,
        name: str,
        counts: Counter[str],
        label: Callable[[Language, str], str],
        header: str,
    ) -> Table:
        columns = [
            Column(self._t(header), lambda row: label(self.lang, row[0])),
            Column(self._t(N_("Contacts")), lambda row: row[1], "count"),
            Column(
                self._t(N_("Per 100 shipments")), lambda row: per_100(row[1], self.shipped), "rate"
            ),
        ]
        return Table(name, columns, counts.most_common())

    def _effect(self) -> Table:
        rows: list[tuple[str, Comparison]] = []
        if self.effect is not None:
            situation = self.effect.situation
            rows.append(
                (
                    self._t(
                        N_("%(situation)s: contacts per 100 shipments in it"),
                        situation=situation_name(self.lang, situation.key),
                    ),
                    situation,
                )
            )
            rows += [
                (
                    self._t(N_("Reason: %(reason)s"), reason=reason_name(self.lang, c.key)),
                    c,
                )
                for c in self.effect.reasons
            ]
        columns = [
            Column(self._t(N_("Measure")), lambda row: row[0]),
            Column(self._t(N_("Before: contacts")), lambda row: row[1].before_contacts, "count"),
            Column(self._t(N_("Before: shipments")), lambda row: row[1].before_shipments, "count"),
            Column(self._t(N_("Before: per 100")), lambda row: row[1].before_rate, "rate"),
            Column(self._t(N_("After: contacts")), lambda row: row[1].after_contacts, "count"),
            Column(self._t(N_("After: shipments")), lambda row: row[1].after_shipments, "count"),
            Column(self._t(N_("After: per 100")), lambda row: row[1].after_rate, "rate"),
            Column(self._t(N_("Change")), lambda row: row[1].change, "share"),
            Column(self._t(N_("p-value")), lambda row: row[1].p_value, "p"),
            Column(self._t(N_("Reading")), lambda row: self._t(verdict(row[1]))),
        ]
        return Table("effect", columns, rows)

    def _ranking(self) -> Table:
        def rule(rank: SituationRank) -> str:
            return self._t(N_("On") if rank.rule_on else N_("Off"))

        columns = [
            Column(self._t(N_("Situation")), lambda r: situation_name(self.lang, r.situation)),
            Column(self._t(N_("Contacts")), lambda r: r.contacts, "count"),
            Column(self._t(N_("Share of contacts")), lambda r: r.share, "share"),
            Column(self._t(N_("Shipments in it")), lambda r: r.shipments, "count"),
            Column(self._t(N_("Contacts per 100 of them")), lambda r: r.rate, "rate"),
            Column(self._t(N_("Message")), rule),
        ]
        return Table("ranking", columns, self.ranking.situations)
