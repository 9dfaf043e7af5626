"""Active situations → the banners the shopper reads: localized sentences and a real next step.

Pure functions of the stored situations, the language, the merchant's contact details and the
clock's zone. Facts arrive as JSON (dates as ISO strings); a fact that cannot be read counts as
unknown, so a sentence that needs it gives way to the next candidate instead of failing. Texts
are plain strings: the templates escape them, carrier and merchant values included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from suivi_server.pages.banner_wording import (
    BANNERS,
    FACT_FORMATS,
    PERSONAL_FACTS,
    VARIANT_FACT,
    Target,
    Tone,
    Wording,
)
from suivi_server.pages.branding import Contact
from suivi_server.pages.i18n import N_, Language
from suivi_server.pages.presentation import PROMISING
from suivi_server.pages.queries import SituationRow
from suivi_server.pages.wording import carrier_name

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_TONE_RANK = {tone: rank for rank, tone in enumerate(Tone)}
MAIL_SUBJECT = N_("Parcel %(number)s")


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    external: bool = False  # opens in a new tab


@dataclass(frozen=True)
class Banner:
    kind: str
    tone: str
    title: str
    body: str | None
    action: str | None
    links: tuple[Link, ...]


@dataclass(frozen=True)
class BannerContext:
    """What the banners need beyond the facts: the reader's language and where actions lead."""

    lang: Language
    zone: ZoneInfo
    contact: Contact
    tracking_number: str
    map_url: str | None
    limited: bool
    # Current values of the dates banners promise (None: not to be said); see PROMISING.
    promises: Mapping[str, str | None] = field(default_factory=dict)
    # Facts the date box already says (SAID_BY_DATE_BOX): left out of every banner.
    said: frozenset[str] = frozenset()


def banners(situations: Iterable[SituationRow], ctx: BannerContext) -> tuple[Banner, ...]:
    """One banner per situation given (PAGE_RULES chose them), problems first, then oldest."""
    shown = [banner for row in situations if (banner := _banner(row, ctx)) is not None]
    return tuple(sorted(shown, key=lambda b: _TONE_RANK[Tone(b.tone)]))


def wording_for(kind: str, facts: Mapping[str, Any]) -> Wording | None:
    """The `kind/variant` entry when one fact selects it, else the kind's own entry."""
    variant_fact = VARIANT_FACT.get(kind)
    if variant_fact is not None:
        value = facts.get(variant_fact)
        variant = str(value).lower() if isinstance(value, bool) else value
        if f"{kind}/{variant}" in BANNERS:
            return BANNERS[f"{kind}/{variant}"]
    return BANNERS.get(kind)


def _banner(row: SituationRow, ctx: BannerContext) -> Banner | None:
    wording = wording_for(row.kind, row.facts)
    if wording is None:
        return None
    facts = {**row.facts, **ctx.promises} if row.kind in PROMISING else dict(row.facts)
    for name in ctx.said:
        facts.pop(name, None)
    values = _values(facts, ctx)
    title = _first_complete(wording.titles, values, ctx.lang)
    if title is None:
        return None
    links = _links(wording.target, ctx) if wording.target else ()
    return Banner(
        kind=row.kind,
        tone=wording.tone.value,
        title=title,
        body=_first_complete(wording.bodies, values, ctx.lang),
        action=ctx.lang.gettext(wording.action) if wording.action and links else None,
        links=links,
    )


def _first_complete(
    candidates: Iterable[str], values: Mapping[str, str], lang: Language
) -> str | None:
    """The first sentence whose every placeholder has a value, translated and filled in."""
    for message in candidates:
        needed = _PLACEHOLDER.findall(message)
        if all(name in values for name in needed):
            return lang.gettext(message, **{name: values[name] for name in needed})
    return None


def _values(facts: Mapping[str, Any], ctx: BannerContext) -> dict[str, str]:
    """Facts written for a sentence; unknown, unreadable or personal-when-limited ones left out."""
    values: dict[str, str] = {}
    for name, raw in facts.items():
        if ctx.limited and name in PERSONAL_FACTS:
            continue
        written = _FORMATTERS[FACT_FORMATS.get(name, "text")](raw, ctx)
        if written:
            values[name] = written
    return values


def _day(raw: Any, ctx: BannerContext) -> str | None:
    """Dates stay as they are; instants are read in the merchant's zone before taking the day."""
    try:
        if isinstance(raw, str) and "T" in raw:
            moment = datetime.fromisoformat(raw)
            day = moment.astimezone(ctx.zone).date() if moment.tzinfo else moment.date()
        elif isinstance(raw, str):
            day = date.fromisoformat(raw)
        else:
            return None
    except ValueError:
        return None
    return ctx.lang.day(day)


def _carrier(raw: Any, ctx: BannerContext) -> str | None:
    return carrier_name(raw) if isinstance(raw, str) and raw else None


def _text(raw: Any, ctx: BannerContext) -> str | None:
    return raw.strip() or None if isinstance(raw, str) else None


_FORMATTERS: Mapping[str, Callable[[Any, BannerContext], str | None]] = {
    "day": _day,
    "carrier": _carrier,
    "text": _text,
}


def _links(target: Target, ctx: BannerContext) -> tuple[Link, ...]:
    """Only links that lead somewhere real: no contact details, no link."""
    if target is Target.MAP:
        return (
            (Link(ctx.lang.gettext("See on a map"), ctx.map_url, external=True),)
            if ctx.map_url
            else ()
        )
    contact, lang = ctx.contact, ctx.lang
    links: list[Link] = []
    if contact.phone and contact.phone_link:
        # The number itself is in the page header and the help section: said once more is enough.
        links.append(Link(lang.gettext("Call us"), contact.phone_link))
    if contact.email:
        subject = quote(lang.gettext(MAIL_SUBJECT, number=ctx.tracking_number))
        href = f"mailto:{quote(contact.email, safe='@')}?subject={subject}"
        links.append(Link(lang.gettext("Write to us"), href))
    if contact.chat_url:
        links.append(Link(lang.gettext("Chat with us"), contact.chat_url, external=True))
    return tuple(links)
