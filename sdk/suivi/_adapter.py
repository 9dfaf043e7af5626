"""The contract a carrier adapter fulfils: validate numbers, fetch raw bytes, parse them.

Fetching and parsing are split so parsing stays a pure function of the carrier's bytes: it is
tested on sample files without HTTP, and the CLI's `suivi parse` runs exactly the code the
client runs. Transport, retries, rate limits and time zones live in the SDK, not in adapters.
"""

from __future__ import annotations

import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, ValidationError

from suivi._models import Location, Tracking, TrackingEvent, mapped_event
from suivi._statusmap import Mapping as CodeMapping
from suivi._statusmap import StatusMap
from suivi._taxonomy import Status, check_substatus
from suivi._time import PARIS
from suivi.errors import (
    CarrierAuthError,
    CarrierError,
    CarrierRateLimited,
    CarrierResponseInvalid,
    CarrierUnavailable,
    ConfigurationError,
    TrackingNumberInvalid,
)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    import httpx

    from suivi._http import CarrierHTTP

MON_FRI: frozenset[int] = frozenset(range(5))
MON_SAT: frozenset[int] = frozenset(range(6))

# Status-table answers by (table, code, label). Carriers word their events from a few hundred
# templates, and a label-dependent code costs an accent-folding scan of its label: remember the
# answers. Bounded: emptied when full, so odd labels cannot make it grow without end.
_LOOKUPS: dict[tuple[StatusMap, str | int, str], CodeMapping] = {}
_LOOKUPS_MAX = 4096


@dataclass(frozen=True, slots=True)
class NumberPattern:
    """A tracking-number shape; `check` validates the check digit when the carrier has one."""

    regex: str
    description: str
    check: Callable[[str], bool] | None = None
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", re.compile(self.regex))

    def score(self, number: str) -> int:
        """0: no match; 1: shape matches; 2: shape and check digit match."""
        if not self._compiled.fullmatch(number):
            return 0
        if self.check is None:
            return 1
        return 2 if self.check(number) else 0


@dataclass(frozen=True, slots=True)
class RateLimit:
    """How hard Suivi may call a carrier: sustained rate, burst size and calls in flight."""

    per_second: float = 5.0
    burst: int = 5
    max_concurrency: int = 4


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A carrier's answer as bytes, plus what was asked: the input of `Adapter.parse`."""

    body: bytes
    status_code: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    requested: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The body as text for parsers that read strings; a stray byte never raises."""
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class InboundWebhook:
    """A carrier's push of events, mounted by the server at `POST /webhooks/{carrier}`.

    The endpoint exists only while the adapter setting `secret_setting` holds a value (404
    otherwise). `authenticate(secret, headers, body)` proves the sender, in constant time;
    `parse(body)` gives the Trackings the push carries, or raises CarrierResponseInvalid.
    """

    secret_setting: str
    authenticate: Callable[[str, Mapping[str, str], bytes], bool]
    parse: Callable[[bytes], list[Tracking]]
    max_bytes: int = 64 * 1024
    accepted_status: int = 200


class AdapterSettings(BaseModel):
    """Per-adapter configuration; subclasses add credentials. Read from `SUIVI_<NAME>_<FIELD>`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = None
    timeout: float = 15.0


