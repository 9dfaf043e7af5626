"""Example Express honours the contract every Suivi carrier does (`suivi.testing`)."""

from suivi.testing import AdapterContract

from suivi_carrier_example import ExampleAdapter


class TestExample(AdapterContract):
    adapter = ExampleAdapter
