"""UPS — Track API v1 (REST, JSON) with OAuth 2.0 client credentials.

Real endpoints (base `https://onlinetools.ups.com`, test `https://wwwcie.ups.com`):
- `POST /security/v1/oauth/token`, `Authorization: Basic base64(client_id:client_secret)`,
  form body `grant_type=client_credentials` → `{access_token, expires_in (string seconds), …}`;
  errors `{"response": {"errors": [{"code", "message"}]}}`.
- `GET /api/track/v1/details/{inquiryNumber}?locale=…&returnSignature=false&returnMilestones=false
  &returnPOD=false` with `Authorization: Bearer …`, `transId` (unique per request) and
  `transactionSrc`. One number per request. Not found: 404 with error TW0001, or 200 with a
  TW0001 shipment warning; TV1002 (400): invalid inquiry number.

Numbers: `1Z` + 16 (mod-10 check digit), UPS Freight PRO (9 digits) and `T` + 10 digits
(no published check digit, so they rank below check-digit matches in `detect`).
Times: each activity carries its GMT date/time and offset, giving exact aware timestamps.
Locale defaults to `fr_FR` (French shoppers read the labels); normalization never depends on
the wording except for the label-dependent code 011 (see `codes.py`).
Sources: UPS-API/api-documentation `Tracking.yaml` and `OAuthClientCredentials.yaml`;
UPS "API codes" pages; carrier-samples README §5.

An Access Point's id and opening hours come from the Locator API, with the same token: the
tracked point is looked for among the Access Points near its address (see `locator.py`).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from datetime import time as day_time
from functools import lru_cache
from typing import Any, ClassVar

import httpx

from suivi import (
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    DeliveryEstimate,
    Location,
    NumberPattern,
    PickupPoint,
    RawResponse,
    Status,
    StatusMap,
    Tracking,
    TrackingEvent,
)
from suivi._checkdigits import is_valid_ups
from suivi._models import shared_location
from suivi._statusmap import Mapping as CodeMapping
from suivi._time import strptime
from suivi.errors import CarrierAuthError, CarrierError, SuiviError, TrackingNumberInvalid
from suivi_adapters.ups import codes, locator

TOKEN_PATH = "/security/v1/oauth/token"
TRACK_PATH = "/api/track/v1/details/"
TRANSACTION_SRC = "suivi"
TOKEN_MARGIN = 60.0  # seconds before expiry at which a cached token is renewed
LBS_TO_KG = 0.45359237
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")
_PICKUP_ADDRESS_TYPES = ("ACCESS_POINT", "DELIVERY", "DESTINATION")
LOG = logging.getLogger(__name__)


class UpsSettings(AdapterSettings):
    client_id: str | None = None
    client_secret: str | None = None
    locale: str = "fr_FR"


class UpsAdapter(Adapter):
    name: ClassVar[str] = "ups"
    display_name: ClassVar[str] = "UPS"
    countries: ClassVar[tuple[str, ...]] = ("FR", "DE", "BE", "NL", "ES", "IT", "GB", "US")
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"1Z[0-9A-Z]{16}", "1Z + 16 letters/digits", is_valid_ups),
        NumberPattern(r"T\d{10}", "T + 10 digits"),
        NumberPattern(r"\d{9}", "9-digit freight PRO number"),
    )
    default_base_url: ClassVar[str] = "https://onlinetools.ups.com"
    settings_model: ClassVar[type[AdapterSettings]] = UpsSettings
    status_map: ClassVar[StatusMap] = codes.STATUS_MAP
    simulator: ClassVar[str | None] = "suivi_adapters.ups.simulator:routes"

    def __init__(
        self,
        settings: AdapterSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(settings)
        self.clock = clock
        self._token: tuple[str, float] | None = None  # (access token, renew at clock time)
        self._token_lock = asyncio.Lock()

    # -- transport -------------------------------------------------------------------------

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        """One GET per number."""
        if len(numbers) != 1:
            raise ValueError("UPS tracks one number per request")
        number = numbers[0]
        return await self._authorized(http, lambda t: self._track_request(number, t), (number,))

    async def fetch_point(
        self, point: PickupPoint, http: CarrierHTTP, *, tracking: Tracking
    ) -> RawResponse:
        """The Locator's Access Points near the tracked one (the search needs no day from
        `tracking`); `requested`: its name and postcode."""
        wanted = (point.name or "", point.postcode or "")
        return await self._authorized(http, lambda t: self._locator_request(point, t), wanted)

    def parse_point(self, raw: RawResponse) -> PickupPoint | None:
        """The listed Access Point named as asked (`raw.requested`); None if not listed."""
        data = self.load_json(raw)
        errors = _errors(data)
        if errors:
            message = "; ".join(f"{code} {text}" for code, text in errors)
            raise self.invalid(f"UPS Locator error: {message}", raw)
        name, postcode = (*raw.requested, "", "")[:2]
        try:
            return locator.matching(locator.drop_locations(data), name, postcode)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            reason = f"unexpected Locator body ({type(exc).__name__}: {exc})"
            raise self.invalid(reason, raw) from None

    async def _authorized(
        self,
        http: CarrierHTTP,
        build: Callable[[str], httpx.Request],
        requested: tuple[str, ...],
    ) -> RawResponse:
        """`build(token)` sent with the cached token; a 401 renews it and retries once."""
        token = await self._access_token(http)
        try:
            return await http.send(build(token), requested=requested)
        except CarrierAuthError as error:
            if error.http_status != 401:
                raise
            self._drop_token(token)
        token = await self._access_token(http)
        return await http.send(build(token), requested=requested)

    def _headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "transId": uuid.uuid4().hex,
            "transactionSrc": TRANSACTION_SRC,
            "Accept": "application/json",
        }

    def _locator_request(self, point: PickupPoint, token: str) -> httpx.Request:
        locale = getattr(self.settings, "locale", "fr_FR")
        return httpx.Request(
            "POST",
            f"{self.base_url}{locator.PATH}",
            params={"Locale": locale},
            json=locator.search_body(point, locale),
            headers=self._headers(token),
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )

    def _track_request(self, number: str, token: str) -> httpx.Request:
        locale = getattr(self.settings, "locale", "fr_FR")
        return httpx.Request(
            "GET",
            f"{self.base_url}{TRACK_PATH}{number}",
            params={
                "locale": locale,
                "returnSignature": "false",
                "returnMilestones": "false",
                "returnPOD": "false",
            },
            headers=self._headers(token),
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )

    async def _access_token(self, http: CarrierHTTP) -> str:
        """The cached token, or a new one; the lock makes concurrent callers share one fetch."""
        async with self._token_lock:
            if self._token is not None and self.clock() < self._token[1]:
                return self._token[0]
            credentials = f"{self.require('client_id')}:{self.require('client_secret')}"
            request = httpx.Request(
                "POST",
                f"{self.base_url}{TOKEN_PATH}",
                headers={
                    "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
                content=b"grant_type=client_credentials",
                extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
            )
            raw = await http.send(request)
            token, lifetime = self._read_token(raw)
            self._token = (token, self.clock() + max(0.0, lifetime - TOKEN_MARGIN))
            return token

    def _read_token(self, raw: RawResponse) -> tuple[str, float]:
        data = self.load_json(raw)
        errors = _errors(data)
        if raw.status_code != 200 or errors:
            message = "; ".join(f"{code} {text}" for code, text in errors) or "token refused"
            raise CarrierAuthError(
                f"OAuth: {message}", carrier=self.name, http_status=raw.status_code, body=raw.body
            )
        try:
            return str(data["access_token"]), float(data["expires_in"])
        except (KeyError, TypeError, ValueError):
            raise self.invalid("OAuth answer without access_token/expires_in", raw) from None

    def _drop_token(self, token: str) -> None:
        if self._token is not None and self._token[0] == token:
            self._token = None

    def error_for(self, raw: RawResponse) -> CarrierError | None:
        """The SDK's HTTP mapping, with UPS's own error code and message added."""
        error = super().error_for(raw)
        if error is not None:
            try:
                errors = _errors(self.load_json(raw))
            except SuiviError:
                errors = []
            if errors:
                error.message += " (" + "; ".join(f"{c} {m}" for c, m in errors) + ")"
        return error

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, raw: RawResponse) -> list[Tracking]:
        data = self.load_json(raw)
        number = raw.requested[0] if raw.requested else ""
        try:
            errors = _errors(data)
            if errors or "trackResponse" not in data:
                return [self._error_answer(errors, number, raw)]
            return [
                tracking
                for shipment in data["trackResponse"]["shipment"]
                for tracking in self._shipment(shipment, number)
            ]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise self.invalid(f"unexpected UPS body ({type(exc).__name__}: {exc})", raw) from None

    def _error_answer(
        self, errors: list[tuple[str, str]], number: str, raw: RawResponse
    ) -> Tracking:
        found = {code for code, _ in errors}
        message = "; ".join(f"{code} {text}" for code, text in errors)
        if found & codes.INVALID_NUMBER_CODES:
            raise TrackingNumberInvalid(message, carrier=self.name, number=number or None)
        if found & codes.AUTH_ERROR_CODES:
            raise CarrierAuthError(
                message, carrier=self.name, http_status=raw.status_code, body=raw.body
            )
        if found & codes.NOT_FOUND_CODES or (errors and raw.status_code == 404):
            return self._not_found(number)
        raise self.invalid(f"UPS error: {message or 'no trackResponse'}", raw)

    def _not_found(self, number: str) -> Tracking:
        return Tracking.from_events(self.name, number, [])

    def _shipment(self, shipment: dict[str, Any], number: str) -> list[Tracking]:
        inquiry = str(shipment.get("inquiryNumber") or number)
        warnings = {str(w.get("code")) for w in shipment.get("warnings") or []}
        packages = shipment.get("package") or []
        if not packages and warnings & codes.NOT_FOUND_CODES:
            return [self._not_found(inquiry)]
        return [self._package(package, inquiry) for package in packages]

    def _package(self, package: dict[str, Any], inquiry: str) -> Tracking:
        number = str(package.get("trackingNumber") or inquiry)
        events = self._events(package.get("activity") or [], number)
        destination = _address(package, ("DESTINATION",)) or {}
        origin = _address(package, ("ORIGIN",)) or {}
        current = _status_key(package.get("currentStatus") or {}, self.status_map)
        delivery = package.get("deliveryInformation") or {}
        return Tracking.from_events(
            self.name,
            number,
            events,
            sequence=codes.SEQUENCE,
            status_without_events=self.status_map.lookup(current).status
            if current in self.status_map
            else Status.PENDING,
            estimate=self._estimate(package),
            service=_text((package.get("service") or {}).get("description")),
            pickup_point=self._pickup_point(package),
            signed_by=_text(delivery.get("receivedBy")),
            weight_kg=_weight_kg(package.get("weight")),
            origin_country=_text(origin.get("countryCode")),
            destination_country=_text(destination.get("countryCode")),
            destination_postcode=_text(destination.get("postalCode")),
        )

    def _event(self, activity: dict[str, Any]) -> TrackingEvent:
        status = activity["status"]
        code = _status_key(status, self.status_map)
        label = _text(status.get("description")) or _text(status.get("simplifiedTextDescription"))
        address = (activity.get("location") or {}).get("address") or {}
        return self.event(
            timestamp=self._timestamp(activity),
            code=code,
            label=label or code,
            location=_location(address),
            mapping=self.reason_mapping(code, status.get("code"), label or ""),
        )

    def reason_mapping(self, key: str, reason: Any, label: str) -> CodeMapping | None:
        """What the two-letter reason (`status.code`) says, when it may overrule `key`: the
        status code is generic or absent (`key` is then the activity type), or both agree on
        the status and the reason is more precise. None: the status code decides."""
        reason_key = StatusMap.normalize_code(str(reason or ""))
        if reason_key not in codes.REASON_CODES:
            return None
        by_reason = codes.REASON_CODES.lookup(reason_key)
        if not key.isdigit() or key in codes.GENERIC_STATUS_CODES:
            return by_reason
        return by_reason if self.map_code(key, label).status is by_reason.status else None

    def _events(self, activities: list[Any], number: str) -> list[TrackingEvent]:
        """Every readable activity; an unreadable one is skipped, counted and logged, so one
        bad date never loses the others. None readable out of some: the body is broken."""
        events: list[TrackingEvent] = []
        for activity in activities:
            try:
                events.append(self._event(activity))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                LOG.warning("UPS %s: activity skipped (%s: %s)", number, type(exc).__name__, exc)
        skipped = len(activities) - len(events)
        if skipped and not events:
            raise ValueError(f"none of the {skipped} activities of {number} is readable")
        if skipped:
            LOG.warning("UPS %s: %d of %d activities skipped", number, skipped, len(activities))
        return events

    def _timestamp(self, activity: dict[str, Any]) -> datetime:
        """GMT date/time moved to the activity's offset; else local time + offset; else Paris."""
        offset = _offset(activity.get("gmtOffset"))
        gmt_date, gmt_time = activity.get("gmtDate"), activity.get("gmtTime")
        if offset is not None and gmt_date and gmt_time:
            return _compact(gmt_date, gmt_time, UTC).astimezone(offset)
        zone = offset if offset is not None else self.timezone
        return _compact(activity["date"], activity.get("time") or "0", zone)

    def _estimate(self, package: dict[str, Any]) -> DeliveryEstimate | None:
        """Delivered, else rescheduled, else scheduled date; the time window when given."""
        dates = {d.get("type"): _day(d.get("date")) for d in package.get("deliveryDate") or []}
        day = next((dates[t] for t in codes.DELIVERY_DATE_PRIORITY if dates.get(t)), None)
        if day is None:
            return None
        window = package.get("deliveryTime") or {}
        return DeliveryEstimate(
            earliest=day,
            latest=day,
            start_time=_clock_time(window.get("startTime")),
            end_time=_clock_time(window.get("endTime")),
            source="carrier",
        )

    def _pickup_point(self, package: dict[str, Any]) -> PickupPoint | None:
        """The UPS Access Point a parcel waits at: its address entry and the collect-by date."""
        access_point = package.get("accessPointInformation")
        if not isinstance(access_point, dict):
            return None
        entry = _address(package, _PICKUP_ADDRESS_TYPES, whole=True) or {}
        address = entry.get("address") or {}
        street = [_text(address.get(f"addressLine{i}")) for i in (1, 2, 3)]
        point = PickupPoint(
            name=_text(entry.get("name")),
            address=", ".join(line for line in street if line) or None,
            postcode=_text(address.get("postalCode")),
            city=_text(address.get("city")),
            country=_text(address.get("countryCode")),
            deadline=_day(access_point.get("pickupByDate")),
        )
        return point if point != PickupPoint() else None


