"""The carriers the simulator plays: every adapter in the Registry that declares `simulator`.

The simulator names no carrier. An adapter's `simulator` (`"module:function"`) points at a
function giving its routes in the carrier's real format, and that module's `CREDENTIALS` are
the settings the adapter uses against the simulator, which accepts exactly those. Built-in and
third-party carriers are found the same way, through the `suivi.adapters` entry points.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from suivi import Registry
from suivi.errors import AdapterLoadError
from suivi.toolkit import Adapter

if TYPE_CHECKING:
    from suivi_server.simulator.engine import Simulator

RouteFactory = Callable[["Simulator"], Sequence[BaseRoute]]


@dataclass(frozen=True, slots=True)
class SimulatedCarrier:
    """One carrier as the simulator serves it: its adapter, routes and accepted credentials."""

    adapter: type[Adapter]
    routes: RouteFactory
    credentials: Mapping[str, str]


def simulated_carriers(registry: Registry | None = None) -> dict[str, SimulatedCarrier]:
    """Every loadable adapter of `registry` (the installed ones by default) that declares a
    simulator, by name. An adapter that fails to load is left out, as the Tracker leaves it
    out; a `simulator` reference that does not resolve raises AdapterLoadError naming it."""
    if registry is None:
        return dict(_installed())
    loaded, _ = registry.load_all()
    return {name: _load(cls) for name, cls in sorted(loaded.items()) if cls.simulator}


@cache
def _installed() -> dict[str, SimulatedCarrier]:
    """The installed carriers, found once: entry points do not change while a process runs."""
    return simulated_carriers(Registry())


def _load(adapter: type[Adapter]) -> SimulatedCarrier:
    reference = adapter.simulator or ""
    module_name, _, function = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
        routes = getattr(module, function)
        credentials = module.CREDENTIALS
    except Exception as exc:
        raise AdapterLoadError(
            f"simulator {reference!r} failed to load: {type(exc).__name__}: {exc}",
            carrier=adapter.name,
        ) from exc
    if not callable(routes) or not isinstance(credentials, Mapping):
        raise AdapterLoadError(
            f"simulator {reference!r} needs a routes(sim) function and a CREDENTIALS mapping",
            carrier=adapter.name,
        )
    return SimulatedCarrier(adapter, routes, {str(k): str(v) for k, v in credentials.items()})
