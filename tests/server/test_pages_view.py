"""The page view-model as pure functions: journey table, date-box wording, addresses."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from suivi import Status, Substatus
from suivi._taxonomy import ALLOWED_SUBSTATUSES
from suivi_server.pages.i18n import language
from suivi_server.pages.view import date_box, full_address, journey, zone
from suivi_server.pages.wording import BRANCHES, SENTENCES, STEP_LABELS, STEP_REACHED

EN = language("en")
PARIS = zone("Europe/Paris")
TODAY = date(2026, 11, 25)


def window(s: dict[str, Any], lang: Any = EN, today: date = TODAY) -> str | None:
    return date_box({"substatus": None, **s}, None, lang, PARIS, today=today)[1]


def test_every_status_and_substatus_has_a_step_and_a_sentence() -> None:
    pairs = [(s, None) for s in Status] + [
        (s, sub) for s, subs in ALLOWED_SUBSTATUSES.items() for sub in subs
    ]
    for status, sub in pairs:
        view = journey(status.value, sub.value if sub else None, has_pickup_point=False, lang=EN)
        assert view.steps[view.position - 1].state in {"current", "done", "problem"}
        assert SENTENCES.get(f"{status.value}/{sub}") or SENTENCES[status.value]


def test_the_tables_only_name_known_steps_and_statuses() -> None:
    steps = {step for branch in BRANCHES.values() for step in branch}
    assert set(STEP_REACHED.values()) <= steps == set(STEP_LABELS)
    known = {s.value for s in Status} | {
        f"{s.value}/{sub.value}" for s, subs in ALLOWED_SUBSTATUSES.items() for sub in subs
    }
    assert set(STEP_REACHED) <= known
    assert set(SENTENCES) <= known
    assert Substatus.COLLECTED_AT_PICKUP_POINT in ALLOWED_SUBSTATUSES[Status.DELIVERED]


@pytest.mark.parametrize(
    ("status", "substatus", "pickup", "branch", "current"),
    [
        ("pending", None, False, "home", "ordered"),
        ("info_received", "label_created", False, "home", "prepared"),
        ("in_transit", "picked_up", False, "home", "shipped"),
        ("in_transit", "to_pickup_point", True, "pickup", "in_transit"),
        ("out_for_delivery", None, False, "home", "out_for_delivery"),
        ("available_for_pickup", "locker", True, "pickup", "at_pickup_point"),
        ("returning", "not_collected", True, "return", "returning"),
    ],
)
def test_the_parcel_is_placed_on_its_branch(
    status: str, substatus: str | None, pickup: bool, branch: str, current: str
) -> None:
    view = journey(status, substatus, has_pickup_point=pickup, lang=EN)
    assert view.branch == branch
    assert [s.key for s in view.steps if s.state in {"current", "problem"}] == [current]


def test_a_finished_journey_has_every_step_done() -> None:
    view = journey("delivered", "collected_at_pickup_point", has_pickup_point=True, lang=EN)
    assert (view.branch, {s.state for s in view.steps}) == ("pickup", {"done"})


def shipment(**fields: Any) -> dict[str, Any]:
    base = {
        "status": "in_transit",
        "delivered_at": None,
        "estimate": None,
        "promised_delivery_date": None,
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"estimate": {"earliest": "2026-11-26", "latest": "2026-11-28", "source": "model"}},
            "Arrives between Thursday 26 November and Saturday 28 November",
        ),
        (
            {"estimate": {"earliest": "2026-11-26", "latest": "2026-11-26", "source": "carrier"}},
            "Arrives Thursday 26 November",
        ),
        ({"promised_delivery_date": date(2026, 11, 26)}, "Expected by Thursday 26 November"),
        ({}, None),
        ({"status": "returned", "promised_delivery_date": date(2026, 11, 26)}, None),
    ],
)
def test_the_window_is_said_in_plain_words(fields: dict[str, Any], expected: str | None) -> None:
    assert window(shipment(**fields)) == expected


def odds(confidence: float, earliest: str = "2026-11-26", latest: str = "2026-11-27") -> Any:
    return shipment(
        estimate={
            "earliest": earliest,
            "latest": latest,
            "source": "model",
            "confidence": confidence,
        }
    )


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [
        (0.97, "9 chances in 10 between Thursday 26 November and Friday 27 November"),
        (1.0, "9 chances in 10 between Thursday 26 November and Friday 27 November"),
        (0.89, "8 chances in 10 between Thursday 26 November and Friday 27 November"),
        (0.6, "6 chances in 10 between Thursday 26 November and Friday 27 November"),
        (0.59, "Arrives between Thursday 26 November and Friday 27 November"),
    ],
)
def test_the_window_says_its_odds_floored_and_only_when_they_are_good(
    confidence: float, expected: str
) -> None:
    assert window(odds(confidence)) == expected


def test_a_one_day_window_says_its_odds_too() -> None:
    one_day = odds(0.8, "2026-11-26", "2026-11-26")
    assert window(one_day) == "8 chances in 10 on Thursday 26 November"


def test_the_odds_are_not_said_of_a_window_whose_first_day_is_past() -> None:
    started = odds(0.9, "2026-11-24", "2026-11-26")
    assert window(started) == "Arrives between Wednesday 25 November and Thursday 26 November"


def test_the_odds_are_said_in_french() -> None:
    said = window(odds(0.92), language("fr"))
    assert said == "9 chances sur 10 entre le jeudi 26 novembre et le vendredi 27 novembre"


def test_an_hour_slot_today_stays_as_it_was() -> None:
    slot = {
        "earliest": "2026-11-25",
        "latest": "2026-11-25",
        "start_time": "10:00:00",
        "end_time": "12:00:00",
        "source": "carrier",
        "confidence": 0.95,
    }
    assert (
        window(shipment(estimate=slot)) == "Arrives Wednesday 25 November, between 10:00 and 12:00"
    )


def test_the_window_is_localized() -> None:
    est = {
        "earliest": "2026-11-26",
        "latest": "2026-11-26",
        "start_time": "10:00:00",
        "end_time": "12:00:00",
        "source": "carrier",
    }
    said = {code: window(shipment(estimate=est), language(code)) for code in ("de", "es")}
    assert said == {
        "de": "Kommt am Donnerstag, 26. November, zwischen 10:00 und 12:00 Uhr",
        "es": "Llega el jueves 26 de noviembre, entre las 10:00 y las 12:00",
    }


def test_a_shopper_who_proved_who_they_are_reads_their_whole_address() -> None:
    address = {"line1": "5 avenue Foch", "line2": "Bât B", "postcode": "69006", "city": "Lyon"}
    assert full_address(address) == "5 avenue Foch, Bât B, 69006 Lyon"
    assert full_address({"line1": "8 rue des Lilas", "postcode": "75011", "city": ""}) == (
        "8 rue des Lilas, 75011"
    )
    assert full_address(None) is None


def test_a_window_already_past_is_never_announced_as_an_arrival() -> None:
    est = {"earliest": "2026-11-23", "latest": "2026-11-24", "source": "carrier"}
    late = window(shipment(estimate=est), language("fr"), today=date(2026, 11, 25))
    assert late is not None
    assert late.startswith("Plus tard que prévu")
    # On the window's last day, its first day is past: only the day still ahead is said.
    assert window(shipment(estimate=est), today=date(2026, 11, 24)) == "Arrives Tuesday 24 November"


def test_a_promise_already_past_is_never_announced_either() -> None:
    late = window(shipment(promised_delivery_date=date(2026, 11, 20)))
    assert late == "Later than planned: we will update the date as soon as the carrier does"


def test_french_says_the_first_of_the_month_as_an_ordinal() -> None:
    est = {"earliest": "2026-12-01", "latest": "2026-12-01", "source": "carrier"}
    assert window(shipment(estimate=est), language("fr")) == "Arrive mardi 1er décembre"
    assert language("fr").day(date(2026, 12, 2)) == "mercredi 2 décembre"
    assert language("en").day(date(2026, 12, 1)) == "Tuesday 1 December"


def test_the_bar_keeps_the_furthest_step_and_marks_the_problem_there() -> None:
    reached = [("exception", "refused"), ("out_for_delivery", None), ("in_transit", None)]
    view = journey("exception", "refused", has_pickup_point=False, lang=EN, reached=reached)
    assert (view.branch, view.position, view.problem) == ("home", 5, True)
    assert [s.state for s in view.steps] == ["done", "done", "done", "done", "problem", "todo"]
