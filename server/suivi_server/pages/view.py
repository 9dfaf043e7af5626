"""Rows → what the page shows: journey, delivery window in plain words, history, masked details.

Pure functions of the query result, the language and the clock, so they are tested without HTTP.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from suivi import DeliveryEstimate, OpeningDay, PickupPoint, Status, Substatus, is_problem
from suivi.pickup import street
from suivi_server.pages.banners import Banner, BannerContext, banners
from suivi_server.pages.branding import Branding
from suivi_server.pages.i18n import N_, Language
from suivi_server.pages.presentation import (
    SAID_BY_DATE_BOX,
    DateBox,
    date_box_override,
    page_rule,
    shown_situations,
)
from suivi_server.pages.queries import EventRow, PageData, SituationRow, as_utc
from suivi_server.pages.wording import (
    BRANCHES,
    DAY_WITH_ODDS,
    ODDS_FROM_TENTHS,
    ODDS_UP_TO_TENTHS,
    SENTENCES,
    STEP_LABELS,
    STEP_REACHED,
    WINDOW_WITH_ODDS,
    carrier_name,
    lookup,
)

_ON_ITS_WAY = SENTENCES["in_transit"]
LATER_THAN_PLANNED = N_("Later than planned: we will update the date as soon as the carrier does")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # "done", "current", "problem" or "todo"


@dataclass(frozen=True)
class Journey:
    branch: str
    steps: tuple[Step, ...]
    position: int  # 1-based: the furthest step reached
    problem: bool = False  # a problem holds the parcel at that step


@dataclass(frozen=True)
class HistoryLine:
    day: str
    time: str
    text: str
    place: str | None


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    image_url: str | None


@dataclass(frozen=True)
class PickupCard:
    """The pickup point as the shopper reads it; the deadline is in the window line, once."""

    name: str | None
    street: str | None
    town: str | None
    opening_hours: tuple[str, ...]
    map_url: str | None


@dataclass(frozen=True)
class PageView:
    """Everything a template needs; personal fields are None/empty on a limited view."""

    brand: Branding
    headline: str
    window: str | None
    date_box: DateBox
    problem: bool
    journey: Journey
    history: tuple[HistoryLine, ...]
    carrier: str
    tracking_number: str
    pickup: PickupCard | None
    limited: bool
    banners: tuple[Banner, ...] = ()
    order_number: str | None = None
    recipient: str | None = None
    address: str | None = None
    items: tuple[Item, ...] = ()


def page_view(
    data: PageData,
    brand: Branding,
    lang: Language,
    *,
    now: datetime,
    limited: bool = False,
) -> PageView:
    s = data.shipment
    status, substatus = s["status"], s["substatus"]
    tz = zone(brand.timezone)
    today = now.astimezone(tz).date()
    rule = page_rule(status, substatus)
    latest = data.events[0] if data.events else None
    pickup = PickupPoint.model_validate(s["pickup_point"]) if s["pickup_point"] else None
    card = _pickup_card(pickup, lang) if pickup else None
    box, box_text = date_box(
        s, pickup, lang, tz, today=today, latest=latest, situations=data.situations
    )
    estimate = DeliveryEstimate.model_validate(s["estimate"]) if s["estimate"] else None
    situations = BannerContext(
        lang=lang,
        zone=tz,
        contact=brand.contact,
        tracking_number=s["tracking_number"],
        map_url=card.map_url if card else None,
        limited=limited,
        promises=promised_facts(estimate, today),
        said=SAID_BY_DATE_BOX.get(box, frozenset()) if box_text else frozenset(),
    )
    kinds = shown_situations((row.kind for row in data.situations), rule, box)
    view = PageView(
        brand=brand,
        headline=sentence(lang, status, substatus),
        window=box_text,
        date_box=box,
        problem=is_problem(Status(status), Substatus(substatus) if substatus else None),
        journey=journey(
            status,
            substatus,
            has_pickup_point=pickup is not None,
            lang=lang,
            reached=tuple((e.status, e.substatus) for e in data.events),
        ),
        history=tuple(
            HistoryLine(
                day=lang.short_day(e.occurred_at.astimezone(tz).date()),
                time=lang.clock(e.occurred_at.astimezone(tz)),
                text=sentence(lang, e.status, e.substatus),
                place=_place(e.location),
            )
            for e in data.events
        ),
        carrier=carrier_name(s["carrier"]),
        tracking_number=s["tracking_number"],
        pickup=card,
        limited=limited,
        banners=banners((row for row in data.situations if row.kind in kinds), situations),
    )
    if limited:
        return view
    return replace(
        view,
        order_number=s["order_number"],
        recipient=s["customer_name"] or None,
        address=full_address(s["shipping_address"]),
        items=tuple(_item(i) for i in s["items"] or ()),
    )


def sentence(lang: Language, status: str, substatus: str | None) -> str:
    return lang.gettext(lookup(SENTENCES, status, substatus) or _ON_ITS_WAY)


def _step(status: str, substatus: str | None) -> str:
    return lookup(STEP_REACHED, status, substatus) or "in_transit"


def journey(
    status: str,
    substatus: str | None,
    *,
    has_pickup_point: bool,
    lang: Language,
    reached: Iterable[tuple[str, str | None]] = (),
) -> Journey:
    """Place the parcel on its branch at the furthest step it ever reached on that branch.

    A refusal after "out for delivery" keeps the bar at "out for delivery", marked as a problem
    there: a bar that steps back reads as if the parcel went backwards.
    """
    current = _step(status, substatus)
    preferred = "pickup" if has_pickup_point else "home"
    branch = next(b for b in (preferred, *BRANCHES) if current in BRANCHES[b])
    keys = BRANCHES[branch]
    steps_reached = {_step(st, sub) for st, sub in reached} | {current}
    position = max(keys.index(key) for key in steps_reached if key in keys)
    final = position == len(keys) - 1
    problem = is_problem(Status(status), Substatus(substatus) if substatus else None)
    steps = tuple(
        Step(key, lang.gettext(STEP_LABELS[key]), _state(i, position, final=final, problem=problem))
        for i, key in enumerate(keys)
    )
    return Journey(branch, steps, position + 1, problem)


def _state(index: int, position: int, *, final: bool, problem: bool) -> str:
    if index < position or (index == position and final and not problem):
        return "done"
    if index == position:
        return "problem" if problem else "current"
    return "todo"


def date_box(
    s: Mapping[str, Any],
    pickup: PickupPoint | None,
    lang: Language,
    tz: ZoneInfo,
    *,
    today: date,
    latest: EventRow | None = None,
    situations: Iterable[SituationRow] = (),
) -> tuple[DateBox, str | None]:
    """The big plain words under the headline, of the kind PAGE_RULES gives the status.

    Never a day already past as an arrival, never an arrival while a problem holds the parcel
    or a banner promises a new date, and "today" only when the carrier's latest news is today.
    """
    rule = page_rule(s["status"], s["substatus"])
    box = rule.date_box
    moved_at = latest.occurred_at.astimezone(tz) if latest else None
    if box is DateBox.TODAY and (moved_at is None or moved_at.date() != today):
        box = DateBox.ESTIMATE
    box = date_box_override(box, ((r.kind, r.facts) for r in situations), rule)
    estimate = DeliveryEstimate.model_validate(s["estimate"]) if s["estimate"] else None
    if box is DateBox.DELIVERED:
        if not s["delivered_at"]:
            return box, None
        at = as_utc(s["delivered_at"]).astimezone(tz)
        return box, lang.gettext(
            "Delivered on %(date)s at %(time)s", date=lang.day(at.date()), time=lang.clock(at)
        )
    if box is DateBox.COLLECT_BY:
        if pickup and pickup.deadline and pickup.deadline >= today:
            until = lang.day(pickup.deadline)
            return box, lang.gettext("Waiting for you until %(date)s", date=until)
        return box, lang.gettext("Ready to collect")
    if box is DateBox.ATTEMPTED:
        if moved_at is None:
            return box, None
        return box, lang.gettext(
            "Delivery attempted on %(date)s at %(time)s",
            date=lang.day(moved_at.date()),
            time=lang.clock(moved_at),
        )
    if box is DateBox.TO_BE_CONFIRMED:
        return box, lang.gettext("New delivery date to be confirmed")
    if box is DateBox.NONE:
        return box, None
    if box is DateBox.TODAY:
        hours = _hours_on(estimate, today)
        if hours:
            return box, lang.gettext(
                "Arrives today, between %(start)s and %(end)s",
                start=lang.clock(hours[0]),
                end=lang.clock(hours[1]),
            )
        return box, lang.gettext("Arrives today")
    return box, _expected(estimate, s["promised_delivery_date"], lang, today)


def _expected(
    estimate: DeliveryEstimate | None, promised: date | None, lang: Language, today: date
) -> str | None:
    """The estimate's days still ahead, else the merchant's promise; a passed date says so."""
    if estimate is None:
        if promised is None:
            return None
        if promised < today:
            return lang.gettext(LATER_THAN_PLANNED)
        return lang.gettext("Expected by %(date)s", date=lang.day(promised))
    if estimate.latest < today:
        return lang.gettext(LATER_THAN_PLANNED)
    earliest = max(estimate.earliest, today)
    hours = _hours_on(estimate, earliest)
    chances = _chances(estimate, today)
    if chances and not hours:
        if earliest == estimate.latest:
            return lang.gettext(DAY_WITH_ODDS, chances=chances, date=lang.day(earliest))
        return lang.gettext(
            WINDOW_WITH_ODDS,
            chances=chances,
            start=lang.day(earliest),
            end=lang.day(estimate.latest),
        )
    if earliest != estimate.latest:
        return lang.gettext(
            "Arrives between %(start)s and %(end)s",
            start=lang.day(earliest),
            end=lang.day(estimate.latest),
        )
    if hours:
        return lang.gettext(
            "Arrives %(date)s, between %(start)s and %(end)s",
            date=lang.day(earliest),
            start=lang.clock(hours[0]),
            end=lang.clock(hours[1]),
        )
    return lang.gettext("Arrives %(date)s", date=lang.day(earliest))


def _chances(estimate: DeliveryEstimate, today: date) -> int | None:
    """The window's chance in tenths, floored so it is never overstated; None when it is too low
    to be worth saying, unknown, or no longer the window it was measured for (its first day is
    past: what is left of it is not what the confidence was stated for)."""
    if estimate.confidence is None or estimate.earliest < today:
        return None
    tenths = min(math.floor(estimate.confidence * 10 + 1e-9), ODDS_UP_TO_TENTHS)
    return tenths if tenths >= ODDS_FROM_TENTHS else None


def _hours_on(estimate: DeliveryEstimate | None, day: date) -> tuple[time, time] | None:
    """The carrier's hour window, when it is for that very day."""
    if not estimate or not estimate.earliest == day == estimate.latest:
        return None
    if estimate.start_time and estimate.end_time:
        return estimate.start_time, estimate.end_time
    return None


