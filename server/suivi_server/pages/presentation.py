"""What each part of the page says for every status, as ONE table, so the parts never disagree.

A shopper reads the date box, the progress bar and the banners together: a red "refused" under
"Arrives Tuesday", or "Delivery today" above "Arrives Friday", sends them to customer service.
So the date box's kind and the banners a status may show are written here once, per status (or
`status/substatus` where the carrier says more), and `view.py` renders only what this allows.
Tests walk every row and every status × situation pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from suivi import Situation, Status


class DateBox(StrEnum):
    """What the big date under the headline says."""

    ESTIMATE = "estimate"  # the expected window; "later than planned" once it has passed
    TODAY = "today"  # out for delivery today, with the driver's hours when known
    ATTEMPTED = "attempted"  # when the driver came: the next step is the banner's
    COLLECT_BY = "collect_by"  # waiting at the pickup point, until its deadline
    DELIVERED = "delivered"  # when it was handed over
    TO_BE_CONFIRMED = "to_be_confirmed"  # a problem suspends every date we had
    NONE = "none"  # nothing to wait for any more: on its way back, or no news for too long


@dataclass(frozen=True)
class PageRule:
    date_box: DateBox
    banners: frozenset[Situation]


S = Situation
_BEFORE_HANDOVER = PageRule(DateBox.ESTIMATE, frozenset({S.PREPARATION_DELAY}))
_RETURN = PageRule(DateBox.NONE, frozenset({S.RETURNED_TO_SENDER, S.REFUSED}))
_PROBLEM = PageRule(
    DateBox.TO_BE_CONFIRMED,
    frozenset({S.ADDRESS_PROBLEM, S.REFUSED, S.DAMAGED, S.DELIVERY_DELAYED}),
)

# Keys are statuses, or `status/substatus` for the few substatuses that change the page.
PAGE_RULES: Mapping[str, PageRule] = {
    Status.PENDING: _BEFORE_HANDOVER,
    Status.INFO_RECEIVED: _BEFORE_HANDOVER,
    Status.NOT_FOUND: _BEFORE_HANDOVER,
    Status.IN_TRANSIT: PageRule(
        DateBox.ESTIMATE,
        frozenset({S.SHIPPED, S.SHIPPED_LATE, S.DELIVERY_DELAYED, S.DAMAGED}),
    ),
    Status.OUT_FOR_DELIVERY: PageRule(
        DateBox.TODAY, frozenset({S.OUT_FOR_DELIVERY, S.DELIVERY_DELAYED, S.DAMAGED})
    ),
    Status.ATTEMPT_FAILED: PageRule(
        DateBox.ATTEMPTED, frozenset({S.ATTEMPT_FAILED, S.DELIVERY_DELAYED, S.DAMAGED})
    ),
    Status.AVAILABLE_FOR_PICKUP: PageRule(
        DateBox.COLLECT_BY, frozenset({S.AVAILABLE_FOR_PICKUP, S.DAMAGED})
    ),
    Status.DELIVERED: PageRule(
        DateBox.DELIVERED, frozenset({S.DELIVERED, S.DELIVERED_TO_THIRD_PARTY})
    ),
    Status.EXCEPTION: _PROBLEM,
    # Minor damage: the parcel still travels and the carrier's date still holds.
    f"{Status.EXCEPTION}/damaged": PageRule(
        DateBox.ESTIMATE, frozenset({S.DAMAGED, S.DELIVERY_DELAYED})
    ),
    Status.RETURNING: _RETURN,
    Status.RETURNED: _RETURN,
    Status.EXPIRED: PageRule(DateBox.NONE, frozenset()),
}

# A banner hidden while a more precise or more urgent one is shown.
SUPERSEDED_BY: Mapping[Situation, frozenset[Situation]] = {
    S.DELIVERED: frozenset({S.DELIVERED_TO_THIRD_PARTY}),
    # Once late, "it has left, we expect it by…" is old news: the delay banner says what holds.
    S.SHIPPED: frozenset({S.DELIVERY_DELAYED, S.SHIPPED_LATE}),
    S.SHIPPED_LATE: frozenset({S.DELIVERY_DELAYED}),
}


# Situations whose dates are promises: they read the estimate the date box shows, never the one
# stored when the situation began ("we expect it by <a day already past>").
PROMISING: frozenset[Situation] = frozenset({S.SHIPPED, S.SHIPPED_LATE})


# Facts the date box already says in big letters: a banner does not repeat them.
SAID_BY_DATE_BOX: Mapping[DateBox, frozenset[str]] = {
    DateBox.COLLECT_BY: frozenset({"deadline"}),
}


# Banners that say a new date will come: while one shows, the date box promises no old one.
# Keys are situation kinds, or `kind/reason` for one reason of a delay.
DATE_BOX_OVERRIDES: Mapping[str, DateBox] = {
    S.PREPARATION_DELAY: DateBox.TO_BE_CONFIRMED,  # "…with a new delivery date"
    f"{S.DELIVERY_DELAYED}/carrier_reported": DateBox.TO_BE_CONFIRMED,  # "we will update…"
}


def date_box_override(
    box: DateBox, situations: Iterable[tuple[str, Mapping[str, Any]]], rule: PageRule
) -> DateBox:
    """The date box once the banners this status shows have had their say."""
    for kind, facts in situations:
        if kind not in rule.banners:
            continue
        for key in (f"{kind}/{facts.get('reason')}", kind):
            if key in DATE_BOX_OVERRIDES:
                return DATE_BOX_OVERRIDES[key]
    return box


def page_rule(status: str, substatus: str | None) -> PageRule:
    key = next(k for k in (f"{status}/{substatus}", status) if k in PAGE_RULES)
    return PAGE_RULES[key]


# Banners that say what the date box says, shown only when it says it ("Delivery today" above
# "Arrives Friday" is the contradiction shoppers call about).
NEEDS_DATE_BOX: Mapping[Situation, DateBox] = {S.OUT_FOR_DELIVERY: DateBox.TODAY}


def shown_situations(active: Iterable[str], rule: PageRule, box: DateBox) -> frozenset[str]:
    """The active situations whose banner this status shows, minus those a shown one supersedes."""
    allowed = {
        Situation(kind)
        for kind in active
        if kind in rule.banners and NEEDS_DATE_BOX.get(Situation(kind), box) is box
    }
    return frozenset(
        kind.value for kind in allowed if not SUPERSEDED_BY.get(kind, frozenset()) & allowed
    )


def _missing() -> list[str]:
    """Statuses with no rule: fail at import rather than render a page nobody designed."""
    return [s.value for s in Status if s.value not in PAGE_RULES]


if _missing():  # pragma: no cover - a programming error, caught by any import
    raise RuntimeError(f"statuses without a page rule: {_missing()}")
