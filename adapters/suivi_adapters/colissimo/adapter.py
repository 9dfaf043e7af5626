"""Colissimo and La Poste parcels through La Poste's "Suivi v2" API (Okapi gateway).

Request: `GET https://api.laposte.fr/suivi/v2/idships/{id[,id…]}?lang=fr_FR` with headers
`X-Okapi-Key: <application key from developer.laposte.fr>` and `Accept: application/json`.
One to ten ids per call, comma-separated (the OpenAPI "idship" parameter), so MAX_BATCH is 10.
One id answers one object; several ids answer a JSON array (HTTP 207) in which every element
carries its own `returnCode`, so a bad id never hides the others.

Element: `{lang, scope, returnCode, shipment{idShip, holder (1 courrier, 3 Chronopost,
4 Colissimo), product, isFinal, entryDate, estimDate?, estimHourMin?, estimHourMax?,
deliveryDate?, timeline[5 steps], event[{code, label, date}] newest first,
contextData{deliveryChoice{deliveryChoice 0 no/1 possible/2 chosen}, removalPoint{name,
type BDP|A2P…}, originCountry, arrivalCountry}, url}}`; dates are ISO-8601 with the Paris
offset. Errors: element `{returnCode, returnMessage, idShip}` with 400 (malformed id) or
404/104 (unknown, "not yet available"); the gateway answers `{code, message}`, e.g. 401
`UNAUTHORIZED` and 429 `TOO_MANY_REQUESTS` ("max quota reached (100 calls per 1s)").
Events carry no place; the API gives no signatory, weight or destination postcode.

Sources: La Poste Suivi v2 OpenAPI (developer.laposte.fr, catalog "suivi@2"); karrio's
`laposte` connector (request shape, error schema, sample answers); the carrier samples README.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Final, Literal

import httpx

from suivi.errors import (
    CarrierAuthError,
    CarrierError,
    CarrierRateLimited,
    CarrierResponseInvalid,
    CarrierUnavailable,
    TrackingNumberInvalid,
)
from suivi.toolkit import (
    MON_SAT,
    PARIS,
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    DeliveryEstimate,
    NumberPattern,
    PickupPoint,
    RateLimit,
    RawResponse,
    Status,
    StatusMap,
    Tracking,
    TrackingEvent,
    error_for_status,
    is_valid_s10,
    parse_local,
    retry_after_seconds,
)
from suivi_adapters.colissimo.codes import STATUS_MAP

_log = logging.getLogger(__name__)

Outcome = Literal["ok", "invalid", "unknown", "unavailable"]

# Per-element `returnCode`. The OpenAPI documents 200, 400 and 104 ("not yet available");
# 101, 105 and 109 are listed as members of 207 arrays without a meaning: a lookup that
# found nothing, so they are read as "unknown number" (the caller will ask again later).
RETURN_CODES: Final[Mapping[int, Outcome]] = {
    200: "ok",
    201: "ok",
    207: "ok",
    208: "ok",
    400: "invalid",
    404: "unknown",
    101: "unknown",
    104: "unknown",
    105: "unknown",
    109: "unknown",
    500: "unavailable",
    503: "unavailable",
    504: "unavailable",
}

# Okapi gateway `{code, message}` bodies (karrio `schemas/error.json`, live 401 probes).
GATEWAY_ERRORS: Final[Mapping[str, type[CarrierError]]] = {
    "TOO_MANY_REQUESTS": CarrierRateLimited,
    "UNAUTHORIZED": CarrierAuthError,
    "FORBIDDEN": CarrierAuthError,
    "INVALID_API_KEY": CarrierAuthError,
    "SERVICE_UNAVAILABLE": CarrierUnavailable,
    "GATEWAY_TIMEOUT": CarrierUnavailable,
    "INTERNAL_SERVER_ERROR": CarrierUnavailable,
}

HOLDERS: Final[Mapping[int, str]] = {1: "courrier", 3: "chronopost", 4: "colissimo"}


class ColissimoSettings(AdapterSettings):
    """`SUIVI_COLISSIMO_API_KEY` (X-Okapi-Key) and the language of event labels.

    The API also speaks de_DE, es_ES, it_IT and nl_NL, but the label keywords that tell
    La Poste's reused codes apart (codes.KEYWORDS) exist in French and English only: another
    language would silently lose substatuses, so it is refused when the settings are read."""

    api_key: str | None = None
    lang: Literal["fr_FR", "en_GB"] = "fr_FR"


class ColissimoAdapter(Adapter):
    name: ClassVar[str] = "colissimo"
    display_name: ClassVar[str] = "Colissimo"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"[0-9][A-Z][0-9]{11}", "Colissimo 13 characters, e.g. 6A12345678901"),
        NumberPattern(
            r"[A-Z]{2}[0-9]{9}[A-Z]{2}",
            "international S10 with a valid check digit, e.g. EW112720413FR",
            is_valid_s10,
        ),
        # The API takes any 11–15 letters and digits; requiring both keeps all-digit numbers
        # (DPD, Chronopost) to their carriers, and S10 shapes must pass their check digit.
        NumberPattern(
            r"(?![A-Z]{2}[0-9]{9}[A-Z]{2}\Z)(?=[0-9A-Z]*[A-Z])(?=[0-9A-Z]*[0-9])[0-9A-Z]{11,15}",
            "other La Poste ids of 11 to 15 letters and digits",
        ),
    )
    default_base_url: ClassVar[str] = "https://api.laposte.fr"
    settings_model: ClassVar[type[AdapterSettings]] = ColissimoSettings
    status_map: ClassVar[StatusMap] = STATUS_MAP
    simulator: ClassVar[str | None] = "suivi_adapters.colissimo.simulator:routes"
    delivery_weekdays: ClassVar[frozenset[int]] = MON_SAT
    supports_batch: ClassVar[bool] = True
    max_batch: ClassVar[int] = 10
    # The gateway allows 100 calls/s per key; stay well under it, a key may be shared.
    rate_limit: ClassVar[RateLimit] = RateLimit(per_second=50.0, burst=20, max_concurrency=8)

    settings: ColissimoSettings

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        request = httpx.Request(
            "GET",
            f"{self.base_url}/suivi/v2/idships/{','.join(numbers)}",
            params={"lang": self.settings.lang},
            headers={"X-Okapi-Key": self.require("api_key"), "Accept": "application/json"},
        )
        return await http.send(request, requested=tuple(numbers))

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, raw: RawResponse) -> list[Tracking]:
        data = self.load_json(raw)
        try:
            if isinstance(data, dict) and "code" in data and "returnCode" not in data:
                raise self._gateway_error(data, raw)
            items = data if isinstance(data, list) else [data]
            if not items:
                raise self.invalid("empty answer", raw)
            return [self._item(item, raw, alone=len(items) == 1) for item in items]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise self.invalid(f"unexpected body ({type(exc).__name__}: {exc})", raw) from None

    def _item(self, item: dict[str, Any], raw: RawResponse, *, alone: bool) -> Tracking:
        code = item["returnCode"]
        outcome = RETURN_CODES.get(code) if isinstance(code, int) else None
        if outcome == "ok":
            return self._tracking(item["shipment"])
        number = self._number_of(item, raw)
        message = str(item.get("returnMessage") or f"returnCode {code}")
        if outcome == "invalid" and alone:
            raise TrackingNumberInvalid(message, carrier=self.name, number=number)
        if outcome in ("invalid", "unknown"):
            # In a batch, one refused id must not fail the others: it reads as not found.
            return Tracking(carrier=self.name, tracking_number=number, status=Status.NOT_FOUND)
        if outcome == "unavailable":
            raise CarrierUnavailable(message, carrier=self.name, number=number, body=raw.body)
        raise self.invalid(f"unexpected returnCode {code!r}", raw)

    def _number_of(self, item: dict[str, Any], raw: RawResponse) -> str:
        number = item.get("idShip")
        if isinstance(number, str) and number:
            return self.normalize(number)
        if len(raw.requested) == 1:
            return raw.requested[0]
        raise self.invalid("error element without idShip", raw)

    def _tracking(self, shipment: dict[str, Any]) -> Tracking:
        context = shipment.get("contextData") or {}
        events = self._events(shipment)
        fields: dict[str, Any] = {
            "service": shipment.get("product") or HOLDERS.get(shipment.get("holder", 0)),
            "estimate": self._estimate(shipment),
            "pickup_point": self._pickup_point(context.get("removalPoint")),
            "origin_country": context.get("originCountry") or None,
            "destination_country": context.get("arrivalCountry") or None,
        }
        if shipment.get("deliveryDate"):
            fields["delivered_at"] = self._when(shipment["deliveryDate"])
        return Tracking.from_events(
            self.name,
            self.normalize(shipment["idShip"]),
            events,
            status_without_events=Status.INFO_RECEIVED,
            **fields,
        )

    def _events(self, shipment: dict[str, Any]) -> list[TrackingEvent]:
        """The readable events; one unreadable event is skipped with a warning and counted, so
        it never costs the others. When none can be read, the answer as a whole is invalid:
        a status guessed from no events would be wrong."""
        given = shipment.get("event") or []
        if not isinstance(given, list):
            raise TypeError(f"event is {type(given).__name__}, not a list")
        events, skipped = [], []
        for raw_event in given:
            try:
                events.append(self._event(raw_event))
            except (CarrierResponseInvalid, KeyError, TypeError, AttributeError) as exc:
                skipped.append(f"{type(exc).__name__}: {exc}")
        if skipped and not events:
            raise ValueError(f"no readable event ({skipped[0]})")
        if skipped:
            _log.warning(
                "colissimo %s: skipped %d of %d events (%s)",
                shipment.get("idShip"),
                len(skipped),
                len(given),
                "; ".join(skipped),
            )
        return events

    def _event(self, raw_event: dict[str, Any]) -> TrackingEvent:
        code, label, date = raw_event["code"], raw_event["label"], raw_event["date"]
        if not all(isinstance(v, str) for v in (code, label, date)) or not code.strip():
            raise TypeError(f"code, label and date must be text: {raw_event!r}")
        return self.event(timestamp=self._when(date), code=code, label=label)

    def _when(self, text: str) -> datetime:
        return parse_local(text, (), PARIS, carrier=self.name)

    def _estimate(self, shipment: dict[str, Any]) -> DeliveryEstimate | None:
        """`estimDate` is the day; `estimHourMin`/`estimHourMax`, when given, the time slot."""
        if not shipment.get("estimDate"):
            return None
        day = self._when(shipment["estimDate"]).astimezone(PARIS).date()
        start, end = (
            self._when(shipment[key]).astimezone(PARIS).time() if shipment.get(key) else None
            for key in ("estimHourMin", "estimHourMax")
        )
        return DeliveryEstimate(
            earliest=day, latest=day, start_time=start, end_time=end, source="carrier"
        )

    @staticmethod
    def _pickup_point(point: Any) -> PickupPoint | None:
        """`removalPoint{name, type}`: BDP is a post office, A2P a relay point; no address given."""
        if not isinstance(point, dict) or not point.get("name"):
            return None
        return PickupPoint(name=point["name"])

    def _gateway_error(self, data: dict[str, Any], raw: RawResponse) -> CarrierError:
        code = str(data.get("code", "")).upper()
        message = f"{code}: {data.get('message', '')}".strip(": ")
        cls = GATEWAY_ERRORS.get(code)
        if cls is None:
            return error_for_status(self.name, raw) or self.invalid(message, raw)
        common: dict[str, Any] = {
            "carrier": self.name,
            "number": ",".join(raw.requested) or None,
            "http_status": raw.status_code,
            "body": raw.body,
        }
        if cls is CarrierRateLimited:
            return CarrierRateLimited(
                message, retry_after=retry_after_seconds(raw.headers), **common
            )
        return cls(message, **common)