# -- small pure helpers ------------------------------------------------------------------------


def _errors(data: Any) -> list[tuple[str, str]]:
    """`{"response": {"errors": [...]}}` as (code, message) pairs; [] for any other shape."""
    response = data.get("response") if isinstance(data, dict) else None
    errors = response.get("errors") if isinstance(response, dict) else None
    if not isinstance(errors, list):
        return []
    return [
        (str(e.get("code", "")), str(e.get("message", ""))) for e in errors if isinstance(e, dict)
    ]


def _status_key(status: dict[str, Any], table: StatusMap) -> str:
    """The 3-digit statusCode when the table knows it, else the activity type."""
    status_code = str(status.get("statusCode") or "").strip()
    if status_code.isdigit():
        status_code = status_code.zfill(3)
    kind = str(status.get("type") or "").strip()
    if status_code in table:
        return status_code
    return kind if kind in table else status_code or kind


def _text(value: Any) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def _address(
    package: dict[str, Any], types: Sequence[str], *, whole: bool = False
) -> dict[str, Any] | None:
    """The first packageAddress of the given types, in that order of preference."""
    entries = {e.get("type"): e for e in package.get("packageAddress") or []}
    entry = next((entries[t] for t in types if t in entries), None)
    if entry is None:
        return None
    return dict(entry) if whole else dict(entry.get("address") or {})


