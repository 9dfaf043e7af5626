"""Contacts from helpdesks: ticket exports (Zendesk, Freshdesk, Gorgias) read, matched to the
merchant's shipments and classified by reason, then stored as contacts the feedback loop counts."""
