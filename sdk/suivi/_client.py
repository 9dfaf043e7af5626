"""`Tracker`: one client for every carrier, async first, with a blocking facade.

One shared `httpx.AsyncClient` pools connections for all carriers; each carrier gets its own
rate limit and concurrency cap, shared by every call made through the same Tracker. Adapters
may be third-party code: whatever one raises becomes a typed error for its own items only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from suivi._adapter import Adapter, AdapterSettings, RawResponse
from suivi._directory import PointDescriptions
from suivi._http import CarrierHTTP, Clock, RetryPolicy, Sleep, monotonic
from suivi._models import Tracking
from suivi._ratelimit import Limiter, TokenBucket
from suivi._registry import Registry
from suivi._taxonomy import Status
from suivi.errors import AdapterFailed, CarrierResponseInvalid, ShipmentNotFound, SuiviError

log = logging.getLogger("suivi")


@dataclass(frozen=True, slots=True)
class TrackResult:
    """The outcome for one (carrier, number): a Tracking or the typed error that prevented it."""

    carrier: str
    tracking_number: str
    tracking: Tracking | None = None
    error: SuiviError | None = None

    @property
    def ok(self) -> bool:
        """Whether the parcel was tracked (else `error` says why not)."""
        return self.tracking is not None


class Tracker:
    """Track parcels with any installed adapter.

    `base_url` points every adapter at one host (the carrier simulator); `settings` gives
    per-carrier settings explicitly instead of reading `SUIVI_<CARRIER>_*` variables;
    `limiter` replaces the in-process rate limit (e.g. one shared by several workers);
    `clock` (seconds, monotonic) paces rate limits and ages the pickup points it has described.
    """

    def __init__(
        self,
        *,
        registry: Registry | None = None,
        settings: Mapping[str, AdapterSettings] | None = None,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = monotonic,
        limiter: Callable[[Adapter], Limiter] | None = None,
    ) -> None:
        self.registry = registry if registry is not None else Registry()
        self._settings = dict(settings or {})
        self._base_url = base_url
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            headers={"User-Agent": "suivi (+https://github.com/suivi-tracking/suivi)"},
        )
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._limiter = limiter
        self._adapters: dict[str, Adapter] = {}
        self._channels: dict[str, CarrierHTTP] = {}
        self._points = PointDescriptions(clock=clock)

    async def __aenter__(self) -> Tracker:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client, when the Tracker made it (one passed in stays open)."""
        if self._owns_client:
            await self._client.aclose()

    # -- adapters --------------------------------------------------------------------------

    def adapter(self, carrier: str) -> Adapter:
        """The configured adapter instance for `carrier` (AdapterNotFound/AdapterLoadError)."""
        if carrier not in self._adapters:
            cls = self.registry.get(carrier)
            settings = self._settings.get(carrier) or cls.settings_from_env()
            if self._base_url and not settings.base_url:
                settings = settings.model_copy(update={"base_url": self._base_url})
            self._adapters[carrier] = cls(settings)
        return self._adapters[carrier]

    def _channel(self, adapter: Adapter) -> CarrierHTTP:
        if adapter.name not in self._channels:
            limit = adapter.rate_limit
            self._channels[adapter.name] = CarrierHTTP(
                adapter,
                self._client,
                policy=self._retry,
                bucket=self._limiter(adapter)
                if self._limiter
                else TokenBucket(limit, clock=self._clock, sleep=self._sleep),
                semaphore=asyncio.Semaphore(limit.max_concurrency),
                sleep=self._sleep,
            )
        return self._channels[adapter.name]

    def detect(self, number: str) -> list[str]:
        """Carriers whose number formats fit, best first (check digit beats shape alone)."""
        loaded, _ = self.registry.load_all()
        scored = [
            (cls(cls.settings_model.model_construct()).match_score(number), name)
            for name, cls in loaded.items()
        ]
        return [name for score, name in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0]

    # -- tracking --------------------------------------------------------------------------

    async def track(self, carrier: str, number: str) -> Tracking:
        """The parcel's Tracking; ShipmentNotFound when the carrier does not know it."""
        [result] = await self.track_many([(carrier, number)])
        if result.error is not None:
            raise result.error
        assert result.tracking is not None
        return result.tracking

    async def track_many(self, items: Iterable[tuple[str, str]]) -> list[TrackResult]:
        """Track many parcels, batching per carrier; one bad item never fails the others.

        Results come back in the order of `items`.
        """
        requested = list(items)
        results: dict[int, TrackResult] = {}
        groups: dict[str, list[tuple[int, str]]] = {}
        for index, (carrier, number) in enumerate(requested):
            try:
                normalized = self.adapter(carrier).validate(number)
            except SuiviError as error:
                results[index] = TrackResult(carrier, number, error=error)
                continue
            except Exception as exc:
                failed = _adapter_failed("validating the number", carrier, (number,), exc)
                results[index] = TrackResult(carrier, number, error=failed)
                continue
            groups.setdefault(carrier, []).append((index, normalized))

        batches = []
        for carrier, entries in groups.items():
            adapter = self.adapter(carrier)
            size = adapter.max_batch if adapter.supports_batch else 1
            for start in range(0, len(entries), size):
                batches.append((adapter, entries[start : start + size]))
        # A task group, not gather: cancelled, it returns once its batches have ended (a
        # shared pickup-point lookup goes on for the callers still waiting on it).
        async with asyncio.TaskGroup() as group:
            jobs = [group.create_task(self._track_batch(a, batch)) for a, batch in batches]
        for job in jobs:
            results.update(job.result())
        return [results[i] for i in range(len(requested))]

    async def _track_batch(
        self, adapter: Adapter, entries: Sequence[tuple[int, str]]
    ) -> dict[int, TrackResult]:
        numbers = tuple(dict.fromkeys(number for _, number in entries))
        try:
            raw = await adapter.fetch(numbers, self._channel(adapter))
        except SuiviError as error:
            return {i: TrackResult(adapter.name, n, error=error) for i, n in entries}
        except Exception as exc:
            failed = _adapter_failed("fetching", adapter.name, numbers, exc)
            return {i: TrackResult(adapter.name, n, error=failed) for i, n in entries}
        try:
            trackings = {t.tracking_number: t for t in adapter.parse(raw)}
        except SuiviError as error:
            return {i: TrackResult(adapter.name, n, error=error) for i, n in entries}
        except Exception as exc:
            invalid = _unreadable(adapter.name, numbers, raw, exc)
            return {i: TrackResult(adapter.name, n, error=invalid) for i, n in entries}
        described = await self._points.complete(
            adapter, list(trackings.values()), self._channel(adapter)
        )
        trackings = {t.tracking_number: t for t in described}
        results: dict[int, TrackResult] = {}
        single = (
            trackings[next(iter(trackings))] if len(numbers) == 1 and len(trackings) == 1 else None
        )
        for index, number in entries:
            tracking = trackings.get(number) or single
            if tracking is None or tracking.status is Status.NOT_FOUND:
                missing = ShipmentNotFound(
                    "the carrier does not know this number (yet)",
                    carrier=adapter.name,
                    number=number,
                )
                results[index] = TrackResult(adapter.name, number, error=missing)
            else:
                results[index] = TrackResult(adapter.name, number, tracking=tracking)
        return results


