"""Pickup-point helpers shared by the adapters, and the stored JSON they produce."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from suivi import OpeningDay, OpeningSpan, PickupPoint
from suivi.pickup import merged, spans_from_slots, spans_from_text, street, week

MORNING = OpeningSpan(opens=time(9), closes=time(12, 30))
AFTERNOON = OpeningSpan(opens=time(14), closes=time(19))


@pytest.mark.parametrize(
    "text",
    ["09:00-12:30 14:00-19:00", "9h00 - 12h30, 14h00 – 19h00", "0900-1230 1400-1900"],
)
def test_spans_are_read_from_the_ways_carriers_write_them(text: str) -> None:
    assert spans_from_text(text) == (MORNING, AFTERNOON)


@pytest.mark.parametrize("text", ["", None, "00:00-00:00 00:00-00:00", "fermé"])
def test_a_closed_day_has_no_span(text: str | None) -> None:
    assert spans_from_text(text) == ()


def test_hhmm_slots_come_in_open_close_pairs_and_0000_is_unused() -> None:
    assert spans_from_slots(["0900", "1230", "1400", "1900"]) == (MORNING, AFTERNOON)
    assert spans_from_slots(["0000", "0000", "1400", "1900"]) == (AFTERNOON,)
    assert spans_from_slots(["0000"] * 4) == ()


def test_a_week_is_monday_first() -> None:
    assert week([(6, ()), (0, (MORNING,))]) == (
        OpeningDay(weekday=0, spans=(MORNING,)),
        OpeningDay(weekday=6, spans=()),
    )


def test_street_lines_are_joined_without_padding() -> None:
    assert street("  12 RUE   OBERKAMPF ", "   ", None, "BAT B") == "12 RUE OBERKAMPF, BAT B"
    assert street("  ", None) is None


def test_a_week_lists_each_day_once() -> None:
    with pytest.raises(ValidationError):
        PickupPoint(week=(OpeningDay(weekday=1), OpeningDay(weekday=1)))


def test_rows_stored_before_the_week_still_read() -> None:
    old = {"name": "Tabac", "opening_hours": ["Lun-Sam 8:00-19:00"], "deadline": "2026-12-05"}
    point = PickupPoint.model_validate(old)
    assert point.opening_hours == ("Lun-Sam 8:00-19:00",)
    assert point.week == ()


def test_the_week_survives_the_json_round_trip() -> None:
    point = PickupPoint(name="Tabac", week=week([(0, (MORNING, AFTERNOON))]))
    assert PickupPoint.model_validate(point.model_dump(mode="json")) == point


def test_a_directory_fills_blanks_and_keeps_the_deadline() -> None:
    tracked = PickupPoint(name="LE BALTO", identifier="075123", deadline=None)
    found = PickupPoint(name="TABAC LE BALTO", address="12 RUE OBERKAMPF", city="PARIS")
    assert merged(tracked, found) == PickupPoint(
        name="LE BALTO", identifier="075123", address="12 RUE OBERKAMPF", city="PARIS"
    )
