"""Carriers send local wall-clock times; Suivi keeps every timestamp timezone-aware."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from suivi.errors import CarrierResponseInvalid

PARIS = ZoneInfo("Europe/Paris")


def aware(moment: datetime, zone: ZoneInfo) -> datetime:
    """Attach the carrier's zone to a naive local time; leave an aware time as it is."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def parse_local(text: str, formats: tuple[str, ...], zone: ZoneInfo, *, carrier: str) -> datetime:
    """Parse a carrier's date with the first matching format, as a local time in `zone`.

    Raises CarrierResponseInvalid rather than ValueError so a bad date never looks like a bug.
    """
    cleaned = text.strip()
    for fmt in formats:
        try:
            return aware(datetime.strptime(cleaned, fmt), zone)
        except ValueError:
            continue
    try:
        return aware(datetime.fromisoformat(cleaned), zone)
    except ValueError:
        raise CarrierResponseInvalid(f"unreadable date {cleaned!r}", carrier=carrier) from None
