"""A notification's words in the shopper's language: what the email and the SMS channels render.

Pure function of the message, the language and the day: the texts come from WORDINGS (the first
candidate whose facts are all known), the values from the situation's facts and the shipment as
it is now, so a message sent late promises the current expected dates, the ones the page shows.
Texts are plain strings: the email template escapes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from pydantic import ValidationError

from suivi import PickupPoint
from suivi_server.notifications.message import STATUS_CHANGED, OutboundMessage
from suivi_server.notifications.message_wording import (
    CHROME,
    FACT_FORMATS,
    VARIANT_FACT,
    WORDINGS,
    Wording,
)
from suivi_server.pages.i18n import Language
from suivi_server.pages.view import opening_week, promised_facts, sentence, zone
from suivi_server.pages.wording import carrier_name

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Characters GSM-7 lacks, written as the GSM-7 ones an SMS reader expects.
_GSM_PLAIN = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-", "…": "..."}
    | dict.fromkeys(("\u00a0", "\u202f", "\u2009"), " ")
)


@dataclass(frozen=True)
class MessageText:
    subject: str
    heading: str
    paragraphs: tuple[str, ...]
    action: str  # the button label
    sms: str  # the short text, without the link the SMS channel appends


def message_text(message: OutboundMessage, lang: Language, *, today: date) -> MessageText:
    """The words of one notification; `today` is the shopper's day, for dates still ahead."""
    wording = wording_for(message.event, message.facts)
    values = _values(message, lang, today)
    return MessageText(
        subject=_first(wording.subjects, values, lang),
        heading=_first(wording.headings, values, lang),
        paragraphs=tuple(
            text
            for candidates in wording.paragraphs
            if (text := _first_complete(candidates, values, lang)) is not None
        ),
        action=_first(wording.actions, values, lang),
        sms=_first(wording.sms, values, lang).translate(_GSM_PLAIN),
    )


def chrome(lang: Language, key: str, **values: object) -> str:
    """The email's and the unsubscribe page's own strings (see CHROME for the keys)."""
    return lang.gettext(CHROME[key], **values)


def wording_for(event: str, facts: Mapping[str, Any]) -> Wording:
    """The `kind/variant` entry when one fact selects it, the event's own entry otherwise; an
    event this table does not know reads as a status change."""
    variant_fact = VARIANT_FACT.get(event)
    if variant_fact is not None:
        value = facts.get(variant_fact)
        variant = str(value).lower() if isinstance(value, bool) else value
        if f"{event}/{variant}" in WORDINGS:
            return WORDINGS[f"{event}/{variant}"]
    return WORDINGS.get(event) or WORDINGS[STATUS_CHANGED]


def _first(candidates: Iterable[str], values: Mapping[str, str], lang: Language) -> str:
    text = _first_complete(candidates, values, lang)
    if text is None:
        raise ValueError(f"no candidate of {tuple(candidates)!r} can be filled in")
    return text


def _first_complete(
    candidates: Iterable[str], values: Mapping[str, str], lang: Language
) -> str | None:
    """The first sentence whose every placeholder has a value, translated and filled in."""
    for message in candidates:
        needed = _PLACEHOLDER.findall(message)
        if all(name in values for name in needed):
            return lang.gettext(message, **{name: values[name] for name in needed})
    return None


def _values(message: OutboundMessage, lang: Language, today: date) -> dict[str, str]:
    """Facts written for a sentence, then what the shipment says now; unknown ones left out."""
    tz = zone(message.timezone)
    shipment = message.shipment
    values = {
        name: written
        for name, raw in message.facts.items()
        if (written := _FORMATTERS[FACT_FORMATS.get(name, "text")](raw, lang, tz))
    }
    values.pop("expected_earliest", None)
    values.pop("expected_latest", None)
    if (passed := _as_date(message.facts.get("expected_latest"), tz)) and passed < today:
        values["passed_date"] = lang.day(passed)
    promised = promised_facts(shipment.estimate, today)
    earliest, latest = promised["expected_earliest"], promised["expected_latest"]
    if latest:
        values["expected_latest"] = lang.day(date.fromisoformat(latest))
        values["sms_latest"] = _numeric(date.fromisoformat(latest), lang)
        if earliest and earliest != latest:
            values["expected_earliest"] = lang.day(date.fromisoformat(earliest))
    values.update(_pickup_values(message, lang, tz))
    values.update(
        merchant=message.merchant.name,
        order_number=shipment.order_number,
        tracking_number=shipment.tracking_number,
        carrier=carrier_name(shipment.carrier),
        status_sentence=sentence(lang, shipment.status, shipment.substatus),
    )
    return values


def _pickup_values(message: OutboundMessage, lang: Language, tz: ZoneInfo) -> dict[str, str]:
    """Where the parcel waits, its hours and deadline: the shipment's point, else the facts'."""
    try:
        point = PickupPoint.model_validate(message.shipment.pickup_point or {})
    except ValidationError:
        point = PickupPoint()
    facts = message.facts
    town = " ".join(str(p) for p in (point.postcode, point.city) if p) or " ".join(
        str(facts[k]) for k in ("postcode", "city") if isinstance(facts.get(k), str)
    )
    hours = opening_week(point.week, lang) or point.opening_hours
    deadline = point.deadline or _as_date(facts.get("deadline"), tz)
    found = {
        "name": point.name,
        "address": point.address,
        "town": town,
        "opening_hours": "; ".join(hours),
        "deadline": lang.day(deadline) if deadline else None,
        "sms_deadline": _numeric(deadline, lang) if deadline else None,
    }
    return {name: value.strip() for name, value in found.items() if value and value.strip()}


def _numeric(day: date, lang: Language) -> str:
    """'27/11', '27.11.': an SMS date, short and written with GSM-7 characters only."""
    return format_skeleton("dM", day, locale=lang.locale)


def _as_date(raw: Any, tz: ZoneInfo) -> date | None:
    """Dates stay as they are; instants are read in the shopper's zone before taking the day."""
    if not isinstance(raw, str):
        return None
    try:
        if "T" in raw:
            moment = datetime.fromisoformat(raw)
            return moment.astimezone(tz).date() if moment.tzinfo else moment.date()
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _day(raw: Any, lang: Language, tz: ZoneInfo) -> str | None:
    day = _as_date(raw, tz)
    return lang.day(day) if day else None


def _clock(raw: Any, lang: Language, tz: ZoneInfo) -> str | None:
    try:
        return lang.clock(time.fromisoformat(raw)) if isinstance(raw, str) else None
    except ValueError:
        return None


def _lines(raw: Any, lang: Language, tz: ZoneInfo) -> str | None:
    if not isinstance(raw, list | tuple):
        return None
    return "; ".join(str(line).strip() for line in raw if str(line).strip()) or None


def _text(raw: Any, lang: Language, tz: ZoneInfo) -> str | None:
    return raw.strip() or None if isinstance(raw, str) else None


_FORMATTERS: Mapping[str, Callable[[Any, Language, ZoneInfo], str | None]] = {
    "day": _day,
    "clock": _clock,
    "lines": _lines,
    "text": _text,
}