def promised_facts(estimate: DeliveryEstimate | None, today: date) -> dict[str, str | None]:
    """The dates banners promise, read from the estimate the date box shows (None: unsaid)."""
    ahead = estimate if estimate and estimate.latest >= today else None
    return {
        "expected_earliest": max(ahead.earliest, today).isoformat() if ahead else None,
        "expected_latest": ahead.latest.isoformat() if ahead else None,
    }


def full_address(address: Mapping[str, Any] | None) -> str | None:
    """The address as the shopper wrote it: they proved who they are, they must read it."""
    if not address:
        return None
    town = " ".join(str(address[k]) for k in ("postcode", "city") if address.get(k))
    lines = street(*(str(address[k]) for k in ("line1", "line2") if address.get(k)))
    return ", ".join(part for part in (lines, town) if part) or None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _place(location: Mapping[str, Any] | None) -> str | None:
    city = str((location or {}).get("city") or "")
    return (city.title() if city.isupper() else city) or None


def _item(raw: Mapping[str, Any]) -> Item:
    image = str(raw.get("image_url") or raw.get("image") or "")
    return Item(
        name=str(raw.get("name") or raw.get("product_id") or ""),
        quantity=int(raw.get("quantity") or 1),
        image_url=image if image.startswith(("https://", "http://", "/")) else None,
    )


