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

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

import httpx

from suivi.errors import CarrierAuthError, CarrierError, SuiviError, TrackingNumberInvalid
from suivi.toolkit import (
    MON_SAT,
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    CodeMapping,
    DeliveryEstimate,
    InboundWebhook,
    NumberPattern,
    OAuth2ClientCredentials,
    PickupPoint,
    RawResponse,
    Status,
    StatusMap,
    Tracking,
    TrackingEvent,
    is_valid_ups,
)
from suivi_adapters.ups import codes, fields, locator
from suivi_adapters.ups import webhook as track_alert

TOKEN_PATH = "/security/v1/oauth/token"
TRACK_PATH = "/api/track/v1/details/"
TRANSACTION_SRC = "suivi"
TOKEN_MARGIN = 60.0  # seconds before expiry at which a cached token is renewed
_PICKUP_ADDRESS_TYPES = ("ACCESS_POINT", "DELIVERY", "DESTINATION")
LOG = logging.getLogger(__name__)


class UpsSettings(AdapterSettings):
    client_id: str | None = None
    client_secret: str | None = None
    locale: str = "fr_FR"
    webhook_credential: str | None = None
    """The secret UPS echoes in the `credential` header of each Track Alert push (given when
    subscribing); the push endpoint exists only while it is set."""


