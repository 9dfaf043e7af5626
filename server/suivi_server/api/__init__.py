"""Merchant API (JSON, bearer API keys), documented at /api/openapi.json; see `routes`."""
