"""A local stand-in for carriers' tracking APIs, in their real formats.

The simulator names no carrier: it serves every adapter in the Registry that declares
`simulator = "package.module:routes"` (see `carriers`). A carrier's simulator module, built-in
or third-party, is written against this package's public names only:

- `routes(sim: Simulator) -> list[BaseRoute]`: Starlette routes answering like the carrier.
  `sim.parcel(carrier, number)` is the scripted `Parcel`; `parcel.events(sim.clock.now())`
  the `SimEvent`s visible now, each at a carrier-neutral `Milestone` the module turns into the
  carrier's native code. Every endpoint answers through `await sim.respond(key, build,
  style)`, which counts the request and plays the failure modes queued for `key` (the
  carrier's name, or `"<carrier>.<endpoint>"` for a second endpoint), each worded by the
  module's `FailureStyle` in the carrier's own error format.
- `CREDENTIALS: dict[str, str]`: the adapter settings the simulator accepts (checked against
  `sim.credentials[carrier]`); `credential_environment` and `simulator_settings` give them
  to the adapter, pointed at the simulator's URL.
"""

from suivi_server.simulator.app import create_app
from suivi_server.simulator.carriers import SimulatedCarrier, simulated_carriers
from suivi_server.simulator.engine import (
    FailureStyle,
    SimClock,
    Simulator,
    credential_environment,
    simulator_settings,
)
from suivi_server.simulator.scenario import (
    PICKUP_HOURS,
    STORIES,
    Failure,
    FailureKind,
    Milestone,
    Parcel,
    Scenario,
    SimEvent,
    load_scenario,
)

__all__ = [
    "PICKUP_HOURS",
    "STORIES",
    "Failure",
    "FailureKind",
    "FailureStyle",
    "Milestone",
    "Parcel",
    "Scenario",
    "SimClock",
    "SimEvent",
    "SimulatedCarrier",
    "Simulator",
    "create_app",
    "credential_environment",
    "load_scenario",
    "simulated_carriers",
    "simulator_settings",
]
