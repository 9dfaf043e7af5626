"""Ranking rules on a generated catalogue of a few hundred products (a pure function)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from suivi_server.recommendations.ranking import Candidate, path, paths, rank

TREE = {
    "Lighting": {"Lamps": ["Desk", "Floor", "Bedside"], "Pendants": ["Glass", "Rattan"]},
    "Decor": {"Vases": ["Ceramic", "Glass"], "Candles": ["Scented", "Pillar"]},
    "Textile": {"Cushions": ["Linen", "Velvet"], "Throws": ["Wool"]},
    "Kitchen": {"Tableware": ["Plates", "Bowls"]},
}
LEAVES = [
    f"{top} > {middle} > {leaf}"
    for top, middles in TREE.items()
    for middle, leaves in middles.items()
    for leaf in leaves
]


def catalogue(size: int = 300, seed: int = 13) -> list[Candidate]:
    """`size` products spread over the tree; some unavailable or excluded, none pinned."""
    rng = random.Random(seed)
    return [
        Candidate(
            id=n,
            sku=f"SKU-{n}",
            categories=paths([rng.choice(LEAVES)]),
            available=rng.random() > 0.1,
            excluded=rng.random() < 0.05,
        )
        for n in range(1, size + 1)
    ]


DESK = path("Lighting > Lamps > Desk")


def test_the_categories_of_the_order_come_first_deeper_matches_before_shallower() -> None:
    products = catalogue()
    chosen = rank(products, bought=set(), ordered=[DESK], count=4, per_category=4)
    assert len(chosen) == 4
    assert all(c.categories[0] == DESK for c in chosen)
    siblings = rank(
        [p for p in products if p.categories[0] != DESK],
        bought=set(),
        ordered=[DESK],
        count=4,
        per_category=4,
    )
    assert all(c.categories[0][:2] == DESK[:2] for c in siblings)  # Lighting > Lamps next


def test_nothing_bought_unavailable_or_excluded_is_ever_shown() -> None:
    products = catalogue()
    bought = {p.sku for p in products if p.categories[0] == DESK}
    chosen = rank(products, bought=bought, ordered=[DESK], count=12)
    assert len(chosen) == 12
    assert not any(c.sku in bought or not c.available or c.excluded for c in chosen)


def test_no_more_than_two_of_one_top_level_category_while_others_have_candidates() -> None:
    chosen = rank(catalogue(), bought=set(), ordered=[DESK], count=4)
    tops = Counter(c.top for c in chosen)
    assert tops["lighting"] == 2
    assert len(chosen) == 4
    assert max(tops.values()) <= 2


def test_the_last_slots_are_filled_rather_than_left_empty() -> None:
    only_lighting = [p for p in catalogue() if p.top == "lighting"]
    chosen = rank(only_lighting, bought=set(), ordered=[DESK], count=4)
    assert len(chosen) == 4


def test_pinned_products_come_first_unless_bought_or_unavailable() -> None:
    products = catalogue()
    kitchen = [p for p in products if p.top == "kitchen" and p.available and not p.excluded]
    pinned = {kitchen[0].id, kitchen[1].id}
    gone = replace(products[-1], pinned=True, available=False)
    bought = replace(products[-2], pinned=True)
    curated = [replace(p, pinned=True) if p.id in pinned else p for p in products[:-2]] + [
        bought,
        gone,
    ]
    chosen = rank(curated, bought={bought.sku}, ordered=[DESK], count=4)
    assert {c.id for c in chosen[:2]} == pinned
    assert gone.id not in {c.id for c in chosen}
    assert bought.id not in {c.id for c in chosen}


def test_the_result_is_deterministic_and_ties_break_on_feed_order() -> None:
    products = catalogue()
    first = rank(products, bought=set(), ordered=[DESK], count=8)
    shuffled = products[:]
    random.Random(1).shuffle(shuffled)
    assert rank(shuffled, bought=set(), ordered=[DESK], count=8) == first
    desks = [c.id for c in first if c.categories[0] == DESK]
    assert desks == sorted(desks)


def test_without_any_known_category_the_feed_order_decides() -> None:
    chosen = rank(catalogue(), bought=set(), ordered=[], count=4, per_category=4)
    eligible = [p for p in catalogue() if p.available and not p.excluded]
    assert [c.id for c in chosen] == [p.id for p in eligible[:4]]


def test_categories_compare_without_case_or_spacing() -> None:
    assert path(" lighting>LAMPS >  desk ") == DESK
