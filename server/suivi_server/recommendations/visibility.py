"""When not to sell: a parcel in trouble is no moment for recommendations.

Hidden while the shipment's status is a problem (suivi.is_problem: exceptions, failed attempts,
delays, returns), and while one of these situations is active, whatever the status says.
"""

from __future__ import annotations

from collections.abc import Iterable

from suivi import Situation, Status, Substatus, is_problem

HIDING_STATUSES: frozenset[str] = frozenset({Status.RETURNING, Status.RETURNED})
HIDING_SITUATIONS: frozenset[str] = frozenset(
    {
        Situation.REFUSED,
        Situation.RETURNED_TO_SENDER,
        Situation.DAMAGED,
        Situation.ADDRESS_PROBLEM,
        Situation.DELIVERY_DELAYED,
    }
)


def hidden(status: str, substatus: str | None, situations: Iterable[str]) -> bool:
    if status in HIDING_STATUSES:
        return True
    if is_problem(Status(status), Substatus(substatus) if substatus else None):
        return True
    return any(kind in HIDING_SITUATIONS for kind in situations)
