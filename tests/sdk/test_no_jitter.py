"""The shown window stays unless the new one is materially different or the old one is past."""

from __future__ import annotations

from datetime import date, time

from suivi import BusinessCalendar, DeliveryEstimate, Forecast, Milestone, moved_later, settle

DPD = BusinessCalendar.for_carrier("dpd")  # Monday to Friday
MONDAY = date(2026, 11, 16)
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (date(2026, 11, d) for d in (17, 18, 19, 20))
NEXT_MONDAY = date(2026, 11, 23)


def window(
    first: date,
    last: date,
    *,
    source: str = "model",
    confidence: float | None = 0.8,
    slot: tuple[time, time] | None = None,
) -> DeliveryEstimate:
    return DeliveryEstimate.model_validate(
        {
            "earliest": first,
            "latest": last,
            "source": source,
            "confidence": confidence,
            "start_time": slot[0] if slot else None,
            "end_time": slot[1] if slot else None,
        }
    )


def forecast(chances: dict[date, float]) -> Forecast:
    return Forecast(Milestone.HUB, MONDAY, chances, window(TUESDAY, WEDNESDAY))


SHOWN = window(TUESDAY, WEDNESDAY)


def test_the_first_estimate_is_shown() -> None:
    assert settle(None, SHOWN, today=MONDAY, calendar=DPD) == SHOWN


def test_a_window_still_likely_stays_and_says_its_new_chance() -> None:
    new = window(WEDNESDAY, THURSDAY, confidence=0.85)
    chances = forecast({TUESDAY: 0.3, WEDNESDAY: 0.4, THURSDAY: 0.3})
    kept = settle(SHOWN, new, today=MONDAY, calendar=DPD, forecast=chances)
    # 70 % against 70 %: no reason to move; the shown window now states 0.7.
    assert kept == SHOWN.model_copy(update={"confidence": 0.7})


def test_the_kept_windows_chance_is_discounted_as_the_new_ones() -> None:
    # The new window holds 70 % of the forecast but states 0.63 (a tenth less, as its group's
    # choice is partly luck): the kept window's 70 % is stated as 0.63 too.
    new = window(WEDNESDAY, THURSDAY, confidence=0.63)
    chances = forecast({TUESDAY: 0.3, WEDNESDAY: 0.4, THURSDAY: 0.3})
    kept = settle(SHOWN, new, today=MONDAY, calendar=DPD, forecast=chances)
    assert kept == SHOWN.model_copy(update={"confidence": 0.63})


def test_a_window_that_became_unlikely_is_replaced() -> None:
    new = window(THURSDAY, FRIDAY, confidence=0.85)
    chances = forecast({WEDNESDAY: 0.1, THURSDAY: 0.6, FRIDAY: 0.3})
    assert settle(SHOWN, new, today=MONDAY, calendar=DPD, forecast=chances) == new


def test_a_still_plausible_window_is_not_pushed_later_for_a_likelier_one() -> None:
    new = window(WEDNESDAY, THURSDAY, confidence=0.9)
    chances = forecast({TUESDAY: 0.05, WEDNESDAY: 0.5, THURSDAY: 0.45})
    # The shown one still holds 55 %, above the floor: "later" would be news for nothing, so
    # it stays and says its chance (0.55 discounted as the new window's 0.9 against 0.95).
    kept = settle(SHOWN, new, today=MONDAY, calendar=DPD, forecast=chances)
    assert kept == SHOWN.model_copy(update={"confidence": round(0.55 * 0.9 / 0.95, 4)})


def test_a_much_likelier_window_no_later_replaces_a_still_plausible_one() -> None:
    shown = window(WEDNESDAY, THURSDAY)
    new = window(TUESDAY, WEDNESDAY, confidence=0.8)
    # The shown one holds 50 % (at the floor, still plausible); the earlier one holds 80 %.
    chances = forecast({TUESDAY: 0.5, WEDNESDAY: 0.3, THURSDAY: 0.2})
    assert settle(shown, new, today=MONDAY, calendar=DPD, forecast=chances) == new


def test_a_move_over_a_weekend_that_lands_on_the_same_business_day_is_no_move() -> None:
    shown = window(THURSDAY, FRIDAY)
    new = window(THURSDAY, date(2026, 11, 21))  # Saturday: DPD delivers on Monday anyway
    assert settle(shown, new, today=MONDAY, calendar=DPD) == shown


def test_without_a_forecast_any_move_of_a_business_day_replaces() -> None:
    carrier = window(TUESDAY, TUESDAY, source="carrier", confidence=None)
    moved = window(WEDNESDAY, WEDNESDAY, source="carrier", confidence=None)
    assert settle(carrier, moved, today=MONDAY, calendar=DPD) == moved


def test_the_same_window_keeps_the_shown_one_with_the_new_confidence() -> None:
    again = window(TUESDAY, WEDNESDAY, confidence=0.9)
    assert settle(SHOWN, again, today=MONDAY, calendar=DPD) == again


def test_a_window_gone_by_is_replaced() -> None:
    new = window(THURSDAY, FRIDAY)
    chances = forecast({THURSDAY: 0.6, FRIDAY: 0.4})
    assert settle(SHOWN, new, today=THURSDAY, calendar=DPD, forecast=chances) == new


def test_a_pinned_day_replaces_even_inside_the_shown_window() -> None:
    out_for_delivery = window(TUESDAY, TUESDAY, source="carrier", confidence=0.96)
    chances = forecast({TUESDAY: 0.5, WEDNESDAY: 0.5})
    settled = settle(SHOWN, out_for_delivery, today=TUESDAY, calendar=DPD, forecast=chances)
    assert settled == out_for_delivery


def test_the_carriers_time_slot_replaces_the_same_day_without_one() -> None:
    day = window(WEDNESDAY, WEDNESDAY, source="carrier", confidence=None)
    slot = window(
        WEDNESDAY, WEDNESDAY, source="carrier", confidence=None, slot=(time(10), time(11))
    )
    assert settle(day, slot, today=MONDAY, calendar=DPD) == slot


def test_a_better_source_replaces_the_promise() -> None:
    promise = window(TUESDAY, WEDNESDAY, source="promise", confidence=None)
    assert settle(promise, SHOWN, today=MONDAY, calendar=DPD) == SHOWN


def test_moving_later_is_the_end_of_the_window_moving_later() -> None:
    assert moved_later(SHOWN, window(WEDNESDAY, THURSDAY))
    assert not moved_later(SHOWN, window(MONDAY, WEDNESDAY))
    assert not moved_later(SHOWN, window(TUESDAY, TUESDAY))
    assert not moved_later(None, SHOWN)
    assert moved_later(window(THURSDAY, FRIDAY), window(THURSDAY, NEXT_MONDAY))
