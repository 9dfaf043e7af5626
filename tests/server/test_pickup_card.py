"""The pickup card: a readable week in each language, and a map link only from an address."""

from __future__ import annotations

from datetime import time

from suivi import OpeningSpan, PickupPoint
from suivi.pickup import week
from suivi_server.pages.i18n import language
from suivi_server.pages.view import _pickup_card, opening_week

MORNING = OpeningSpan(opens=time(9), closes=time(12, 30))
AFTERNOON = OpeningSpan(opens=time(14), closes=time(19))
WEEK = week([*((d, (MORNING, AFTERNOON)) for d in range(5)), (5, (MORNING,)), (6, ())])


def test_following_days_with_the_same_hours_share_a_line() -> None:
    assert opening_week(WEEK, language("en")) == (
        "Monday – Friday 09:00–12:30, 14:00–19:00",
        "Saturday 09:00–12:30",
        "Sunday closed",
    )
    assert opening_week(WEEK, language("de"))[2] == "Sonntag geschlossen"


def test_a_gap_in_the_week_splits_the_line() -> None:
    days = week([(0, (MORNING,)), (2, (MORNING,))])
    assert opening_week(days, language("fr")) == ("lundi 09:00–12:30", "mercredi 09:00–12:30")


def test_the_map_searches_the_full_address() -> None:
    point = PickupPoint(name="TABAC", address="12 RUE OBERKAMPF", postcode="75011", city="PARIS")
    card = _pickup_card(point.model_copy(update={"country": "FR"}), language("fr"))
    assert card.map_url == (
        "https://www.openstreetmap.org/search?query=12%20RUE%20OBERKAMPF%2C%2075011%20PARIS%2C%20France"
    )


def test_no_address_means_no_map_link() -> None:
    card = _pickup_card(PickupPoint(name="TABAC", country="FR"), language("fr"))
    assert card.map_url is None
