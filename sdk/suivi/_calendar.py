"""Business days: the days a carrier moves parcels, from country holidays and carrier weekdays.

One counting convention everywhere, so learned transit times and estimates agree:
`business_days_between(start, end)` counts the business days in (start, end], and
`add_business_days(start, n)` is the n-th business day after `start`; hence
`add_business_days(s, business_days_between(s, e)) == e` whenever `e` is a business day.

A working day counts all of its 24 hours toward business hours: hubs sort at night, so an
hour is a business hour because of the day it falls on, not because of the time on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays

from suivi._adapter import MON_FRI, Adapter
from suivi._registry import Registry
from suivi._statusmap import fold
from suivi._time import PARIS
from suivi.errors import AdapterLoadError, AdapterNotFound

EVERY_DAY: frozenset[int] = frozenset(range(7))
DEFAULT_WEEKDAYS = MON_FRI  # a carrier Suivi has no adapter for

_ONE_DAY = timedelta(days=1)


@cache
def _installed() -> Registry:
    return Registry()


@lru_cache(maxsize=128)
def adapter_class(carrier: str) -> type[Adapter] | None:
    """The installed adapter named `carrier`, whose class declares its week and its normal
    gaps between scans; None when none is installed (or it fails to load): the defaults."""
    try:
        return _installed().get(carrier)
    except (AdapterNotFound, AdapterLoadError):
        return None


def carrier_weekdays(carrier: str, service: str | None = None) -> frozenset[int]:
    """The carrier's delivery weekdays, widened by a service such as a Saturday option."""
    adapter = adapter_class(carrier)
    if adapter is None:
        return DEFAULT_WEEKDAYS
    wording = fold(service or "")
    return next(
        (days for word, days in adapter.service_weekdays if word in wording),
        adapter.delivery_weekdays,
    )


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of `moment` in `zone`; naive times are refused, not guessed."""
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return moment.astimezone(zone).date()


@lru_cache(maxsize=256)
def _holidays(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """Public holidays of one year; a country the `holidays` package lacks has none."""
    try:
        table = holidays.country_holidays(country, subdiv=subdiv, years=year)
    except NotImplementedError:
        return frozenset()
    return frozenset(table)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working weekdays and public holidays of one country, read in one time zone."""

    country: str = "FR"
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    zone: ZoneInfo = PARIS
    subdiv: str | None = None

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= EVERY_DAY:
            raise ValueError("weekdays must be a non-empty subset of 0 (Monday) … 6 (Sunday)")

    @classmethod
    def for_carrier(
        cls,
        carrier: str,
        service: str | None = None,
        *,
        country: str = "FR",
        zone: ZoneInfo = PARIS,
    ) -> BusinessCalendar:
        """The calendar a carrier delivers by in `country`: its adapter's weekdays."""
        return cls(country=country.upper(), weekdays=carrier_weekdays(carrier, service), zone=zone)

    def is_business_day(self, day: date) -> bool:
        """Whether the carrier works on `day`: one of its weekdays and not a public holiday."""
        return day.weekday() in self.weekdays and day not in _holidays(
            self.country, self.subdiv, day.year
        )

    def add_business_days(self, start: date, days: int) -> date:
        """The `days`-th business day after `start` (`start` itself when `days` is 0)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += _ONE_DAY
            if self.is_business_day(day):
                days -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in (start, end]; negative when `end` is before `start`."""
        if end < start:
            return -self.business_days_between(end, start)
        span = (end - start).days
        return sum(self.is_business_day(start + timedelta(days=n)) for n in range(1, span + 1))

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """Elapsed hours from `start` to `end` that fall on business days in this zone."""
        first, last = local_date(start, self.zone), local_date(end, self.zone)
        begin, finish = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta()
        day = first
        while day <= last:
            if self.is_business_day(day):
                opens = max(begin, self.start_of(day).astimezone(UTC))
                closes = min(finish, self.start_of(day + _ONE_DAY).astimezone(UTC))
                total += max(closes - opens, timedelta())
            day += _ONE_DAY
        return total.total_seconds() / 3600

    def start_of(self, day: date) -> datetime:
        """Local midnight opening `day` (DST-correct: days may last 23 or 25 hours)."""
        return datetime.combine(day, time(), tzinfo=self.zone)
