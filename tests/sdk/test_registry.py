"""Adapters come only from the `suivi.adapters` entry points; broken plugins are contained."""

from __future__ import annotations

import pytest

from suivi import Registry, errors
from suivi.testing import FakeCarrier
from tests.sdk.helpers import fake_point

BUILT_IN = {"chronopost", "colissimo", "dpd", "mondial_relay", "ups"}


def test_built_in_carriers_are_registered_through_entry_points() -> None:
    registry = Registry()
    assert set(registry.names()) >= BUILT_IN
    loaded, broken = registry.load_all()
    assert set(loaded) >= BUILT_IN
    assert not set(broken) & BUILT_IN


def test_a_plugin_is_loaded_from_its_entry_point() -> None:
    assert Registry([fake_point()]).get("fake") is FakeCarrier


def test_a_plugin_that_fails_to_import_gives_a_clear_error_and_spares_the_others() -> None:
    registry = Registry(
        [fake_point(), fake_point("broken", "suivi_no_such_package.carrier:Adapter")]
    )
    loaded, broken = registry.load_all()
    assert set(loaded) == {"fake"}
    assert "suivi_no_such_package" in broken["broken"].message
    assert "ModuleNotFoundError" in broken["broken"].message
    with pytest.raises(errors.AdapterLoadError, match="failed to load"):
        registry.get("broken")


def test_a_plugin_that_is_not_an_adapter_is_refused() -> None:
    registry = Registry([fake_point("odd", "suivi.testing:FakeCarrierSettings")])
    with pytest.raises(errors.AdapterLoadError, match=r"not a suivi\.toolkit\.Adapter subclass"):
        registry.get("odd")


def test_a_plugin_registered_under_another_name_is_refused() -> None:
    registry = Registry([fake_point("other")])
    with pytest.raises(errors.AdapterLoadError, match="calls itself 'fake'"):
        registry.get("other")


def test_an_unknown_carrier_lists_what_is_installed() -> None:
    with pytest.raises(errors.AdapterNotFound, match=r"installed: fake"):
        Registry([fake_point()]).get("laposte")
