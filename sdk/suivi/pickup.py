"""Reading pickup points as carriers describe them: street lines and opening hours.

Carriers write hours in two shapes: "HHMM" slots in open/close pairs (Mondial Relay, "0000"
for an unused pair) and "HH:MM-HH:MM" spans in one string (Colissimo, Chronopost, DPD).
Both become `OpeningDay`s here, once for every adapter. Carriers whose tracking answer only
names the point describe it in a second call (`PointDirectory`), made by the Tracker: by its
id, or, when the answer gives none, by its name near its address (`lookup_key`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import time
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from suivi._adapter import RawResponse
from suivi._models import OpeningDay, OpeningSpan, PickupPoint, Tracking

if TYPE_CHECKING:
    from suivi._http import CarrierHTTP

# "09:00-12:30", "9h00 - 12h30", "0900-1230"; an en dash or "à" between the two also.
_SPAN = re.compile(
    r"(?P<oh>\d{1,2})[:h.]?(?P<om>\d{2})\s*(?:-|–|à)\s*(?P<ch>\d{1,2})[:h.]?(?P<cm>\d{2})"
)


def _clock(hours: str, minutes: str) -> time | None:
    hour, minute = int(hours), int(minutes)
    if hour == 24 and minute == 0:
        return time(23, 59)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _span(opens: time | None, closes: time | None) -> OpeningSpan | None:
    """A span, or None for the "00:00-00:00" carriers write for "not open"."""
    if opens is None or closes is None or closes <= opens:
        return None
    return OpeningSpan(opens=opens, closes=closes)


def spans_from_text(text: str | None) -> tuple[OpeningSpan, ...]:
    """Every span in "09:00-12:30 14:00-19:00"; () for a closed day or no text."""
    found = (
        _span(_clock(m["oh"], m["om"]), _clock(m["ch"], m["cm"]))
        for m in _SPAN.finditer(text or "")
    )
    return tuple(span for span in found if span is not None)


def spans_from_slots(slots: Sequence[str | None]) -> tuple[OpeningSpan, ...]:
    """["0900", "1230", "1400", "1900"] as two spans; "0000" pairs are unused."""
    clocks = [
        _clock(slot[:2], slot[2:]) if slot and len(slot) == 4 and slot.isdigit() else None
        for slot in (s.strip() if s else None for s in slots)
    ]
    found = (_span(clocks[i], clocks[i + 1]) for i in range(0, len(clocks) - 1, 2))
    return tuple(span for span in found if span is not None)


def week(days: Iterable[tuple[int, tuple[OpeningSpan, ...]]]) -> tuple[OpeningDay, ...]:
    """(weekday, spans) pairs, 0 = Monday, as a week Monday first; later pairs win."""
    by_day = dict(days)
    return tuple(OpeningDay(weekday=d, spans=by_day[d]) for d in sorted(by_day))


def street(*lines: str | None) -> str | None:
    """Non-empty street lines joined with ", "; None when there is none."""
    kept = [" ".join(line.split()) for line in lines if line and line.strip()]
    return ", ".join(kept) or None


# -- carriers that describe a point in a second call ---------------------------------------


@runtime_checkable
class PointDirectory(Protocol):
    """An adapter that looks a pickup point up by its id, for what its tracking answer leaves
    out (street, hours). Pure parsing, as for tracking: `parse_point` reads bytes only.
    `tracking` is the parcel waiting there: what a directory asks that the point does not say
    (the day of a search) comes from it, never from the wall clock. An adapter whose
    `point_settings` are not all set is not asked (`Adapter.describes_points`)."""

    async def fetch_point(
        self, point: PickupPoint, http: CarrierHTTP, *, tracking: Tracking
    ) -> RawResponse: ...

    def parse_point(self, raw: RawResponse) -> PickupPoint | None: ...


def merged(point: PickupPoint, found: PickupPoint) -> PickupPoint:
    """The tracking's point with the blanks the directory filled; the deadline stays."""
    fields = type(point).model_fields
    blanks = [name for name in fields if not getattr(point, name) and getattr(found, name)]
    return point.model_copy(update={name: getattr(found, name) for name in blanks})


def lookup_key(point: PickupPoint) -> tuple[str | None, ...] | None:
    """What a directory knows the point by: its country and id (Mondial Relay numbers its
    points per country), else its name at its postcode there (carriers whose answers give no
    id are asked for the points near the address); None: nothing to ask."""
    if point.identifier:
        return (point.country, point.identifier)
    if point.name and point.postcode:
        return (point.country, point.name, point.postcode)
    return None
