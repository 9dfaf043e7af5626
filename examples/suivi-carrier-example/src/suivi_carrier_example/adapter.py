"""Example Express — tracking API v1: JSON over HTTPS, an API key in a header.

- `POST /v1/track`, header `X-Api-Key`, body `{"parcels": [...]}` with 1 to 10 numbers →
  `{"results": [{"parcel", "found", "service", "eta", "events": [...]}, ...]}`, one result
  per number asked. An event is `{"code", "time", "text", "depot": {"city", "postcode",
  "country"}}`; `time` is the depot's wall clock in Lisbon (`2026-11-24 15:42`), oldest first.
  A number the carrier does not know is `{"parcel", "found": false}`.
- Errors: 401 `{"error": "invalid_api_key"}`, 429 with `Retry-After`, 503 in maintenance;
  400 `{"error": "too_many_parcels"}` when the batch is over 10.
- Numbers: `EX` + 10 digits, the last a Luhn check digit.
- Pushes: `POST` of one parcel's result, signed with HMAC-SHA256 (see `webhook.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import httpx
from suivi.toolkit import (
    MON_SAT,
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    DeliveryEstimate,
    InboundWebhook,
    NumberPattern,
    RateLimit,
    RawResponse,
    Status,
    StatusMap,
    Tracking,
    TrackingEvent,
    luhn_valid,
    parse_local,
    shared_location,
)

from suivi_carrier_example import codes, webhook

TRACK_PATH = "/v1/track"
TIME_FORMATS = ("%Y-%m-%d %H:%M",)
DEPOT_FIELDS = ("city", "postcode", "country")


def check_digit_holds(number: str) -> bool:
    """`EX` + 10 digits: the last is the Luhn check digit of the other nine."""
    return luhn_valid(number[2:])


class ExampleSettings(AdapterSettings):
    api_key: str | None = None
    """The key of the carrier's customer portal, sent as `X-Api-Key`."""
    webhook_secret: str | None = None
    """The secret pushes are signed with; the push endpoint exists only while it is set."""


def _read_push(body: bytes) -> list[Tracking]:
    """A push is one parcel's result, read as the tracking answer's results are."""
    return _reader().read(RawResponse(body=body), lambda push: [push])


class ExampleAdapter(Adapter):
    """Example Express: every declaration Suivi reads, the batch request and the parser."""

    name: ClassVar[str] = "example"
    display_name: ClassVar[str] = "Example Express"
    countries: ClassVar[tuple[str, ...]] = ("PT", "ES", "FR")
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"EX\d{10}", "EX + 10 digits", check_digit_holds),
    )
    default_base_url: ClassVar[str] = "https://api.example-express.example"
    settings_model: ClassVar[type[AdapterSettings]] = ExampleSettings
    status_map: ClassVar[StatusMap] = codes.STATUS_MAP
    supports_batch: ClassVar[bool] = True
    max_batch: ClassVar[int] = 10
    rate_limit: ClassVar[RateLimit] = RateLimit(per_second=2.0, burst=4, max_concurrency=2)
    timezone: ClassVar[ZoneInfo] = ZoneInfo("Europe/Lisbon")
    delivery_weekdays: ClassVar[frozenset[int]] = MON_SAT
    # Its vans scan at every depot, every day: a day and a half without news is unusual.
    scan_gaps: ClassVar[Mapping[Status, float]] = {Status.IN_TRANSIT: 36.0}
    webhook: ClassVar[InboundWebhook | None] = InboundWebhook(
        secret_setting="webhook_secret", authenticate=webhook.authenticate, parse=_read_push
    )
    simulator: ClassVar[str | None] = "suivi_carrier_example.simulator:routes"

    settings: ExampleSettings

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        """One POST for the whole batch (at most `max_batch` numbers)."""
        request = httpx.Request(
            "POST",
            self.base_url + TRACK_PATH,
            json={"parcels": list(numbers)},
            headers={"X-Api-Key": self.require("api_key"), "Accept": "application/json"},
        )
        return await http.send(request, requested=tuple(numbers))

    def parse(self, raw: RawResponse) -> list[Tracking]:
        """One Tracking per result of the answer, in the order the numbers were asked."""
        return self.read(raw, lambda answer: answer["results"])

    def read(self, raw: RawResponse, results: Callable[[Any], Iterable[Any]]) -> list[Tracking]:
        """The Trackings of the parcel results `results` finds in the body; any other shape
        is CarrierResponseInvalid, never a crash."""
        data = self.load_json(raw)
        if isinstance(data, dict) and "error" in data:
            raise self.invalid(f"Example Express error: {data['error']}", raw)
        try:
            return [self._parcel(result) for result in results(data)]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            reason = f"unexpected Example Express body ({type(exc).__name__}: {exc})"
            raise self.invalid(reason, raw) from None

    def _parcel(self, result: dict[str, Any]) -> Tracking:
        number = self.normalize(str(result["parcel"]))
        if result.get("found") is False:
            return Tracking.from_events(self.name, number, [])
        eta = date.fromisoformat(result["eta"]) if result.get("eta") else None
        return Tracking.from_events(
            self.name,
            number,
            [self._event(event) for event in result["events"]],
            service=result.get("service"),
            estimate=DeliveryEstimate(earliest=eta, latest=eta, source="carrier") if eta else None,
        )

    def _event(self, event: dict[str, Any]) -> TrackingEvent:
        depot = event.get("depot")
        return self.event(
            timestamp=parse_local(event["time"], TIME_FORMATS, self.timezone, carrier=self.name),
            code=event["code"],
            label=event.get("text") or event["code"],
            location=shared_location(**{f: depot.get(f) for f in DEPOT_FIELDS}) if depot else None,
        )


@cache
def _reader() -> ExampleAdapter:
    """A credential-free adapter: reading a push needs the code table, never the settings."""
    return ExampleAdapter(ExampleSettings())
