"""Colissimo / La Poste tracking through the Suivi v2 (Okapi) API."""

from suivi_adapters.colissimo.adapter import ColissimoAdapter, ColissimoSettings

__all__ = ["ColissimoAdapter", "ColissimoSettings"]
