"""What an event means after the ones before it, as data: "after X, Y means Z".

Carriers tell one fact with several events, and the newest line alone can mislead: a "delivered"
scan after the parcel waited at a pickup point is a collection; a "delivered" activity on a
parcel on its way back is the return reaching the sender. A rule reads the previous move (or any
earlier one, with `anywhere_before`) and the event at hand, and rewrites the event's status and
substatus; its code and label stay the carrier's. Rules apply oldest event first, each on the
statuses the earlier rules left, so one rule's result is the next one's "before".

Patterns are `"status"` (any substatus), `"status/substatus"`, or `"status/-"` (no substatus).
`COMMON_SEQUENCE` holds what is true of every carrier; an adapter adds its own code-specific
rules in front of it (first matching rule wins).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from suivi._models import TrackingEvent
from suivi._taxonomy import Status, Substatus, check_substatus

KEEP: Final = "keep"
"""A rule's `then` that keeps the previous move's status and substatus."""

State = tuple[Status, Substatus | None]


@lru_cache(maxsize=4096)
def _matches(pattern: str, state: State) -> bool:
    """Remembered: a handful of patterns meet a handful of states, on every event parsed."""
    status, _, sub = pattern.partition("/")
    if status != state[0].value:
        return False
    if not sub:
        return True
    return state[1] is None if sub == "-" else state[1] is not None and sub == state[1].value


@dataclass(frozen=True, slots=True)
class SequenceRule:
    """After a move matching one of `after`, an event matching `when` (or one of `codes`)
    means `then`."""

    after: tuple[str, ...]
    then: tuple[Status, Substatus | None] | str
    when: str | None = None
    codes: frozenset[str] = field(default_factory=frozenset)
    anywhere_before: bool = False  # any earlier move, not only the previous one

    def __post_init__(self) -> None:
        if (self.when is None) == (not self.codes):
            raise ValueError("a sequence rule needs either `when` or `codes`")
        if self.then != KEEP:
            if isinstance(self.then, str):
                raise ValueError(f"unknown `then` {self.then!r}")
            check_substatus(*self.then)

    def rewrites(self, event: TrackingEvent, before: Sequence[State]) -> bool:
        """Whether this rule applies to `event`; `before` holds the earlier moves, newest first."""
        if self.codes:
            if event.code.strip().upper() not in self.codes:
                return False
        elif self.when is None or not _matches(self.when, (event.status, event.substatus)):
            return False
        earlier = before if self.anywhere_before else before[:1]
        return any(_matches(p, state) for p in self.after for state in earlier)


def codes(*values: str) -> frozenset[str]:
    """A rule's carrier codes, normalized as the status maps compare them."""
    return frozenset(v.strip().upper() for v in values)


S, Sub = Status, Substatus

COMMON_SEQUENCE: Final[tuple[SequenceRule, ...]] = (
    # Delivered after waiting at a pickup point, locker or access point: collected there.
    SequenceRule(
        after=("available_for_pickup",),
        when="delivered/-",
        then=(S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ),
    SequenceRule(
        after=("available_for_pickup",),
        when="delivered/to_recipient",
        then=(S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
    ),
    # A scan re-announcing the point while the parcel waits there does not move it back.
    SequenceRule(after=("available_for_pickup",), when="in_transit/to_pickup_point", then=KEEP),
    # A failed attempt that redirects to a point stays a failed attempt until the point scans.
    SequenceRule(after=("attempt_failed",), when="in_transit/to_pickup_point", then=KEEP),
    SequenceRule(after=("attempt_failed",), when="in_transit/redirected", then=KEEP),
    # On its way back, the return's own hub and van scans keep it returning (with its reason).
    SequenceRule(after=("returning",), when="in_transit", then=KEEP),
    SequenceRule(after=("returning",), when="out_for_delivery", then=KEEP),
    # On its way back, "delivered" is the return reaching the sender. Only right after the
    # return's moves (kept returning above): a parcel re-sent after a return is delivered.
    SequenceRule(after=("returning",), when="delivered", then=(S.RETURNED, None)),
    # A return carries the reason that started it.
    SequenceRule(
        after=("exception/refused",),
        when="returning/-",
        then=(S.RETURNING, Sub.REFUSED),
        anywhere_before=True,
    ),
    SequenceRule(
        after=("available_for_pickup",),
        when="returning/-",
        then=(S.RETURNING, Sub.NOT_COLLECTED),
    ),
    SequenceRule(
        after=("exception/address_problem",),
        when="returning/-",
        then=(S.RETURNING, Sub.UNDELIVERABLE),
        anywhere_before=True,
    ),
    # ...and keeps it through the return's later scans.
    SequenceRule(
        after=("returning/refused", "returning/not_collected", "returning/undeliverable"),
        when="returning/-",
        then=KEEP,
    ),
)


def apply_sequence(
    events: Iterable[TrackingEvent], rules: Sequence[SequenceRule]
) -> list[TrackingEvent]:
    """The events, newest first as given, each read in the light of the moves before it."""
    ordered = list(events)
    before: list[State] = []  # earlier moves, newest first
    for index in range(len(ordered) - 1, -1, -1):
        event = ordered[index]
        if not event.affects_status:
            continue
        rule = next((r for r in rules if r.rewrites(event, before)), None)
        if rule is not None:
            status, substatus = before[0] if isinstance(rule.then, str) else rule.then
            if (status, substatus) != (event.status, event.substatus):
                event = event.model_copy(update={"status": status, "substatus": substatus})
                ordered[index] = event
        before.insert(0, (event.status, event.substatus))
    return ordered
