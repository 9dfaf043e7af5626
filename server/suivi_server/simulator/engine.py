"""The simulator's state: parcels, a controllable clock, failure modes and request counts."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from starlette.responses import JSONResponse, Response

from suivi import Registry
from suivi.toolkit import AdapterSettings
from suivi_server.simulator.carriers import SimulatedCarrier, simulated_carriers
from suivi_server.simulator.scenario import Failure, FailureKind, Parcel, Scenario

Builder = Callable[[], Response | Awaitable[Response]]


def credential_environment(base_url: str, registry: Registry | None = None) -> dict[str, str]:
    """Environment variables that point every simulated carrier's adapter at a simulator on
    `base_url`: `SUIVI_<CARRIER>_<SETTING>` for its base URL and each of its credentials."""
    env = {}
    for carrier, simulated in simulated_carriers(registry).items():
        prefix = f"SUIVI_{carrier.upper()}_"
        env[prefix + "BASE_URL"] = base_url
        env.update({prefix + name.upper(): value for name, value in simulated.credentials.items()})
    return env


def simulator_settings(
    base_url: str, registry: Registry | None = None
) -> dict[str, AdapterSettings]:
    """Explicit adapter settings pointing every simulated carrier at a simulator on `base_url`."""
    return {
        carrier: simulated.adapter.settings_model.model_validate(
            {**simulated.credentials, "base_url": base_url}
        )
        for carrier, simulated in simulated_carriers(registry).items()
    }


class SimClock:
    """Simulated time: frozen by default, moved by hand, or running `speed` times real time."""

    def __init__(
        self,
        start: datetime | None = None,
        *,
        speed: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._start = start or datetime.now(UTC).replace(microsecond=0)
        self._speed = speed
        self._monotonic = monotonic
        self._t0 = monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(self._monotonic() - self._t0) * self._speed)

    def advance(self, seconds: float) -> datetime:
        self._start += timedelta(seconds=seconds)
        return self.now()

    def set(self, moment: datetime) -> datetime:
        self._start = moment
        self._t0 = self._monotonic()
        return self.now()


@dataclass(frozen=True, slots=True)
class FailureStyle:
    """How one carrier words its errors (each carrier's real error format)."""

    unavailable: Callable[[], Response] = lambda: JSONResponse({"error": "unavailable"}, 503)
    rate_limited: Callable[[float], Response] = lambda retry_after: JSONResponse(
        {"error": "too many requests"}, 429, headers={"Retry-After": str(int(retry_after))}
    )
    unauthorized: Callable[[], Response] = lambda: JSONResponse({"error": "unauthorized"}, 401)


@dataclass
class Simulator:
    clock: SimClock = field(default_factory=SimClock)
    parcels: dict[tuple[str, str], Parcel] = field(default_factory=dict)
    failures: dict[str, deque[Failure]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    carriers: dict[str, SimulatedCarrier] = field(default_factory=simulated_carriers)
    """The carriers it plays (every installed adapter declaring `simulator`, by default)."""
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    """What each carrier accepts; its module's CREDENTIALS unless given here."""

    def __post_init__(self) -> None:
        given = self.credentials
        self.credentials = {n: dict(c.credentials) for n, c in self.carriers.items()} | given

    @classmethod
    def from_scenario(
        cls,
        scenario: Scenario,
        clock: SimClock | None = None,
        carriers: dict[str, SimulatedCarrier] | None = None,
    ) -> Simulator:
        sim = cls(
            clock=clock or SimClock(),
            carriers=simulated_carriers() if carriers is None else carriers,
        )
        for parcel in scenario.parcels:
            sim.add_parcel(parcel)
        for failure in scenario.failures:
            sim.add_failure(failure)
        return sim

    def add_parcel(self, parcel: Parcel) -> None:
        self.parcels[(parcel.carrier, parcel.number.upper())] = parcel

    def parcel(self, carrier: str, number: str) -> Parcel | None:
        return self.parcels.get((carrier, number.strip().upper()))

    def add_failure(self, failure: Failure) -> None:
        self.failures.setdefault(failure.carrier, deque()).append(failure)

    def clear_failures(self) -> None:
        self.failures.clear()

    def take_failure(self, carrier: str) -> Failure | None:
        queue = self.failures.get(carrier)
        if not queue:
            return None
        failure = queue[0]
        failure.count -= 1
        if failure.count <= 0:
            queue.popleft()
        return failure

    async def respond(
        self, carrier: str, build: Builder, style: FailureStyle | None = None
    ) -> Response:
        """Count the request, apply the next failure mode queued for `carrier`, or answer."""
        style = style or FailureStyle()
        self.requests[carrier] += 1
        failure = self.take_failure(carrier)
        kind = failure.kind if failure else None
        if failure is not None and kind in (FailureKind.LATENCY, FailureKind.TIMEOUT):
            await asyncio.sleep(failure.seconds)
        if failure is not None and kind is FailureKind.SERVER_ERROR:
            return style.unavailable()
        if failure is not None and kind is FailureKind.RATE_LIMIT:
            return style.rate_limited(failure.seconds)
        if kind is FailureKind.EXPIRED_TOKEN:
            return style.unauthorized()
        response = build()
        if inspect.isawaitable(response):
            response = await response
        if kind is FailureKind.MALFORMED:
            return Response(
                response.body[: max(1, len(response.body) // 2)],
                status_code=response.status_code,
                media_type=response.media_type,
            )
        return response
