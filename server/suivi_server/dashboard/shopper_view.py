"""What the shopper reads about a shipment, computed as the page computes it, and the names the
triage pages give to problems and channels.

The headline and banners come from the page's own `page_view`, so an agent reads the same
sentences as the shopper, in the agent's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from suivi_server.pages.branding import branding
from suivi_server.pages.i18n import N_, Language
from suivi_server.pages.queries import EventRow, MerchantRow, PageData, SituationRow
from suivi_server.pages.themes import Theme
from suivi_server.pages.view import PageView, page_view, zone
from suivi_server.storage.merchants import Merchant

PROBLEMS: Mapping[str, str] = {
    "disputed": N_("Delivery disputed by the shopper"),
    "choice_pending": N_("Shopper's request waiting"),
    "lost": N_("Lost"),
    "damaged": N_("Damaged"),
    "refused": N_("Refused"),
    "address_problem": N_("Address problem"),
    "returned_to_sender": N_("Returned to sender"),
    "exception": N_("Carrier exception"),
    "delivery_delayed": N_("Delivery delayed"),
    "attempt_failed": N_("Delivery attempt failed"),
    "pickup_deadline": N_("Pickup deadline near"),
    "shipped_late": N_("Shipped late"),
    "preparation_delay": N_("Preparation delayed"),
}
CHANNELS: Mapping[str, str] = {
    "email": N_("Email"),
    "sms": N_("SMS"),
    "webhook": N_("Shop webhook"),
}
NO_PROBLEM = N_("No problem")


def label(table: Mapping[str, str], key: str | None, lang: Language) -> str:
    """The translated name; a key the table does not know (a plugin's) shows as stored."""
    if key is None:
        return lang.gettext(NO_PROBLEM)
    return lang.gettext(table[key]) if key in table else key


def when(moment: datetime, merchant: Merchant, lang: Language) -> str:
    """A moment as the merchant's staff read it: their zone, short day and clock."""
    local = moment.astimezone(zone(str(merchant.settings.get("timezone") or "Europe/Paris")))
    return f"{lang.short_day(local.date())} {lang.clock(local)}"


def shopper_view(
    merchant: Merchant,
    shipment: Mapping[str, Any],
    situations: Sequence[SituationRow],
    events: Sequence[EventRow],
    lang: Language,
    now: datetime,
) -> PageView:
    """The shopper page's view of this shipment (headline, date box, banners, history)."""
    row = MerchantRow(merchant.id, merchant.slug, merchant.name, merchant.theme, merchant.settings)
    theme = Theme(merchant.theme, merchant.theme, None, "", {}, {}, ())
    brand = branding(merchant.slug, merchant.name, theme, merchant.settings)
    data = PageData(row, shipment, tuple(events), tuple(situations))
    return page_view(data, brand, lang, now=now)