def _pickup_card(point: PickupPoint, lang: Language) -> PickupCard:
    town = " ".join(p for p in (point.postcode, point.city) if p) or None
    address = ", ".join(p for p in (point.address, town) if p)
    query = ", ".join(p for p in (address, lang.country(point.country or "")) if p)
    return PickupCard(
        name=point.name,
        street=point.address,
        town=town,
        opening_hours=opening_week(point.week, lang) or point.opening_hours,
        map_url=_OSM_SEARCH + quote(query) if address else None,
    )


_OSM_SEARCH = "https://www.openstreetmap.org/search?query="


def opening_week(week: tuple[OpeningDay, ...], lang: Language) -> tuple[str, ...]:
    """'lundi – vendredi 09:00–12:30, 14:00–19:00', 'dimanche fermé': following days with
    the same hours share a line; a day the carrier did not describe is left out."""
    lines: list[str] = []
    groups: list[list[OpeningDay]] = []
    for day in week:
        last = groups[-1][-1] if groups else None
        if last and last.weekday == day.weekday - 1 and last.spans == day.spans:
            groups[-1].append(day)
        else:
            groups.append([day])
    for group in groups:
        first, final = lang.weekday(group[0].weekday), lang.weekday(group[-1].weekday)
        days = first if len(group) == 1 else f"{first} – {final}"
        spans = group[0].spans
        hours = ", ".join(f"{lang.clock(s.opens)}–{lang.clock(s.closes)}" for s in spans)
        lines.append(f"{days} {hours}" if spans else lang.gettext("%(days)s closed", days=days))
    return tuple(lines)
