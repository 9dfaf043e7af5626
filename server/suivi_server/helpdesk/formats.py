"""The ticket CSV exports of Zendesk, Freshdesk and Gorgias, as data: which header holds what.

Each helpdesk names the same facts differently. A format lists, per ticket field, the headers
its export uses (matched whatever their case and surrounding spaces), the fields it cannot do
without (`required`), how it writes dates and how it names channels.

- Zendesk (Views → Export as CSV): "Id", "Subject", "Requester email", "Via", "Created at",
  "Tags"; the first message is "Description" when the export has it (or "Comments"). Dates are
  written in the account's time zone without an offset ("2026-11-20 14:05").
- Freshdesk (Tickets → Export): "Ticket ID", "Subject", "Description", "Email" (older exports:
  "Contact ID" holding the address), "Source", "Type", "Created time", "Tags"; dates in the
  helpdesk's time zone without an offset ("2026-11-20 14:05:33").
- Gorgias (Tickets → Export): "id" (or "ticket_id"), "subject", "channel", "customer_email",
  "created_datetime" (UTC, ISO 8601), "tags", the first message in "first_message_body" (or
  "first_message", "excerpt").

A date with an offset is read as written; one without is read in the merchant's time zone for
Zendesk and Freshdesk, in UTC for Gorgias. Any other column whose header speaks of an order or a
tracking number ("Order number [txt]", "Numéro de commande", "cf_tracking_number") is a custom
field: its cells are searched first when finding the shipment.

Auto-detection: a format fits when every one of its required fields has a header; among those
that fit, the one recognising the most headers wins. No fit, or a tie, is a clear refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from suivi.toolkit import fold

Field = Literal["id", "subject", "text", "email", "created_at", "channel", "tags", "type"]
FIELDS: tuple[Field, ...] = (
    "id",
    "subject",
    "text",
    "email",
    "created_at",
    "channel",
    "tags",
    "type",
)
# Folded words that make a header a custom reference field.
REFERENCE_HINTS = ("order", "commande", "tracking", "suivi", "colis", "parcel", "shipment")


@dataclass(frozen=True)
class HelpdeskFormat:
    name: str
    label: str
    columns: Mapping[Field, tuple[str, ...]]
    required: tuple[Field, ...]
    # where a date without an offset was written: the merchant's time zone, or UTC
    naive_dates: Literal["merchant", "utc"]
    # the helpdesk's channel names (folded) → contacts.CHANNELS; anything else is "other"
    channels: Mapping[str, str]


FORMATS: Mapping[str, HelpdeskFormat] = {
    "zendesk": HelpdeskFormat(
        name="zendesk",
        label="Zendesk",
        columns={
            "id": ("Id",),
            "subject": ("Subject",),
            "text": ("Description", "Comments", "Latest comment"),
            "email": ("Requester email",),
            "created_at": ("Created at",),
            "channel": ("Via",),
            "tags": ("Tags",),
            "type": ("Ticket type",),
        },
        required=("id", "created_at"),
        naive_dates="merchant",
        channels={
            "mail": "email",
            "email": "email",
            "web form": "email",
            "web widget": "email",
            "closed ticket": "email",
            "phone call (incoming)": "phone",
            "phone call (outgoing)": "phone",
            "voicemail": "phone",
            "chat": "chat",
            "messaging": "chat",
            "whatsapp": "chat",
            "sms": "chat",
            "facebook messenger": "chat",
        },
    ),
    "freshdesk": HelpdeskFormat(
        name="freshdesk",
        label="Freshdesk",
        columns={
            "id": ("Ticket ID", "Ticket Id"),
            "subject": ("Subject",),
            "text": ("Description",),
            "email": ("Email", "Contact ID", "Requester email"),
            "created_at": ("Created time",),
            "channel": ("Source",),
            "tags": ("Tags",),
            "type": ("Type",),
        },
        required=("id", "created_at"),
        naive_dates="merchant",
        channels={
            "email": "email",
            "outbound email": "email",
            "portal": "email",
            "feedback widget": "email",
            "phone": "phone",
            "chat": "chat",
            "whatsapp": "chat",
            "mobihelp": "chat",
        },
    ),
    "gorgias": HelpdeskFormat(
        name="gorgias",
        label="Gorgias",
        columns={
            "id": ("id", "ticket_id"),
            "subject": ("subject",),
            "text": ("first_message_body", "first_message", "excerpt"),
            "email": ("customer_email", "customer.email"),
            "created_at": ("created_datetime",),
            "channel": ("channel",),
            "tags": ("tags",),
            "type": (),
        },
        required=("id", "created_at"),
        naive_dates="utc",
        channels={
            "email": "email",
            "contact_form": "email",
            "help-center": "email",
            "phone": "phone",
            "chat": "chat",
            "sms": "chat",
            "whatsapp": "chat",
            "facebook-messenger": "chat",
            "instagram-direct-message": "chat",
        },
    ),
}


class UnknownFormat(ValueError):
    """The header row fits no helpdesk (or fits two equally): say what each one needs."""


def _key(header: str) -> str:
    return " ".join(header.split()).casefold()


@dataclass(frozen=True)
class ColumnMap:
    """Which column of this file holds each field, and which are custom reference fields."""

    format: HelpdeskFormat
    headers: tuple[str, ...]
    fields: Mapping[Field, int]
    references: tuple[int, ...]
    ignored: tuple[str, ...]


def mapping(fmt: HelpdeskFormat, headers: Sequence[str]) -> ColumnMap:
    """The columns of `headers` for `fmt` (the first header of each field's list present)."""
    keys = [_key(h.lstrip("\ufeff")) for h in headers]
    found: dict[Field, int] = {}
    for name in FIELDS:
        for header in fmt.columns[name]:
            if _key(header) in keys:
                found[name] = keys.index(_key(header))
                break
    used = set(found.values())
    references = tuple(
        i
        for i, header in enumerate(headers)
        if i not in used and any(hint in fold(header) for hint in REFERENCE_HINTS)
    )
    ignored = tuple(
        h for i, h in enumerate(headers) if i not in used and i not in references and h.strip()
    )
    return ColumnMap(
        fmt, tuple(h.lstrip("\ufeff").strip() for h in headers), found, references, ignored
    )


def fits(fmt: HelpdeskFormat, headers: Sequence[str]) -> bool:
    return all(name in mapping(fmt, headers).fields for name in fmt.required)


def detect(headers: Sequence[str]) -> HelpdeskFormat:
    """The helpdesk whose export has these headers; UnknownFormat when none or two fit."""
    fitting = [fmt for fmt in FORMATS.values() if fits(fmt, headers)]
    ranked = sorted(fitting, key=lambda f: -len(mapping(f, headers).fields))
    if not ranked:
        needs = "; ".join(
            f"{f.label}: " + ", ".join(f.columns[name][0] for name in f.required)
            for f in FORMATS.values()
        )
        raise UnknownFormat(f"these columns are not a known helpdesk export (needed: {needs})")
    if len(ranked) > 1 and len(mapping(ranked[0], headers).fields) == len(
        mapping(ranked[1], headers).fields
    ):
        raise UnknownFormat(
            f"these columns fit both {ranked[0].label} and {ranked[1].label}: say which"
        )
    return ranked[0]


def channel_of(fmt: HelpdeskFormat, value: str) -> str:
    """The contact channel of a helpdesk's channel name."""
    return fmt.channels.get(_key(value), "other")
