"""Which survey a delivered shipment gets: the most specific active survey whose audience
matches what the shopper lived and their segment; then the highest priority, then the oldest.

Pure, so the rule is tested as a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from suivi_server.surveys.model import Audience, Lived


@dataclass(frozen=True)
class Candidate:
    id: int
    audience: Audience
    active: bool = True


def matches(audience: Audience, lived: frozenset[Lived], segment: str | None) -> bool:
    wanted_situations = not audience.situations or bool(lived & set(audience.situations))
    wanted_segment = not audience.segments or (segment or "").casefold() in audience.segments
    return wanted_situations and wanted_segment


def specificity(audience: Audience) -> int:
    """How many of the audience's dimensions are constrained: a survey for late VIPs beats a
    survey for every late shopper, which beats a survey for everyone."""
    return bool(audience.situations) + bool(audience.segments)


def choose(
    surveys: Iterable[Candidate], lived: frozenset[Lived], segment: str | None
) -> int | None:
    """The id of the survey to show, or None: then no survey is shown."""
    fitting = [s for s in surveys if s.active and matches(s.audience, lived, segment)]
    if not fitting:
        return None
    best = min(fitting, key=lambda s: (-specificity(s.audience), -s.audience.priority, s.id))
    return best.id
