"""Mondial Relay (Point Relais and lockers, France and neighbouring countries)."""

from suivi_adapters.mondial_relay.adapter import MondialRelayAdapter, MondialRelaySettings

__all__ = ["MondialRelayAdapter", "MondialRelaySettings"]
