"""UPS Track Alert: the events UPS pushes, read into the same Tracking the Track API gives.

Source: UPS-API/api-documentation `UPSTrackAlert.yaml` (OpenAPI 3.1, "UPS Track Alert API" v1).
- Subscribe: `POST /api/track/v1/subscription/standard/package` (OAuth bearer, `transId`,
  `transactionSrc` headers) with `{locale, countryCode, trackingNumberList (≤ 100 1Z numbers),
  destination: {url, credentialType, credential}}`. A subscription lasts 14 days and carries
  no history (the Track API gives that), so polling stays the safety net.
- Push (`webhooks.TrackingEvent`): UPS POSTs ONE event per request to `destination.url`, with
  the subscription's `credential` echoed in a header named `credential` (User-Agent
  `UPSPubSubTrackingService`), and expects a 200. Body `TrackingEventRequest`:
  `trackingNumber`, `localActivityDate`/`localActivityTime`, `gmtActivityDate`/`gmtActivityTime`
  (YYYYMMDD / HHMMSS), `activityLocation{city, stateProvince, postalCode, country}`,
  `activityStatus{type, code, description, descriptionCode}`, `scheduledDeliveryDate`,
  `actualDeliveryDate`, `actualDeliveryTime`, `deliveryStartTime`, `deliveryEndTime`,
  `deliveryTimeDescription`. "Not every field will have a value": blanks are `""`.

`activityStatus.descriptionCode` is the Track API's 3-digit `statusCode` ("011", "021" in the
spec's examples), `type` the same activity type and `code` the same two-letter reason (2W, KR…).
All go through the adapter's tables and helpers, so a pushed event gets the same code, status
and instant as the polled one and the server stores it once.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

from suivi.errors import CarrierResponseInvalid
from suivi.toolkit import Adapter, DeliveryEstimate, Tracking, TrackingEvent
from suivi_adapters.ups import codes, fields

if TYPE_CHECKING:
    from suivi_adapters.ups.adapter import UpsAdapter

CREDENTIAL_HEADER: Final = "credential"
SUBSCRIPTION_PATH: Final = "/api/track/v1/subscription/standard/package"
MAX_SUBSCRIPTION_NUMBERS: Final = 100
# The schema's `trackingNumber` pattern: Track Alert only knows 1Z numbers (no check digit
# required: its own test numbers, 1ZCIETST0111111114, do not pass the mod-10 check).
_ALERT_NUMBER: Final = re.compile(r"1Z[0-9A-Z]{16}")
_MAX_OFFSET: Final = timedelta(hours=14)


def authenticate(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the push echoes the subscription's credential, compared in constant time."""
    given = next((v for k, v in headers.items() if k.lower() == CREDENTIAL_HEADER), "")
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), secret.encode("utf-8", "surrogateescape")
    )


def parse_track_alert(body: bytes, adapter: UpsAdapter) -> Tracking:
    """One pushed event as a Tracking; CarrierResponseInvalid when it cannot be trusted."""
    try:
        alert = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _invalid(f"body is not JSON ({exc})", adapter, body) from None
    if not isinstance(alert, dict):
        raise _invalid("body is not a JSON object", adapter, body)
    number = Adapter.normalize(str(alert.get("trackingNumber") or ""))
    if not _ALERT_NUMBER.fullmatch(number):
        raise _invalid("trackingNumber is missing or not a 1Z number", adapter, body)
    try:
        event = _event(alert, adapter)
        estimate = _estimate(alert)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _invalid(f"unexpected Track Alert body ({exc})", adapter, body, number) from None
    return Tracking.from_events(
        adapter.name, number, [event], estimate=estimate, sequence=codes.SEQUENCE
    )


def subscription_body(
    numbers: Sequence[str],
    url: str,
    credential: str,
    *,
    locale: str = "fr_FR",
    country_code: str = "FR",
) -> dict[str, Any]:
    """The JSON of a subscription request; UPS rejects the whole batch over 100 numbers."""
    normalized = [Adapter.normalize(n) for n in numbers]
    if not 0 < len(normalized) <= MAX_SUBSCRIPTION_NUMBERS:
        raise ValueError(f"between 1 and {MAX_SUBSCRIPTION_NUMBERS} numbers per subscription")
    wrong = [n for n in normalized if not _ALERT_NUMBER.fullmatch(n)]
    if wrong:
        raise ValueError(f"Track Alert only accepts 1Z numbers: {', '.join(wrong)}")
    return {
        "locale": locale,
        "countryCode": country_code,
        "trackingNumberList": normalized,
        "destination": {"url": url, "credentialType": "Bearer", "credential": credential},
    }


def _event(alert: dict[str, Any], adapter: UpsAdapter) -> TrackingEvent:
    status = alert["activityStatus"]
    if not isinstance(status, dict):
        raise TypeError("activityStatus is not an object")
    # Track API field names, so the adapter's own key rule decides (3-digit code, else type).
    key = fields.status_key(
        {"statusCode": status.get("descriptionCode"), "type": status.get("type")},
        adapter.status_map,
    )
    if not key:
        raise ValueError("activityStatus has neither descriptionCode nor type")
    location = alert.get("activityLocation")
    label = fields.text(status.get("description")) or key
    return adapter.event(
        timestamp=_timestamp(alert, adapter),
        code=key,
        label=label,
        location=fields.location(location) if isinstance(location, dict) else None,
        mapping=adapter.reason_mapping(key, status.get("code"), label),
    )


def _timestamp(alert: dict[str, Any], adapter: UpsAdapter) -> datetime:
    """The GMT instant, shown at the offset local − GMT; else local time read in Paris."""
    local_day = fields.text(alert.get("localActivityDate"))
    local_time = fields.text(alert.get("localActivityTime")) or "0"
    gmt_day = fields.text(alert.get("gmtActivityDate"))
    gmt_time = fields.text(alert.get("gmtActivityTime"))
    if gmt_day and gmt_time:
        instant = fields.compact(gmt_day, gmt_time, UTC)
        if not local_day:
            return instant
        # Both read as UTC wall clocks: their difference is the activity's UTC offset.
        gap = fields.compact(local_day, local_time, UTC) - instant
        offset = timedelta(minutes=round(gap.total_seconds() / 900) * 15)
        return instant.astimezone(timezone(offset)) if abs(offset) < _MAX_OFFSET else instant
    if not local_day:
        raise ValueError("no activity date")
    return fields.compact(local_day, local_time, adapter.timezone)


def _estimate(alert: dict[str, Any]) -> DeliveryEstimate | None:
    """Actual delivery date, else the scheduled one (the order the adapter uses)."""
    dates = {
        "DEL": fields.day(alert.get("actualDeliveryDate")),
        "SDD": fields.day(alert.get("scheduledDeliveryDate")),
    }
    kind = next((t for t in codes.DELIVERY_DATE_PRIORITY if dates.get(t)), None)
    day = dates.get(kind) if kind else None
    if day is None:
        return None
    end = fields.clock_time(alert.get("deliveryEndTime"))
    if kind == "DEL" and end is None:
        end = fields.clock_time(alert.get("actualDeliveryTime"))
    return DeliveryEstimate(
        earliest=day,
        latest=day,
        start_time=fields.clock_time(alert.get("deliveryStartTime")),
        end_time=end,
        source="carrier",
    )


def _invalid(
    message: str, adapter: UpsAdapter, body: bytes, number: str | None = None
) -> CarrierResponseInvalid:
    return CarrierResponseInvalid(message, carrier=adapter.name, number=number, body=body)
