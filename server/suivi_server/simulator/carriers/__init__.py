"""One module per carrier, each exposing `routes(sim) -> list[BaseRoute]` in its real format."""

from __future__ import annotations

import importlib
import pkgutil

from starlette.routing import BaseRoute

from suivi_server.simulator.engine import Simulator


def carrier_routes(sim: Simulator) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        routes.extend(module.routes(sim))
    return routes
