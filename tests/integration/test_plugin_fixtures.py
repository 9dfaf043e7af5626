"""The `suivi` pytest plugin's fixtures, asked for by name as a carrier package's tests do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from suivi import Registry, RetryPolicy, Status, Tracker
from suivi.testing import SIM_START, RunningSimulator
from suivi.toolkit import AdapterSettings
from suivi_server.simulator import STORIES, Parcel

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@pytest.mark.parametrize("carrier", ["colissimo", "ups"])
async def test_simulator_settings_track_a_parcel_on_the_carrier_simulator(
    carrier_simulator: RunningSimulator,
    simulator_settings: dict[str, AdapterSettings],
    carrier: str,
) -> None:
    number = {"colissimo": "6A26011199901", "ups": "1Z999AA10123456784"}[carrier]
    start = SIM_START - timedelta(days=3)
    carrier_simulator.simulator.add_parcel(Parcel(carrier, number, start, STORIES["delivered"]))
    tracker = Tracker(settings=simulator_settings, retry=RetryPolicy(max_attempts=1))
    async with tracker:
        tracking = await tracker.track(carrier, number)
    assert tracking.status is Status.DELIVERED
    assert simulator_settings[carrier].base_url == carrier_simulator.url


def test_simulator_settings_cover_every_simulated_carrier(
    simulator_settings: dict[str, AdapterSettings],
) -> None:
    registry = Registry()
    declared = {name for name in registry.names() if registry.get(name).simulator}
    assert declared
    assert set(simulator_settings) >= declared
    for name in declared:
        assert isinstance(simulator_settings[name], registry.get(name).settings_model)


def test_sample_reads_an_adapters_sample_by_class_or_name(
    sample: Callable[[object, str], bytes],
) -> None:
    by_name = sample("colissimo", "delivered.json")
    assert by_name == sample(Registry().get("colissimo"), "delivered.json")
    assert by_name.startswith(b"{")
