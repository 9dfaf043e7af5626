"""Choosing what to show one shopper: a pure function of the catalogue and the order.

Order of the result: the merchant's pins first, then the products closest to what was ordered
(a category path shared with an ordered item counts as many points as levels it shares, so
`Lighting > Lamps > Desk` beats `Lighting`), then the feed's own order (product id) on a tie.
Never shown: what was bought, what is unavailable, what the merchant excluded. At most
`per_category` products of one top-level category while other categories have candidates left;
the last slots are filled from the skipped ones rather than left empty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

Path = tuple[str, ...]
DEFAULT_COUNT = 4
PER_CATEGORY = 2


def path(category: str) -> Path:
    """`Home > Lighting` → ("home", "lighting"): compared without case."""
    return tuple(part.strip().casefold() for part in category.split(">") if part.strip())


def paths(categories: Iterable[str]) -> tuple[Path, ...]:
    return tuple(p for p in (path(c) for c in categories) if p)


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    sku: str
    categories: tuple[Path, ...] = ()
    available: bool = True
    pinned: bool = False
    excluded: bool = False

    @property
    def top(self) -> str | None:
        """Its top-level category (of its first path), for diversity."""
        return self.categories[0][0] if self.categories else None


def shared_depth(a: Path, b: Path) -> int:
    depth = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        depth += 1
    return depth


def affinity(candidate: Candidate, ordered: Sequence[Path]) -> int:
    """For each ordered category, the deepest level this product shares with it, summed."""
    return sum(max((shared_depth(c, o) for c in candidate.categories), default=0) for o in ordered)


def rank(
    candidates: Iterable[Candidate],
    *,
    bought: Collection[str],
    ordered: Sequence[Path],
    count: int = DEFAULT_COUNT,
    per_category: int = PER_CATEGORY,
) -> list[Candidate]:
    eligible = [c for c in candidates if c.available and not c.excluded and c.sku not in bought]
    eligible.sort(key=lambda c: (not c.pinned, -affinity(c, ordered), c.id))
    chosen: list[Candidate] = []
    skipped: list[Candidate] = []
    shown: Counter[str | None] = Counter()
    for candidate in eligible:
        if len(chosen) == count:
            break
        if candidate.pinned or shown[candidate.top] < per_category:
            chosen.append(candidate)
            shown[candidate.top] += 1
        else:
            skipped.append(candidate)
    return chosen + skipped[: count - len(chosen)]
