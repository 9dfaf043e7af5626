"""Carriers send local wall-clock times; Suivi keeps every timestamp timezone-aware.

`strptime` here is `datetime.strptime` without its per-call overhead (locale checks, a lock,
a dict of every group): each format is compiled once into the very regular expression the
standard library builds for it, and the matched numbers go straight to `datetime`. It reads
the numeric directives carriers use (`%d %m %Y %y %H %I %M %S %p`, `%%`); any other format is
handed to `datetime.strptime` itself, so results and errors are the same either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from suivi.errors import CarrierResponseInvalid

PARIS = ZoneInfo("Europe/Paris")

# `_strptime.TimeRE`'s patterns for the directives read here (C locale for %p).
_DIRECTIVES = {
    "d": r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
    "m": r"(?P<m>1[0-2]|0[1-9]|[1-9])",
    "Y": r"(?P<Y>\d\d\d\d)",
    "y": r"(?P<y>\d\d)",
    "H": r"(?P<H>2[0-3]|[0-1]\d|\d)",
    "I": r"(?P<I>1[0-2]|0[1-9]|[1-9])",
    "M": r"(?P<M>[0-5]\d|\d)",
    "S": r"(?P<S>6[0-1]|[0-5]\d|\d)",
    "p": r"(?P<p>am|pm)",
}
_DATETIME_ORDER = ("Y", "m", "d", "H", "M", "S")  # datetime()'s positional arguments
_REGEX_CHARS = re.compile(r"([\\.^$*+?\(\){}\[\]|])")
_WHITESPACE = re.compile(r"\s+")

Reader = Callable[[str, tzinfo | None], datetime]


def aware(moment: datetime, zone: ZoneInfo) -> datetime:
    """Attach the carrier's zone to a naive local time; leave an aware time as it is."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def strptime(text: str, fmt: str, zone: tzinfo | None = None) -> datetime:
    """`datetime.strptime(text, fmt)`, with `zone` attached when given; ValueError if no match."""
    return _reader(fmt)(text, zone)


def parse_local(text: str, formats: tuple[str, ...], zone: ZoneInfo, *, carrier: str) -> datetime:
    """Parse a carrier's date with the first matching format, as a local time in `zone`.

    ISO-8601 (with or without an offset) is always accepted after `formats`.
    Raises CarrierResponseInvalid rather than ValueError so a bad date never looks like a bug.
    """
    cleaned = text.strip()
    for fmt in formats:
        try:
            return _reader(fmt)(cleaned, zone)
        except ValueError:
            continue
    try:
        return aware(datetime.fromisoformat(cleaned), zone)
    except ValueError:
        raise CarrierResponseInvalid(f"unreadable date {cleaned!r}", carrier=carrier) from None


@cache
def _reader(fmt: str) -> Reader:
    """A parser for `fmt`, built once per format."""
    pieces = re.split(r"(%.)", _WHITESPACE.sub(r"\\s+", _REGEX_CHARS.sub(r"\\\1", fmt)))
    pattern, fields = "", []
    for piece in pieces:
        if piece == "%%":
            pattern += "%"
        elif piece.startswith("%") and len(piece) == 2:
            if piece[1] not in _DIRECTIVES or piece[1] in fields:
                return _standard(fmt)
            pattern += _DIRECTIVES[piece[1]]
            fields.append(piece[1])
        elif "%" in piece:  # a stray % at the end: let the standard library word the error
            return _standard(fmt)
        else:
            pattern += piece
    if "H" in fields and "I" in fields:
        return _standard(fmt)
    return _numeric(re.compile(pattern, re.IGNORECASE), tuple(fields), fmt)


def _standard(fmt: str) -> Reader:
    def read(text: str, zone: tzinfo | None) -> datetime:
        moment = datetime.strptime(text, fmt)
        return moment if zone is None else moment.replace(tzinfo=zone)

    return read


def _numeric(regex: re.Pattern[str], fields: tuple[str, ...], fmt: str) -> Reader:
    """Same rules as `_strptime`: a prefix match that must use all the text, year 1900 by
    default, `%y` 69–99 in the 1900s, `%I` without `%p` read as AM."""
    leading = _DATETIME_ORDER[: len(fields)]
    if len(fields) >= 3 and set(fields) == set(leading):
        # Year, month, day[, hour, minute, second]: the matched numbers are datetime's arguments.
        padding = (0,) * (len(_DATETIME_ORDER) - len(leading))

        def read_direct(text: str, zone: tzinfo | None) -> datetime:
            match = regex.match(text)
            if match is None or match.end() != len(text):
                raise ValueError(f"time data {text!r} does not match format {fmt!r}")
            year, month, day, hour, minute, second = (*map(int, match.group(*leading)), *padding)
            return datetime(year, month, day, hour, minute, second, tzinfo=zone)

        return read_direct

    index = {name: i for i, name in enumerate(fields)}
    at = [index.get(name) for name in ("Y", "y", "m", "d", "H", "I", "M", "S", "p")]
    year_at, short_year_at, month_at, day_at, hour_at, clock_at, minute_at, second_at, pm_at = at

    def read(text: str, zone: tzinfo | None) -> datetime:
        match = regex.match(text)
        if match is None or match.end() != len(text):
            raise ValueError(f"time data {text!r} does not match format {fmt!r}")
        groups = match.groups()
        year = 1900
        if year_at is not None:
            year = int(groups[year_at])
        elif short_year_at is not None:
            year = int(groups[short_year_at])
            year += 2000 if year <= 68 else 1900
        hour = 0
        if hour_at is not None:
            hour = int(groups[hour_at])
        elif clock_at is not None:
            hour = int(groups[clock_at]) % 12
            if pm_at is not None and groups[pm_at].lower() == "pm":
                hour += 12
        return datetime(
            year,
            1 if month_at is None else int(groups[month_at]),
            1 if day_at is None else int(groups[day_at]),
            hour,
            0 if minute_at is None else int(groups[minute_at]),
            0 if second_at is None else int(groups[second_at]),
            tzinfo=zone,
        )

    return read
