"""Promises that don't move for nothing: when a new estimate replaces the one the shopper saw.

Every change of the shown window is a reason to call, and a move later most of all. A new
estimate replaces the shown one only when

1. nothing was shown yet;
2. the shown window is no longer credible: its last day is past and the parcel has not come;
3. the new estimate pins a day: a single day no later than today (out for delivery, available
   at the pickup point, delivered), or the carrier's time slot for that day;
4. it comes from a better source: the model or the carrier where only the promise was shown;
5. it is materially different: one of its ends moved by at least one business day and, under
   the new forecast, the shown window has become unlikely (below `floor`), or the new one is
   more likely by at least `margin` without ending later. A window that still holds its
   chance is never pushed later for a better one: the shopper would read "later" for nothing.
   Without a forecast to weigh them, a move of either end by a business day is material: it
   is the carrier's own news.

Otherwise the shown dates stay; with a forecast, its stated confidence becomes the shown
window's chance under that forecast, so the figure the shopper reads stays true. That chance is
discounted as the new window's own: its stated confidence against its plain mass under the
forecast (the forecast's histogram is the one the shown window was chosen on, or nearly).
"""

from __future__ import annotations

from datetime import date, time

from suivi._calendar import BusinessCalendar
from suivi._forecast import Forecast
from suivi._models import DeliveryEstimate, EstimateSource

FLOOR = 0.5
MARGIN = 0.2
# Sources that know more than the merchant's promise rank above it.
_RANK: dict[EstimateSource, int] = {"promise": 0, "model": 1, "carrier": 1}


def settle(
    shown: DeliveryEstimate | None,
    new: DeliveryEstimate,
    *,
    today: date,
    calendar: BusinessCalendar,
    forecast: Forecast | None = None,
    floor: float = FLOOR,
    margin: float = MARGIN,
) -> DeliveryEstimate:
    """The estimate to show now: `shown` kept unless `new` is materially different (module)."""
    if shown is None or _replaces(shown, new, today, calendar, forecast, floor, margin):
        return new
    chance: float | None
    if forecast is not None:
        chance = round(_honest_chance(shown, new, forecast), 4)
    elif _window(shown) == _window(new):
        chance = new.confidence
    else:
        return shown
    return shown.model_copy(update={"confidence": chance})


def moved_later(shown: DeliveryEstimate | None, new: DeliveryEstimate) -> bool:
    """The new window ends after the shown one: the shopper is told to wait longer."""
    return shown is not None and new.latest > shown.latest


def _replaces(
    shown: DeliveryEstimate,
    new: DeliveryEstimate,
    today: date,
    calendar: BusinessCalendar,
    forecast: Forecast | None,
    floor: float,
    margin: float,
) -> bool:
    if _RANK[new.source] > _RANK[shown.source]:
        return True
    if _window(new) == _window(shown):
        return False
    if shown.latest < today:
        return True
    if new.earliest == new.latest and (
        new.latest <= today or (new.start_time, new.end_time) != (shown.start_time, shown.end_time)
    ):
        return True
    moved = any(
        calendar.business_days_between(before, after) != 0
        for before, after in ((shown.earliest, new.earliest), (shown.latest, new.latest))
    )
    if not moved or forecast is None:
        return moved
    kept = forecast.probability(shown.earliest, shown.latest)
    gained = forecast.probability(new.earliest, new.latest) - kept
    return kept < floor or (gained >= margin and not moved_later(shown, new))


def _window(estimate: DeliveryEstimate) -> tuple[date, date, time | None, time | None]:
    """What the shopper reads: the days and the time slot."""
    return estimate.earliest, estimate.latest, estimate.start_time, estimate.end_time


def _honest_chance(shown: DeliveryEstimate, new: DeliveryEstimate, forecast: Forecast) -> float:
    """The shown window's mass under `forecast`, scaled as the new window's confidence is."""
    plain = forecast.probability(shown.earliest, shown.latest)
    new_plain = forecast.probability(new.earliest, new.latest)
    if new.confidence is None or new_plain <= 0:
        return plain
    return min(1.0, plain * min(1.0, new.confidence / new_plain))
