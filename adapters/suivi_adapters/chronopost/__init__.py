"""Chronopost (France): TrackingServiceWS SOAP tracking."""

from suivi_adapters.chronopost.adapter import ChronopostAdapter, ChronopostSettings

__all__ = ["ChronopostAdapter", "ChronopostSettings"]
