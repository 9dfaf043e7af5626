"""Business calendar: carrier weekdays, public holidays, business days and business hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from suivi import BusinessCalendar
from suivi._calendar import EVERY_DAY, carrier_weekdays
from suivi.toolkit import MON_FRI, MON_SAT, PARIS

COLISSIMO = BusinessCalendar.for_carrier("colissimo")
DPD = BusinessCalendar.for_carrier("dpd")


@pytest.mark.parametrize(
    ("carrier", "service", "weekdays"),
    [
        ("colissimo", None, MON_SAT),
        ("chronopost", "Chrono 13", MON_SAT),
        ("mondial_relay", None, MON_SAT),
        ("dpd", "DPD Predict", MON_FRI),
        ("dpd", "DPD Predict Saturday", MON_SAT),
        ("dpd", "Livraison le SAMEDI", MON_SAT),
        ("ups", "UPS Standard", MON_FRI),
        ("ups", "UPS Express Saturday Delivery", MON_SAT),
        ("some_new_carrier", None, MON_FRI),
        ("some_new_carrier", "Saturday", MON_FRI),
    ],
)
def test_carrier_weekdays_come_from_the_adapters(
    carrier: str, service: str | None, weekdays: frozenset[int]
) -> None:
    assert carrier_weekdays(carrier, service) == weekdays


@pytest.mark.parametrize(
    "holiday",
    [date(2026, 11, 11), date(2026, 12, 25), date(2026, 4, 6), date(2027, 3, 29)],
    ids=["armistice", "christmas", "easter-monday-2026", "easter-monday-2027"],
)
def test_french_public_holidays_are_not_business_days(holiday: date) -> None:
    assert holiday.weekday() < 5
    assert not COLISSIMO.is_business_day(holiday)
    assert COLISSIMO.is_business_day(holiday + timedelta(days=14))


def test_saturday_is_a_business_day_only_for_carriers_that_deliver_it() -> None:
    saturday = date(2026, 11, 7)
    assert COLISSIMO.is_business_day(saturday)
    assert not DPD.is_business_day(saturday)
    assert not COLISSIMO.is_business_day(saturday + timedelta(days=1))


def test_holidays_follow_the_destination_country() -> None:
    german_unity_day = date(2025, 10, 3)
    assert not BusinessCalendar.for_carrier("dpd", country="de").is_business_day(german_unity_day)
    assert DPD.is_business_day(german_unity_day)


def test_a_country_without_holiday_data_keeps_only_weekends() -> None:
    calendar = BusinessCalendar(country="XX")
    assert calendar.is_business_day(date(2026, 12, 25))
    assert not calendar.is_business_day(date(2026, 12, 26))


def test_weekdays_must_be_a_real_week() -> None:
    with pytest.raises(ValueError, match="weekdays"):
        BusinessCalendar(weekdays=frozenset())
    with pytest.raises(ValueError, match="weekdays"):
        BusinessCalendar(weekdays=frozenset({7}))


def test_adding_business_days_skips_weekends_per_carrier() -> None:
    friday = date(2026, 11, 6)
    assert DPD.add_business_days(friday, 1) == date(2026, 11, 9)
    assert COLISSIMO.add_business_days(friday, 1) == date(2026, 11, 7)
    assert DPD.add_business_days(friday, 0) == friday


def test_adding_business_days_skips_armistice_day() -> None:
    assert COLISSIMO.add_business_days(date(2026, 11, 10), 1) == date(2026, 11, 12)


def test_adding_negative_business_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        DPD.add_business_days(date(2026, 11, 6), -1)


def test_business_days_between_counts_the_half_open_interval() -> None:
    friday, monday = date(2026, 11, 6), date(2026, 11, 9)
    assert DPD.business_days_between(friday, monday) == 1
    assert COLISSIMO.business_days_between(friday, monday) == 2
    assert DPD.business_days_between(monday, friday) == -1
    assert DPD.business_days_between(friday, friday) == 0


def test_counting_and_adding_agree_on_business_days() -> None:
    start = date(2026, 12, 18)
    for offset in range(1, 20):
        end = start + timedelta(days=offset)
        if COLISSIMO.is_business_day(end):
            assert (
                COLISSIMO.add_business_days(start, COLISSIMO.business_days_between(start, end))
                == end
            )


def test_a_friday_evening_scan_is_four_business_hours_old_on_sunday_for_dpd() -> None:
    friday_evening = datetime(2026, 11, 6, 20, 0, tzinfo=PARIS)
    sunday_evening = datetime(2026, 11, 8, 20, 0, tzinfo=PARIS)
    assert DPD.business_hours_between(friday_evening, sunday_evening) == 4.0
    assert COLISSIMO.business_hours_between(friday_evening, sunday_evening) == 28.0


def test_business_hours_skip_a_holiday() -> None:
    tuesday = datetime(2026, 11, 10, 18, 0, tzinfo=PARIS)
    thursday = datetime(2026, 11, 12, 20, 0, tzinfo=PARIS)
    assert DPD.business_hours_between(tuesday, thursday) == 26.0


def test_business_hours_are_read_in_the_calendar_zone_whatever_the_input_zone() -> None:
    friday_evening_utc = datetime(2026, 11, 6, 19, 0, tzinfo=UTC)  # 20:00 in Paris
    saturday_noon_tokyo = datetime(2026, 11, 7, 20, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 12:00 Paris
    assert COLISSIMO.business_hours_between(friday_evening_utc, saturday_noon_tokyo) == 16.0
    assert DPD.business_hours_between(friday_evening_utc, saturday_noon_tokyo) == 4.0


def test_business_hours_count_real_elapsed_time_across_daylight_saving() -> None:
    every_day = BusinessCalendar(weekdays=EVERY_DAY)
    saturday = datetime(2026, 3, 28, 0, 0, tzinfo=PARIS)
    monday = datetime(2026, 3, 30, 0, 0, tzinfo=PARIS)
    assert every_day.business_hours_between(saturday, monday) == 47.0


def test_business_hours_are_zero_when_end_is_not_after_start() -> None:
    moment = datetime(2026, 11, 9, 10, 0, tzinfo=PARIS)
    assert DPD.business_hours_between(moment, moment - timedelta(hours=3)) == 0.0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DPD.business_hours_between(
            datetime(2026, 11, 9, 10, 0), datetime(2026, 11, 9, 12, 0, tzinfo=PARIS)
        )
