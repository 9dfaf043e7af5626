"""What a tracking page must never say, checked on its view-model: the contradictions shoppers
call about. Used by the status × situation matrix and by the walk through every simulator story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from suivi_server.pages.i18n import Language
from suivi_server.pages.presentation import PROMISING, DateBox, date_box_override, page_rule
from suivi_server.pages.view import PageView
from suivi_server.pages.wording import BRANCHES, STEP_REACHED, lookup

FUTURE_BOXES = frozenset({DateBox.ESTIMATE, DateBox.TODAY, DateBox.COLLECT_BY})


def contradictions(
    view: PageView,
    *,
    status: str,
    substatus: str | None,
    reached: list[tuple[str, str | None]],
    today: date,
    shipped_on: date | None,
    lang: Language,
    situations: Sequence[tuple[str, Mapping[str, Any]]],
) -> list[str]:
    """Every way this view disagrees with itself or with the calendar; [] for a sound page."""
    found: list[str] = []
    rule = page_rule(status, substatus)
    # Out for delivery since an earlier day falls back to the estimate; then the banners shown
    # may suspend the date (DATE_BOX_OVERRIDES).
    bases = {rule.date_box, DateBox.ESTIMATE} if rule.date_box is DateBox.TODAY else {rule.date_box}
    expected_box = {date_box_override(base, situations, rule) for base in bases}
    kinds = {b.kind for b in view.banners}
    if "preparation_delay" in kinds and view.date_box is not DateBox.TO_BE_CONFIRMED:
        found.append("an arrival date above 'we will give you a new date'")
    if view.date_box not in expected_box:
        found.append(f"date box {view.date_box} for {status}/{substatus}")
    if not kinds <= rule.banners:
        found.append(f"banners {sorted(kinds - rule.banners)} at {status}/{substatus}")
    if "out_for_delivery" in kinds and view.date_box is not DateBox.TODAY:
        found.append("'delivery today' banner above another day")
    past = [today - timedelta(days=n) for n in range(1, 60)]
    if view.window and view.date_box in FUTURE_BOXES:
        found += [
            f"past day in the date box: {view.window}" for d in past if lang.day(d) in view.window
        ]
    for banner in view.banners:
        if banner.kind not in PROMISING:
            continue
        text = f"{banner.title} {banner.body or ''}"
        promised = [d for d in past if shipped_on is None or d > shipped_on]
        found += [
            f"{banner.kind} promises a past day: {text}" for d in promised if lang.day(d) in text
        ]
    keys = BRANCHES[view.journey.branch]
    steps = [lookup(STEP_REACHED, s, sub) or "in_transit" for s, sub in reached]
    furthest = max((keys.index(k) + 1 for k in steps if k in keys), default=1)
    if view.journey.position < furthest:
        found.append(f"bar steps back to {view.journey.position} from {furthest}")
    if view.problem and not view.journey.problem:
        found.append("a problem the bar does not mark")
    if view.problem and view.date_box in {DateBox.TODAY}:
        found.append("an arrival today while a problem holds the parcel")
    return found