def _read_push(body: bytes) -> list[Tracking]:
    """A Track Alert push, read with the adapter's own tables (see `webhook.py`)."""
    return [track_alert.parse_track_alert(body, _reader())]


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

    service_weekdays: ClassVar[tuple[tuple[str, frozenset[int]], ...]] = (("saturday", MON_SAT),)
    webhook: ClassVar[InboundWebhook | None] = InboundWebhook(
        secret_setting="webhook_credential",
        authenticate=track_alert.authenticate,
        parse=_read_push,
    )

    settings: UpsSettings

    def __init__(self, settings: AdapterSettings | None = None) -> None:
        super().__init__(settings)
        self._auth: OAuth2ClientCredentials | None = None

    def auth(self) -> OAuth2ClientCredentials:
        """One OAuth client per adapter: tracking and the Locator share its token."""
        if self._auth is None:
            self._auth = OAuth2ClientCredentials(
                f"{self.base_url}{TOKEN_PATH}",
                self.require("client_id"),
                self.require("client_secret"),
                carrier=self.name,
                margin=TOKEN_MARGIN,
            )
        return self._auth

    # -- transport -------------------------------------------------------------------------

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        """One GET per number."""
        if len(numbers) != 1:
            raise ValueError("UPS tracks one number per request")
        number = numbers[0]
        return await http.send(self._track_request(number), requested=(number,))

    async def fetch_point(
        self, point: PickupPoint, http: CarrierHTTP, *, tracking: Tracking
    ) -> RawResponse:
        """The Locator's Access Points near the tracked one (the search needs no day from
        `tracking`); `requested`: its name and postcode."""
        wanted = (point.name or "", point.postcode or "")
        return await http.send(self._locator_request(point), requested=wanted)

    def parse_point(self, raw: RawResponse) -> PickupPoint | None:
        """The listed Access Point named as asked (`raw.requested`); None if not listed."""
        data = self.load_json(raw)
        errors = fields.errors(data)
        if errors:
            message = "; ".join(f"{code} {text}" for code, text in errors)
            raise self.invalid(f"UPS Locator error: {message}", raw)
        name, postcode = (*raw.requested, "", "")[:2]
        try:
            return locator.matching(locator.drop_locations(data), name, postcode)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            reason = f"unexpected Locator body ({type(exc).__name__}: {exc})"
            raise self.invalid(reason, raw) from None

    def _headers(self) -> dict[str, str]:
        """UPS's transaction headers; the bearer token is added by `auth()`."""
        return {
            "transId": uuid.uuid4().hex,
            "transactionSrc": TRANSACTION_SRC,
            "Accept": "application/json",
        }

    def _locator_request(self, point: PickupPoint) -> httpx.Request:
        locale = self.settings.locale
        return httpx.Request(
            "POST",
            f"{self.base_url}{locator.PATH}",
            params={"Locale": locale},
            json=locator.search_body(point, locale),
            headers=self._headers(),
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )

    def _track_request(self, number: str) -> httpx.Request:
        return httpx.Request(
            "GET",
            f"{self.base_url}{TRACK_PATH}{number}",
            params={
                "locale": self.settings.locale,
                "returnSignature": "false",
                "returnMilestones": "false",
                "returnPOD": "false",
            },
            headers=self._headers(),
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )

    def error_for(self, raw: RawResponse) -> CarrierError | None:
        """The SDK's HTTP mapping, with UPS's own error code and message added."""
        error = super().error_for(raw)
        if error is not None:
            try:
                errors = fields.errors(self.load_json(raw))
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
            errors = fields.errors(data)
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
        destination = fields.address(package, ("DESTINATION",)) or {}
        origin = fields.address(package, ("ORIGIN",)) or {}
        current = fields.status_key(package.get("currentStatus") or {}, self.status_map)
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
            service=fields.text((package.get("service") or {}).get("description")),
            pickup_point=self._pickup_point(package),
            signed_by=fields.text(delivery.get("receivedBy")),
            weight_kg=fields.weight_kg(package.get("weight")),
            origin_country=fields.text(origin.get("countryCode")),
            destination_country=fields.text(destination.get("countryCode")),
            destination_postcode=fields.text(destination.get("postalCode")),
        )

    def _event(self, activity: dict[str, Any]) -> TrackingEvent:
        status = activity["status"]
        code = fields.status_key(status, self.status_map)
        label = fields.text(status.get("description")) or fields.text(
            status.get("simplifiedTextDescription")
        )
        address = (activity.get("location") or {}).get("address") or {}
        return self.event(
            timestamp=self._timestamp(activity),
            code=code,
            label=label or code,
            location=fields.location(address),
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
        offset = fields.offset(activity.get("gmtOffset"))
        gmt_date, gmt_time = activity.get("gmtDate"), activity.get("gmtTime")
        if offset is not None and gmt_date and gmt_time:
            return fields.compact(gmt_date, gmt_time, UTC).astimezone(offset)
        zone = offset if offset is not None else self.timezone
        return fields.compact(activity["date"], activity.get("time") or "0", zone)

    def _estimate(self, package: dict[str, Any]) -> DeliveryEstimate | None:
        """Delivered, else rescheduled, else scheduled date; the time window when given."""
        given = package.get("deliveryDate") or []
        dates = {d.get("type"): fields.day(d.get("date")) for d in given}
        day = next((dates[t] for t in codes.DELIVERY_DATE_PRIORITY if dates.get(t)), None)
        if day is None:
            return None
        window = package.get("deliveryTime") or {}
        return DeliveryEstimate(
            earliest=day,
            latest=day,
            start_time=fields.clock_time(window.get("startTime")),
            end_time=fields.clock_time(window.get("endTime")),
            source="carrier",
        )

    def _pickup_point(self, package: dict[str, Any]) -> PickupPoint | None:
        """The UPS Access Point a parcel waits at: its address entry and the collect-by date."""
        access_point = package.get("accessPointInformation")
        if not isinstance(access_point, dict):
            return None
        entry = fields.address(package, _PICKUP_ADDRESS_TYPES, whole=True) or {}
        address = entry.get("address") or {}
        street = [fields.text(address.get(f"addressLine{i}")) for i in (1, 2, 3)]
        point = PickupPoint(
            name=fields.text(entry.get("name")),
            address=", ".join(line for line in street if line) or None,
            postcode=fields.text(address.get("postalCode")),
            city=fields.text(address.get("city")),
            country=fields.text(address.get("countryCode")),
            deadline=fields.day(access_point.get("pickupByDate")),
        )
        return point if point != PickupPoint() else None


@cache
def _reader() -> UpsAdapter:
    """A credential-free adapter: reading a push needs the tables, never the settings."""
    return UpsAdapter(UpsSettings())
