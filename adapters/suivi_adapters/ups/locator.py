"""UPS Locator API: the Access Point a tracked parcel waits at, with its id and its week.

The Track API names the Access Point (name, street, postcode) but gives neither its id nor its
hours. The Locator lists the Access Points near an address: `POST /api/locations/v3/search/
availabilities/64` (64: UPS Access Point locations; OAuth bearer token, `transId` and
`transactionSrc` headers as for tracking) with `{"LocatorRequest": {Request{RequestAction
"Locator"}, OriginAddress{AddressKeyFormat{AddressLine, PoliticalDivision2 (city),
PostcodePrimaryLow, CountryCode}}, Translate{Locale}, UnitOfMeasurement{Code KM},
LocationSearchCriteria{AccessPointSearch{AccessPointStatus "01" (active)}, MaximumListSize,
SearchRadius}}}` answers `{"LocatorResponse": {Response{ResponseStatusCode 1}, SearchResults{
DropLocation[]{AddressKeyFormat{ConsigneeName, AddressLine, PoliticalDivision2,
PostcodePrimaryLow, CountryCode}, AccessPointInformation{PublicAccessPointID},
OperatingHours{StandardHours[]{HoursType (10: regular), DayOfWeek[]{Day 1 Sunday .. 7 Saturday,
OpenHours, CloseHours (HHMM without a leading zero, "0" for midnight; a list when the day has
a break), ClosedIndicator, Open24HoursIndicator}}}}}}}`; errors are `{"response": {"errors":
[...]}}` as for tracking. From v3 on, the repeated elements are always arrays (v1 sent one
object alone); both are read. The point is the one of the same name at the same postcode.

Sources: UPS-API/api-documentation `Locator.yaml` (v3: paths, LocatorRequest,
LocationSearchCriteria_AccessPointSearch, SearchResults_DropLocation, StandardHours_DayOfWeek);
UPS-API/java-api-examples `locator/` (LocatorRequest.json, StandardHoursDayOfWeek.md); an
Access Point search by address in ups-mcp `find_locations` (reqOption 64, AccessPointSearch
AccessPointStatus 01); UPS's EU WooCommerce plugin reading DayOfWeek (OpenHours/CloseHours as a
string or as paired lists, ClosedIndicator, Open24HoursIndicator).
"""

from __future__ import annotations

from typing import Any, Final

from suivi.toolkit import (
    OpeningSpan,
    PickupPoint,
    spans_from_slots,
    street,
    week,
)

PATH: Final = "/api/locations/v3/search/availabilities/64"
REGULAR_HOURS: Final = "10"  # HoursType of the regular opening hours
SEARCH_RADIUS_KM: Final = "5"
MAX_LOCATIONS: Final = "20"
ALL_DAY: Final = ("0000", "2400")
# DayOfWeek.Day (1 Sunday .. 7 Saturday) → weekday, 0 Monday.
WEEKDAYS: Final = {"1": 6, "2": 0, "3": 1, "4": 2, "5": 3, "6": 4, "7": 5}


def search_body(point: PickupPoint, locale: str) -> dict[str, Any]:
    """An Access Point search around the tracked point's address."""
    origin = {
        "AddressLine": point.address or "",
        "PoliticalDivision2": point.city or "",
        "PostcodePrimaryLow": point.postcode or "",
        "CountryCode": point.country or "FR",
    }
    return {
        "LocatorRequest": {
            "Request": {"RequestAction": "Locator"},
            "OriginAddress": {"AddressKeyFormat": origin},
            "Translate": {"Locale": locale},
            "UnitOfMeasurement": {"Code": "KM"},
            "LocationSearchCriteria": {
                "AccessPointSearch": {"AccessPointStatus": "01"},
                "MaximumListSize": MAX_LOCATIONS,
                "SearchRadius": SEARCH_RADIUS_KM,
            },
        }
    }


def drop_locations(data: Any) -> list[dict[str, Any]]:
    """The answer's DropLocations; [] when it lists none. Raises on another shape."""
    results = data["LocatorResponse"].get("SearchResults") or {}
    return [entry for entry in _many(results.get("DropLocation")) if isinstance(entry, dict)]


def matching(locations: list[dict[str, Any]], name: str, postcode: str) -> PickupPoint | None:
    """The listed Access Point of that name at that postcode, described; None if absent."""
    wanted = _folded(name)
    for location in locations:
        address = location.get("AddressKeyFormat") or {}
        at = _text(address.get("PostcodePrimaryLow"))
        if _folded(address.get("ConsigneeName")) == wanted and (not postcode or at == postcode):
            return access_point(location)
    return None


def access_point(location: dict[str, Any]) -> PickupPoint:
    """One DropLocation as a pickup point: id, address and week."""
    address = location.get("AddressKeyFormat") or {}
    info = location.get("AccessPointInformation") or {}
    return PickupPoint(
        name=_text(address.get("ConsigneeName")),
        identifier=_text(info.get("PublicAccessPointID")),
        address=street(*(_text(line) for line in _many(address.get("AddressLine")))),
        postcode=_text(address.get("PostcodePrimaryLow")),
        city=_text(address.get("PoliticalDivision2")),
        country=_text(address.get("CountryCode")),
        week=week(_days(location.get("OperatingHours") or {})),
    )


def _days(hours: dict[str, Any]) -> list[tuple[int, tuple[OpeningSpan, ...]]]:
    """The regular hours' days (else the first set listed); a day not listed is closed."""
    sets = [entry for entry in _many(hours.get("StandardHours")) if isinstance(entry, dict)]
    chosen = next((s for s in sets if str(s.get("HoursType")) == REGULAR_HOURS), None)
    chosen = chosen or (sets[0] if sets else None)
    if chosen is None:
        return []
    days: dict[int, tuple[OpeningSpan, ...]] = dict.fromkeys(range(7), ())
    for day in _many(chosen.get("DayOfWeek")):
        weekday = WEEKDAYS.get(str(day.get("Day", "")).strip()) if isinstance(day, dict) else None
        if weekday is not None:
            days[weekday] = _spans(day)
    return list(days.items())


def _spans(day: dict[str, Any]) -> tuple[OpeningSpan, ...]:
    if day.get("ClosedIndicator") is not None:  # presence indicators: any value, even ""
        return ()
    if day.get("Open24HoursIndicator") is not None:
        return spans_from_slots(ALL_DAY)
    opens = [_hhmm(t) for t in _many(day.get("OpenHours"))]
    closes = [_hhmm(t, closing=True) for t in _many(day.get("CloseHours"))]
    return spans_from_slots([slot for pair in zip(opens, closes, strict=False) for slot in pair])


def _hhmm(value: Any, *, closing: bool = False) -> str:
    """930 → "0930"; a closing "0" is midnight at the end of the day."""
    digits = str(value).strip()
    if closing and digits.isdigit() and int(digits) == 0:
        return ALL_DAY[1]
    return digits.zfill(4)


def _many(value: Any) -> list[Any]:
    """A repeated element: a list from v3 on, one object alone in v1."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _folded(name: Any) -> str:
    return " ".join(str(name or "").split()).casefold()


def _text(value: Any) -> str | None:
    return (str(value).strip() or None) if value is not None else None
