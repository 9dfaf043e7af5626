"""The carriers Suivi ships, registered through the same `suivi.adapters` entry points as plugins."""
