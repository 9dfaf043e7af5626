"""Every built-in adapter runs the contract third-party carriers run (`suivi.testing`)."""

from __future__ import annotations

from importlib.metadata import entry_points

from suivi import Registry
from suivi.testing import AdapterContract
from suivi_adapters.chronopost import ChronopostAdapter
from suivi_adapters.colissimo import ColissimoAdapter
from suivi_adapters.dpd import DpdAdapter
from suivi_adapters.mondial_relay import MondialRelayAdapter
from suivi_adapters.ups import UpsAdapter

BUILT_IN = {
    point.name
    for point in entry_points(group="suivi.adapters")
    if point.dist is not None and point.dist.name == "suivi"
}


class TestChronopost(AdapterContract):
    adapter = ChronopostAdapter


class TestColissimo(AdapterContract):
    adapter = ColissimoAdapter


class TestDpd(AdapterContract):
    adapter = DpdAdapter


class TestMondialRelay(AdapterContract):
    adapter = MondialRelayAdapter


class TestUps(AdapterContract):
    adapter = UpsAdapter


def test_no_built_in_adapter_is_broken() -> None:
    _, broken = Registry().load_all()
    assert {name: error for name, error in broken.items() if name in BUILT_IN} == {}


def test_every_built_in_adapter_runs_the_contract() -> None:
    contracts = {cls.adapter.name for cls in AdapterContract.__subclasses__()}
    assert BUILT_IN
    assert contracts >= BUILT_IN
