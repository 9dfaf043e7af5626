"""The period a report covers, read from the page's `from`/`to` dates (last four weeks by default).

Days are the merchant's days: a period is turned into UTC instants in the merchant's time zone,
so a parcel delivered at 00:30 in Paris on the 1st belongs to the 1st. A date that cannot be read
gives the default period and a message saying why, never an error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from suivi_server.pages.i18n import N_

DEFAULT_DAYS = 28
MAX_DAYS = 366  # a year at most: every report reads each shipment of the period once
# Days a report may ask for: the reports reach weeks and months around the period, which
# near years 1 and 9999 leave the calendar datetime can hold.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)


@dataclass(frozen=True)
class Period:
    since: date  # first day, included
    until: date  # last day, included

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: midnight of the first day to midnight after the last."""
        start = datetime.combine(self.since, time(), zone).astimezone(UTC)
        end = datetime.combine(self.until + timedelta(days=1), time(), zone).astimezone(UTC)
        return start, end

    @property
    def query(self) -> dict[str, str]:
        """The page parameters that name this period (kept by links and the CSV export)."""
        return {"from": self.since.isoformat(), "to": self.until.isoformat()}


@dataclass(frozen=True)
class PeriodChoice:
    period: Period
    error: str | None  # an N_() message when the asked period was refused


def default_period(today: date) -> Period:
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value.strip())


def read_period(params: Mapping[str, str], today: date) -> PeriodChoice:
    """The period asked by `from` and `to` (YYYY-MM-DD), either may be left out."""
    fallback = default_period(today)
    try:
        since, until = _day(params.get("from")), _day(params.get("to"))
    except ValueError:
        return PeriodChoice(fallback, N_("Dates are written YYYY-MM-DD, for example 2026-03-31."))
    if any(day and not FIRST_DAY <= day <= LAST_DAY for day in (since, until)):
        return PeriodChoice(fallback, N_("Dates go from 1970 to 9998."))
    until = until or (today if since is None or since <= today else since)
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        return PeriodChoice(fallback, N_("The period must start before it ends."))
    if (until - since).days >= MAX_DAYS:
        return PeriodChoice(fallback, N_("A period covers at most a year."))
    return PeriodChoice(Period(since, until), None)


def merchant_zone(settings: Mapping[str, object]) -> ZoneInfo:
    zone = settings.get("timezone")
    return ZoneInfo(zone if isinstance(zone, str) and zone else "Europe/Paris")


def merchant_today(now: datetime, settings: Mapping[str, object]) -> date:
    """Today as the merchant counts days: what "the last four weeks" end with."""
    return now.astimezone(merchant_zone(settings)).date()