def _adapter_failed(
    step: str, carrier: str, numbers: Sequence[str], exc: Exception
) -> AdapterFailed:
    """A plugin's bug as a typed error for its own items, logged with its traceback."""
    number = ",".join(numbers) or None
    log.error("%s adapter failed %s %s", carrier, step, number, exc_info=exc)
    error = AdapterFailed(
        f"adapter failed {step} ({type(exc).__name__}: {exc})", carrier=carrier, number=number
    )
    error.__cause__ = exc
    return error


def _unreadable(
    carrier: str, numbers: Sequence[str], raw: RawResponse, exc: Exception
) -> CarrierResponseInvalid:
    """A parser that crashed on a body did not understand it: say so, keeping the cause."""
    number = ",".join(numbers) or None
    log.error("%s adapter failed parsing the answer for %s", carrier, number, exc_info=exc)
    error = CarrierResponseInvalid(
        f"adapter failed parsing the body ({type(exc).__name__}: {exc})",
        carrier=carrier,
        number=number,
        http_status=raw.status_code,
        body=raw.body,
    )
    error.__cause__ = exc
    return error


class SyncTracker:
    """Blocking facade over Tracker for scripts and synchronous order systems."""

    def __init__(self, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._tracker = Tracker(**options)

    def _run(self, awaitable: Any) -> Any:
        return self._loop.run_until_complete(awaitable)

    def track(self, carrier: str, number: str) -> Tracking:
        """`Tracker.track`, blocking."""
        result: Tracking = self._run(self._tracker.track(carrier, number))
        return result

    def track_many(self, items: Iterable[tuple[str, str]]) -> list[TrackResult]:
        """`Tracker.track_many`, blocking: results in the order of `items`."""
        result: list[TrackResult] = self._run(self._tracker.track_many(list(items)))
        return result

    def detect(self, number: str) -> list[str]:
        """`Tracker.detect`: carriers whose number formats fit, best first."""
        return self._tracker.detect(number)

    def close(self) -> None:
        """Close the Tracker and its event loop; the `with` block does it on exit."""
        self._run(self._tracker.aclose())
        self._loop.close()

    def __enter__(self) -> SyncTracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
