"""UPS adapter: Track API v1 over OAuth 2.0."""

from suivi_adapters.ups.adapter import UpsAdapter, UpsSettings

__all__ = ["UpsAdapter", "UpsSettings"]
