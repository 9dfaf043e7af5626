"""Reading UPS's JSON fields: one place for its error envelope, dates, offsets and addresses.

Shared by the Track API parser (`adapter.py`) and the Track Alert reader (`webhook.py`), which
receive the same field shapes; each helper is a pure function of the value UPS sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from datetime import time as day_time
from functools import lru_cache
from typing import Any, Final

from suivi.toolkit import Location, StatusMap, shared_location, strptime

LBS_TO_KG: Final = 0.45359237
OFFSET: Final = re.compile(r"([+-])(\d{2}):?(\d{2})")


def errors(data: Any) -> list[tuple[str, str]]:
    """`{"response": {"errors": [...]}}` as (code, message) pairs; [] for any other shape."""
    response = data.get("response") if isinstance(data, dict) else None
    found = response.get("errors") if isinstance(response, dict) else None
    if not isinstance(found, list):
        return []
    return [
        (str(e.get("code", "")), str(e.get("message", ""))) for e in found if isinstance(e, dict)
    ]


def status_key(status: dict[str, Any], table: StatusMap) -> str:
    """The 3-digit statusCode when the table knows it, else the activity type."""
    status_code = str(status.get("statusCode") or "").strip()
    if status_code.isdigit():
        status_code = status_code.zfill(3)
    kind = str(status.get("type") or "").strip()
    if status_code in table:
        return status_code
    return kind if kind in table else status_code or kind


def text(value: Any) -> str | None:
    """A stripped string; None for a missing or blank field ("" is how UPS leaves one out)."""
    return (str(value).strip() or None) if value is not None else None


def address(
    package: dict[str, Any], types: Sequence[str], *, whole: bool = False
) -> dict[str, Any] | None:
    """The first packageAddress of the given types, in that order of preference."""
    entries = {e.get("type"): e for e in package.get("packageAddress") or []}
    entry = next((entries[t] for t in types if t in entries), None)
    if entry is None:
        return None
    return dict(entry) if whole else dict(entry.get("address") or {})


def location(place: dict[str, Any]) -> Location | None:
    """An activity's place, shared between events (the same hub is seen many times)."""
    city, postcode = text(place.get("city")), text(place.get("postalCode"))
    country = text(place.get("countryCode")) or text(place.get("country"))
    if not (city or postcode or country):
        return None
    return shared_location(city=city, postcode=postcode, country=country)


def offset(value: Any) -> timezone | None:
    """A `gmtOffset` such as `+01:00` or `-0500`; None when absent or unreadable."""
    return offset_of(str(value or "").strip())


@lru_cache(maxsize=64)  # a handful of offsets, seen on every activity
def offset_of(value: str) -> timezone | None:
    match = OFFSET.fullmatch(value)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def compact(ymd: str, clock: str, zone: tzinfo) -> datetime:
    """`20260415` + `143205` / `14:32:05` / `74700` (UPS drops leading zeros), in `zone`."""
    digits = str(clock).replace(":", "").strip().zfill(6)
    return strptime(str(ymd).strip() + digits, "%Y%m%d%H%M%S", zone)


def day(value: Any) -> date | None:
    """A YYYYMMDD metadata date; None when absent or unreadable (never fails the parse)."""
    try:
        return strptime(str(value or "").strip(), "%Y%m%d").date()
    except ValueError:
        return None


def clock_time(value: Any) -> day_time | None:
    """An HHMMSS (or HH:MM:SS) time of day; None when absent or unreadable."""
    digits = str(value or "").replace(":", "").strip()
    if not digits.isdigit():
        return None
    return strptime(digits.zfill(6), "%H%M%S").time()


def weight_kg(weight: Any) -> float | None:
    """The package weight in kilograms (UPS may give pounds)."""
    if not isinstance(weight, dict):
        return None
    try:
        value = float(weight.get("weight") or "")
    except ValueError:
        return None
    return round(value * LBS_TO_KG, 3) if weight.get("unitOfMeasurement") == "LBS" else value
