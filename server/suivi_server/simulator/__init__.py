"""A local stand-in for the five carriers' tracking APIs, in their real formats."""

from suivi_server.simulator.app import create_app
from suivi_server.simulator.engine import (
    CREDENTIALS,
    SimClock,
    Simulator,
    credential_environment,
    simulator_settings,
)
from suivi_server.simulator.scenario import (
    STORIES,
    Failure,
    FailureKind,
    Milestone,
    Parcel,
    Scenario,
    load_scenario,
)

__all__ = [
    "CREDENTIALS",
    "STORIES",
    "Failure",
    "FailureKind",
    "Milestone",
    "Parcel",
    "Scenario",
    "SimClock",
    "Simulator",
    "create_app",
    "credential_environment",
    "load_scenario",
    "simulator_settings",
]