def _location(address: dict[str, Any]) -> Location | None:
    city, postcode = _text(address.get("city")), _text(address.get("postalCode"))
    country = _text(address.get("countryCode")) or _text(address.get("country"))
    if not (city or postcode or country):
        return None
    return shared_location(city=city, postcode=postcode, country=country)


def _offset(text: Any) -> timezone | None:
    return _offset_of(str(text or "").strip())


@lru_cache(maxsize=64)  # a handful of offsets, seen on every activity
def _offset_of(text: str) -> timezone | None:
    match = _OFFSET.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _compact(day: str, clock: str, zone: tzinfo) -> datetime:
    """`20260415` + `143205` / `14:32:05` / `74700` (UPS drops leading zeros), in `zone`."""
    digits = str(clock).replace(":", "").strip().zfill(6)
    return strptime(str(day).strip() + digits, "%Y%m%d%H%M%S", zone)


def _day(text: Any) -> date | None:
    """A YYYYMMDD metadata date; None when absent or unreadable (never fails the parse)."""
    try:
        return strptime(str(text or "").strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _clock_time(text: Any) -> day_time | None:
    digits = str(text or "").replace(":", "").strip()
    if not digits.isdigit():
        return None
    return strptime(digits.zfill(6), "%H%M%S").time()


def _weight_kg(weight: Any) -> float | None:
    if not isinstance(weight, dict):
        return None
    try:
        value = float(weight.get("weight") or "")
    except ValueError:
        return None
    return round(value * LBS_TO_KG, 3) if weight.get("unitOfMeasurement") == "LBS" else value
