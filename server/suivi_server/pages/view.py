"""Rows → what the page shows: journey, delivery window in plain words, history, masked details.

Pure functions of the query result, the language and the clock, so they are tested without HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from suivi import DeliveryEstimate, PickupPoint, Status, Substatus, is_problem
from suivi_server.pages.banners import Banner, BannerContext, banners
from suivi_server.pages.branding import Branding
from suivi_server.pages.i18n import Language
from suivi_server.pages.queries import PageData, as_utc
from suivi_server.pages.wording import (
    BRANCHES,
    SENTENCES,
    STEP_LABELS,
    STEP_REACHED,
    carrier_name,
    lookup,
)

_ON_ITS_WAY = SENTENCES["in_transit"]


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class Journey:
    branch: str
    steps: tuple[Step, ...]
    position: int


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
    name: str | None
    address: str
    opening_hours: tuple[str, ...]
    deadline: str | None
    map_url: str


@dataclass(frozen=True)
class PageView:
    """Everything a template needs; personal fields are None/empty on a limited view."""

    brand: Branding
    headline: str
    window: str | None
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
    limited: bool = False,
    now: datetime | None = None,
) -> PageView:
    s = data.shipment
    status, substatus = s["status"], s["substatus"]
    tz = zone(brand.timezone)
    pickup = PickupPoint.model_validate(s["pickup_point"]) if s["pickup_point"] else None
    card = _pickup_card(pickup, lang) if pickup else None
    situations = BannerContext(
        lang=lang,
        zone=tz,
        contact=brand.contact,
        tracking_number=s["tracking_number"],
        map_url=card.map_url if card else None,
        limited=limited,
    )
    view = PageView(
        brand=brand,
        headline=sentence(lang, status, substatus),
        window=window(s, pickup, lang, tz, today=now.astimezone(tz).date() if now else None),
        problem=is_problem(Status(status), Substatus(substatus) if substatus else None),
        journey=journey(status, substatus, has_pickup_point=pickup is not None, lang=lang),
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
        banners=banners(data.situations, situations),
    )
    if limited:
        return view
    return replace(
        view,
        order_number=s["order_number"],
        recipient=mask(s["customer_name"]) if s["customer_name"] else None,
        address=masked_address(s["shipping_address"]),
        items=tuple(_item(i) for i in s["items"] or ()),
    )


def sentence(lang: Language, status: str, substatus: str | None) -> str:
    return lang.gettext(lookup(SENTENCES, status, substatus) or _ON_ITS_WAY)


def journey(
    status: str, substatus: str | None, *, has_pickup_point: bool, lang: Language
) -> Journey:
    """Place the parcel on its branch: home delivery, pickup point, or back to the shop."""
    reached = lookup(STEP_REACHED, status, substatus) or "in_transit"
    preferred = "pickup" if has_pickup_point else "home"
    branch = next(b for b in (preferred, *BRANCHES) if reached in BRANCHES[b])
    keys = BRANCHES[branch]
    position = keys.index(reached)
    final = position == len(keys) - 1
    steps = tuple(
        Step(
            key,
            lang.gettext(STEP_LABELS[key]),
            "done" if i < position or final else "current" if i == position else "todo",
        )
        for i, key in enumerate(keys)
    )
    return Journey(branch, steps, position + 1)


def window(
    s: Mapping[str, Any],
    pickup: PickupPoint | None,
    lang: Language,
    tz: ZoneInfo,
    *,
    today: date | None = None,
) -> str | None:
    """The expected delivery in big plain words, or what already happened.

    A window already past while the parcel still travels is never shown as "Arrives <past
    day>": the shopper reads that it is late and that the date follows the carrier's news.
    """
    status = s["status"]
    if status == "delivered" and s["delivered_at"]:
        at = as_utc(s["delivered_at"]).astimezone(tz)
        return lang.gettext(
            "Delivered on %(date)s at %(time)s", date=lang.day(at.date()), time=lang.clock(at)
        )
    if status == "available_for_pickup" and pickup and pickup.deadline:
        return lang.gettext("Waiting for you until %(date)s", date=lang.day(pickup.deadline))
    if status in {"delivered", "returning", "returned", "expired"}:
        return None
    if s["estimate"]:
        est = DeliveryEstimate.model_validate(s["estimate"])
        if today is not None and est.latest < today:
            return lang.gettext(
                "Later than planned: we will update the date as soon as the carrier does"
            )
        if est.earliest != est.latest:
            return lang.gettext(
                "Arrives between %(start)s and %(end)s",
                start=lang.day(est.earliest),
                end=lang.day(est.latest),
            )
        if est.start_time and est.end_time:
            return lang.gettext(
                "Arrives %(date)s, between %(start)s and %(end)s",
                date=lang.day(est.earliest),
                start=lang.clock(est.start_time),
                end=lang.clock(est.end_time),
            )
        return lang.gettext("Arrives %(date)s", date=lang.day(est.earliest))
    promised: date | None = s["promised_delivery_date"]
    return lang.gettext("Expected by %(date)s", date=lang.day(promised)) if promised else None


def mask(text: str) -> str:
    """'Camille Martin' → 'C•••••• M•••••': recognisable to its owner, useless to others."""
    return " ".join(word[0] + "•" * (len(word) - 1) for word in text.split())


def masked_address(address: Mapping[str, Any] | None) -> str | None:
    """Street lines masked; postcode and town kept so the shopper recognises the place."""
    if not address:
        return None
    street = ", ".join(mask(str(address[k])) for k in ("line1", "line2") if address.get(k))
    town = " ".join(str(address[k]) for k in ("postcode", "city") if address.get(k))
    return ", ".join(part for part in (street, town) if part) or None


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
    town = " ".join(p for p in (point.postcode, point.city) if p)
    address = ", ".join(p for p in (point.address, town) if p)
    url = point.url if point.url and point.url.startswith("https://") else None
    return PickupCard(
        name=point.name,
        address=address,
        opening_hours=point.opening_hours,
        deadline=lang.day(point.deadline) if point.deadline else None,
        map_url=url or "https://www.openstreetmap.org/search?query=" + quote(address),
    )
