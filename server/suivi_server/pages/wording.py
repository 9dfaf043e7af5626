"""What the pages say, as data: the journey's steps and one plain sentence per status.

Strings are marked with `N_` for extraction and translated at render time. Keys are SDK taxonomy
values (`status`, or `(status, substatus)` where the carrier says more).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from suivi import Registry
from suivi.errors import SuiviError
from suivi_server.pages.i18n import N_

# Each branch of the journey, in order. The bar shows the branch the parcel is on.
BRANCHES: Mapping[str, tuple[str, ...]] = {
    "home": ("ordered", "prepared", "shipped", "in_transit", "out_for_delivery", "delivered"),
    "pickup": ("ordered", "prepared", "shipped", "in_transit", "at_pickup_point", "collected"),
    "return": ("ordered", "prepared", "shipped", "returning", "returned"),
}

# Status (or status/substatus) → the step of the journey it has reached.
STEP_REACHED: Mapping[str, str] = {
    "pending": "ordered",
    "info_received": "prepared",
    "not_found": "prepared",
    "in_transit": "in_transit",
    "in_transit/picked_up": "shipped",
    "out_for_delivery": "out_for_delivery",
    "attempt_failed": "out_for_delivery",
    "available_for_pickup": "at_pickup_point",
    "delivered": "delivered",
    "delivered/collected_at_pickup_point": "collected",
    "exception": "in_transit",
    "expired": "in_transit",
    "returning": "returning",
    "returned": "returned",
}

STEP_LABELS: Mapping[str, str] = {
    "ordered": N_("Ordered"),
    "prepared": N_("Prepared"),
    "shipped": N_("Shipped"),
    "in_transit": N_("On its way"),
    "out_for_delivery": N_("Out for delivery"),
    "delivered": N_("Delivered"),
    "at_pickup_point": N_("At the pickup point"),
    "collected": N_("Collected"),
    "returning": N_("Going back to the shop"),
    "returned": N_("Back at the shop"),
}

# One sentence per status; reads well as the page headline and as a line of the history.
SENTENCES: Mapping[str, str] = {
    "pending": N_("We have received your order"),
    "info_received": N_("Your parcel is ready and waiting for the carrier"),
    "not_found": N_("The carrier has not scanned your parcel yet"),
    "in_transit": N_("Your parcel is on its way"),
    "in_transit/picked_up": N_("The carrier has picked up your parcel"),
    "in_transit/customs": N_("Your parcel is going through customs"),
    "in_transit/redirected": N_("Your parcel has been redirected"),
    "in_transit/to_pickup_point": N_("Your parcel is on its way to the pickup point"),
    "in_transit/delayed": N_("Your parcel is taking longer than planned"),
    "out_for_delivery": N_("Your parcel is out for delivery"),
    "attempt_failed": N_("The carrier could not deliver your parcel"),
    "available_for_pickup": N_("Your parcel is waiting for you at the pickup point"),
    "delivered": N_("Your parcel has been delivered"),
    "delivered/to_neighbour": N_("Your parcel was left with a neighbour"),
    "delivered/to_reception": N_("Your parcel was left at reception"),
    "delivered/to_safe_place": N_("Your parcel was left in a safe place"),
    "delivered/collected_at_pickup_point": N_("You collected your parcel"),
    "exception": N_("The carrier reports a problem with your parcel"),
    "exception/address_problem": N_("The carrier needs to check your address"),
    "exception/damaged": N_("The carrier reports that your parcel is damaged"),
    "exception/refused": N_("The parcel was refused"),
    "exception/lost": N_("We are looking for your parcel with the carrier"),
    "exception/customs_hold": N_("Your parcel is held at customs"),
    "exception/delayed": N_("Your parcel is taking longer than planned"),
    "returning": N_("Your parcel is on its way back to the shop"),
    "returned": N_("Your parcel is back at the shop"),
    "expired": N_("The carrier has not given news for a while"),
}


# A window whose confidence is worth saying, in tenths ("9 chances in 10"): from 6 in 10 on.
ODDS_FROM_TENTHS = 6
# Certainty is never promised: a window that always held so far is still said at 9 in 10.
ODDS_UP_TO_TENTHS = 9
WINDOW_WITH_ODDS = N_("%(chances)s chances in 10 between %(start)s and %(end)s")
DAY_WITH_ODDS = N_("%(chances)s chances in 10 on %(date)s")


@lru_cache(maxsize=256)
def carrier_name(carrier: str) -> str:
    """The carrier's name as its adapter spells it (`display_name`), remembered. A carrier whose
    adapter is no longer installed, or fails to load, still has stored parcels: its identifier
    is shown, title-cased, rather than an error page."""
    try:
        return Registry().get(carrier).display_name
    except SuiviError:
        return carrier.replace("_", " ").title()


def lookup(table: Mapping[str, str], status: str, substatus: str | None) -> str | None:
    """The most precise entry: `status/substatus` first, then `status`."""
    return table.get(f"{status}/{substatus}") or table.get(status)
