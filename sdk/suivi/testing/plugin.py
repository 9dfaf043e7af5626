"""The pytest plugin `suivi` (entry point `pytest11`): fixtures for testing carrier adapters.

Installed with Suivi, so any test suite in the environment can ask for them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from suivi._adapter import Adapter, AdapterSettings
from suivi._registry import Registry
from suivi.testing._samples import sample_bytes
from suivi.testing._simulator import RunningSimulator, serve_simulator


@pytest.fixture(scope="session")
def carrier_simulator() -> Iterator[RunningSimulator]:
    """The carrier simulator on a free localhost port for the whole session, playing every
    installed adapter that declares `simulator`, its clock frozen at `SIM_START`.

    Shared by the session: a test that adds parcels uses numbers of its own, and one that
    adds failures or moves the clock serves its own simulator with `serve_simulator`.
    """
    with serve_simulator() as running:
        yield running


@pytest.fixture(scope="session")
def simulator_settings(carrier_simulator: RunningSimulator) -> dict[str, AdapterSettings]:
    """Settings per carrier name pointing each simulated adapter at `carrier_simulator`,
    with the credentials its simulator module accepts (`CREDENTIALS`)."""
    registry = Registry()
    return {
        name: registry.get(name).settings_model.model_validate(
            {**credentials, "base_url": carrier_simulator.url}
        )
        for name, credentials in carrier_simulator.simulator.credentials.items()
    }


@pytest.fixture
def sample() -> Callable[[type[Adapter] | str, str], bytes]:
    """`sample(adapter, "delivered.json")`: the bytes of one of an adapter's samples; the
    adapter is its class or its registered name."""

    def read(adapter: type[Adapter] | str, name: str) -> bytes:
        cls = Registry().get(adapter) if isinstance(adapter, str) else adapter
        return sample_bytes(cls, name)

    return read
