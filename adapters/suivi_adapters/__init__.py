"""Built-in carriers, registered through the same `suivi.adapters` entry points as plugins."""