class Adapter(ABC):
    """Base class of every carrier adapter, built-in or third-party."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    countries: ClassVar[tuple[str, ...]]
    number_patterns: ClassVar[tuple[NumberPattern, ...]]
    default_base_url: ClassVar[str]
    settings_model: ClassVar[type[AdapterSettings]] = AdapterSettings
    status_map: ClassVar[StatusMap]
    supports_batch: ClassVar[bool] = False
    max_batch: ClassVar[int] = 1
    rate_limit: ClassVar[RateLimit] = RateLimit()
    timezone: ClassVar[ZoneInfo] = PARIS
    point_settings: ClassVar[tuple[str, ...]] = ()
    """Settings its pickup-point directory needs beyond tracking's, when it has one."""
    delivery_weekdays: ClassVar[frozenset[int]] = MON_FRI
    """Weekdays (0 = Monday) the carrier moves and delivers parcels: its business days."""
    service_weekdays: ClassVar[tuple[tuple[str, frozenset[int]], ...]] = ()
    """Services that change its week: (a word of the service's name, folded; weekdays)."""
    scan_gaps: ClassVar[Mapping[Status, float]] = {}
    """Longest normal gap between two scans, in business hours, per current status; statuses
    absent here use the platform's defaults. Past it, the parcel is called silent."""
    webhook: ClassVar[InboundWebhook | None] = None
    """How the carrier pushes events, when it can."""
    simulator: ClassVar[str | None] = None
    """`module:function` of its routes in the carrier simulator: `function(sim)` returns
    Starlette routes answering in the carrier's real format. The module also defines
    `CREDENTIALS`, the settings (`{field: value}`) the adapter uses against the simulator."""

    def __init__(self, settings: AdapterSettings | None = None) -> None:
        """Settings of the adapter's own `settings_model`, or None to read them from the
        environment; another model is refused now, not at the first request missing a field."""
        if settings is None:
            settings = self.settings_from_env()
        elif not isinstance(settings, self.settings_model):
            raise ConfigurationError(
                f"settings are {type(settings).__name__}, expected {self.settings_model.__name__}",
                carrier=self.name,
            )
        self.settings = settings

    @classmethod
    def settings_from_env(cls, environ: Mapping[str, str] | None = None) -> AdapterSettings:
        """The settings from `SUIVI_<NAME>_<FIELD>` variables, validated once here so that a
        wrong value is a ConfigurationError naming the carrier, not a failure at the first call."""
        env = os.environ if environ is None else environ
        prefix = f"SUIVI_{cls.name.upper()}_"
        values = {
            name: env[prefix + name.upper()]
            for name in cls.settings_model.model_fields
            if prefix + name.upper() in env
        }
        try:
            return cls.settings_model.model_validate(values)
        except ValidationError as exc:
            raise ConfigurationError(f"invalid settings: {exc}", carrier=cls.name) from exc

    @classmethod
    def samples(cls) -> Traversable | None:
        """The carrier's sample answers: the `samples/` folder beside the adapter's module, with
        `expected.json` saying what each one must read as (see `suivi.testing`)."""
        from importlib.resources import files

        package = cls.__module__.rpartition(".")[0] or cls.__module__
        folder = files(package) / "samples"
        return folder if folder.is_dir() else None

    def auth(self) -> httpx.Auth | None:
        """How every request to the carrier authenticates (e.g. `OAuth2ClientCredentials`);
        None when credentials travel in the request itself."""
        return None

    @property
    def base_url(self) -> str:
        """Where requests go: the `base_url` setting (the simulator, say), else the carrier's."""
        return (self.settings.base_url or self.default_base_url).rstrip("/")

    @property
    def describes_points(self) -> bool:
        """Whether its point directory may be asked: not while a setting it needs is missing,
        so a default install neither calls it nor warns on every poll of every parcel."""
        return all(getattr(self.settings, name, None) for name in self.point_settings)

    def require(self, setting: str) -> str:
        """A credential the real API needs; a clear error names the variable to set."""
        value = getattr(self.settings, setting, None)
        if not value:
            variable = f"SUIVI_{self.name.upper()}_{setting.upper()}"
            raise ConfigurationError(
                f"{setting} is not configured (set {variable})", carrier=self.name
            )
        return str(value)

    # -- numbers ---------------------------------------------------------------------------

    @staticmethod
    def normalize(number: str) -> str:
        """Shoppers paste numbers with spaces, dashes and lower case."""
        return re.sub(r"[\s\-.]", "", number).upper()

    def match_score(self, number: str) -> int:
        """How well `number` fits the carrier's formats (0: not at all); detection ranks by it."""
        normalized = self.normalize(number)
        return max((p.score(normalized) for p in self.number_patterns), default=0)

    def validate(self, number: str) -> str:
        """The normalized number, or TrackingNumberInvalid saying which shapes are accepted."""
        normalized = self.normalize(number)
        if self.match_score(normalized) == 0:
            shapes = "; ".join(p.description for p in self.number_patterns)
            raise TrackingNumberInvalid(
                f"not a {self.display_name} tracking number (expected {shapes})",
                carrier=self.name,
                number=number,
            )
        return normalized

    # -- transport -------------------------------------------------------------------------

    @abstractmethod
    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        """Ask the carrier about `numbers` (at most `max_batch`), returning its raw answer."""

    @abstractmethod
    def parse(self, raw: RawResponse) -> list[Tracking]:
        """Turn the carrier's bytes into Trackings; raise a typed CarrierError otherwise."""

    def error_for(self, raw: RawResponse) -> CarrierError | None:
        """The error an HTTP answer means, if any. Adapters refine it (e.g. SOAP faults)."""
        return error_for_status(self.name, raw)

    # -- helpers for parsers ---------------------------------------------------------------

    def event(
        self,
        *,
        timestamp: datetime,
        code: str | int,
        label: str,
        location: Location | None = None,
        mapping: CodeMapping | None = None,
    ) -> TrackingEvent:
        """An event mapped through this carrier's status table (unknown codes kept, not fatal).

        `mapping` replaces the table's answer when a carrier rule knows better (a code that
        means more after an earlier one); its status/substatus pair is checked here, as the
        table's pairs were when the table was built.
        """
        if mapping is None:
            mapping = self.map_code(code, label)
        else:
            check_substatus(mapping.status, mapping.substatus)
        return mapped_event(
            timestamp=timestamp,
            status=mapping.status,
            substatus=mapping.substatus,
            code=StatusMap.normalize_code(code),
            label=label.strip(),
            location=location,
            affects_status=mapping.affects_status,
        )

    def map_code(self, code: str | int, label: str = "") -> CodeMapping:
        """`self.status_map.lookup(code, label)`, remembered across calls."""
        key = (self.status_map, code, label)
        found = _LOOKUPS.get(key)
        if found is None:
            if len(_LOOKUPS) >= _LOOKUPS_MAX:
                _LOOKUPS.clear()
            found = _LOOKUPS[key] = self.status_map.lookup(code, label)
        return found

    def invalid(self, message: str, raw: RawResponse | None = None) -> CarrierResponseInvalid:
        """The error a parser raises on an answer it cannot read, carrying the carrier, the
        numbers asked, the HTTP status and the body, so the failure can be replayed."""
        return CarrierResponseInvalid(
            message,
            carrier=self.name,
            number=",".join(raw.requested) if raw and raw.requested else None,
            http_status=raw.status_code if raw else None,
            body=raw.body if raw else None,
        )

    def load_json(self, raw: RawResponse) -> Any:
        """The decoded body; CarrierResponseInvalid when it is not JSON or nests too deep."""
        body = raw.body
        try:
            if body[:1] in (b"{", b"[") and body[1:2] != b"\x00":
                # What json.loads(bytes) does for a body it detects as UTF-8, minus detecting.
                return json.loads(body.decode("utf-8", "surrogatepass"))
            return json.loads(body)  # UTF-16/32, a BOM, leading blanks: json detects it
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.invalid(f"body is not JSON ({exc})", raw) from exc
        except RecursionError as exc:  # the decoder recurses once per `[` or `{`
            raise self.invalid("body nests deeper than any carrier answer", raw) from exc


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` as seconds; HTTP dates are turned into a delay from now."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def error_for_status(carrier: str, raw: RawResponse) -> CarrierError | None:
    """The one place an HTTP status becomes a typed error; other statuses go to the parser."""
    number = ",".join(raw.requested) or None
    common: dict[str, Any] = {
        "carrier": carrier,
        "number": number,
        "http_status": raw.status_code,
        "body": raw.body,
    }
    if raw.status_code in (401, 403):
        return CarrierAuthError("credentials refused by the carrier", **common)
    if raw.status_code == 429:
        return CarrierRateLimited(
            "carrier quota reached", retry_after=retry_after_seconds(raw.headers), **common
        )
    if raw.status_code >= 500:
        return CarrierUnavailable(f"carrier answered HTTP {raw.status_code}", **common)
    return None
