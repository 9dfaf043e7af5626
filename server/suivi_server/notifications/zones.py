"""The shopper's time zone, for quiet hours: from the destination, else the merchant's zone.

Overseas France shares the country code FR with the mainland, so its départements are told
apart by postcode (971 Guadeloupe … 976 Mayotte); other countries we ship to have one zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# INSEE postcode prefixes of the overseas départements and collectivities.
FRENCH_OVERSEAS: Mapping[str, str] = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
# Countries with a single time zone (those with several fall back to the merchant's).
COUNTRY_ZONES: Mapping[str, str] = {
    "FR": "Europe/Paris", "BE": "Europe/Brussels", "LU": "Europe/Luxembourg",
    "MC": "Europe/Monaco", "CH": "Europe/Zurich", "DE": "Europe/Berlin",
    "AT": "Europe/Vienna", "NL": "Europe/Amsterdam", "IT": "Europe/Rome",
    "GB": "Europe/London", "IE": "Europe/Dublin", "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague", "DK": "Europe/Copenhagen", "SE": "Europe/Stockholm",
    "GR": "Europe/Athens", "FI": "Europe/Helsinki", "RO": "Europe/Bucharest",
}  # fmt: skip


def shopper_zone(country: str | None, postcode: str | None, merchant_zone: str) -> ZoneInfo:
    code = (country or "").upper()
    name = COUNTRY_ZONES.get(code)
    if code in ("FR", "") and postcode:
        name = FRENCH_OVERSEAS.get(postcode.strip()[:3], name)
    try:
        return ZoneInfo(name or merchant_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Paris")
