"""Example Express for Suivi: a carrier as one package, registered as `suivi.adapters:example`."""

from suivi_carrier_example.adapter import ExampleAdapter, ExampleSettings

__all__ = ["ExampleAdapter", "ExampleSettings"]
