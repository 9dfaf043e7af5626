"""DPD France (cargoNET Webtrace) tracking, also reading DPD group DELIS answers."""

from suivi_adapters.dpd.adapter import DpdAdapter, DpdSettings

__all__ = ["DpdAdapter", "DpdSettings"]
