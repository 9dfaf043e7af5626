"""Taxonomy rules: which event decides the status, ties, notices, terminal and problem states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from suivi import Status, Substatus, Tracking, TrackingEvent
from suivi.toolkit import NOTICE, StatusMap

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def ev(
    status: Status, minutes: int, sub: Substatus | None = None, *, notice: bool = False
) -> TrackingEvent:
    return TrackingEvent(
        timestamp=T0 + timedelta(minutes=minutes),
        status=status,
        substatus=sub,
        code=status.value[:3].upper(),
        label=status.value,
        affects_status=not notice,
    )


def test_latest_event_wins_whatever_the_input_order() -> None:
    events = [
        ev(Status.IN_TRANSIT, 60),
        ev(Status.OUT_FOR_DELIVERY, 120),
        ev(Status.INFO_RECEIVED, 0),
    ]
    tracking = Tracking.from_events("x", "1", events)
    assert tracking.status is Status.OUT_FOR_DELIVERY
    assert [e.status for e in tracking.events] == [
        Status.OUT_FOR_DELIVERY,
        Status.IN_TRANSIT,
        Status.INFO_RECEIVED,
    ]


@pytest.mark.parametrize("order", [1, -1])
def test_same_timestamp_delivered_beats_out_for_delivery(order: int) -> None:
    events = [ev(Status.OUT_FOR_DELIVERY, 30), ev(Status.DELIVERED, 30, Substatus.TO_RECIPIENT)][
        ::order
    ]
    tracking = Tracking.from_events("x", "1", events)
    assert tracking.status is Status.DELIVERED
    assert tracking.substatus is Substatus.TO_RECIPIENT
    assert tracking.events[0].status is Status.DELIVERED
    assert tracking.delivered_at == T0 + timedelta(minutes=30)


def test_same_timestamp_exception_beats_in_transit() -> None:
    events = [ev(Status.EXCEPTION, 5, Substatus.DAMAGED), ev(Status.IN_TRANSIT, 5)]
    assert Tracking.from_events("x", "1", events).status is Status.EXCEPTION


def test_notices_never_change_the_current_status() -> None:
    events = [
        ev(Status.AVAILABLE_FOR_PICKUP, 0, Substatus.PICKUP_POINT),
        ev(Status.IN_TRANSIT, 90, notice=True),
    ]
    tracking = Tracking.from_events("x", "1", events)
    assert tracking.status is Status.AVAILABLE_FOR_PICKUP
    assert tracking.events[0].affects_status is False  # still listed, newest first


def test_no_events_means_not_found_unless_told_otherwise() -> None:
    assert Tracking.from_events("x", "1", []).status is Status.NOT_FOUND
    pending = Tracking.from_events("x", "1", [], status_without_events=Status.PENDING)
    assert pending.status is Status.PENDING


@pytest.mark.parametrize(
    ("status", "terminal"),
    [
        (Status.DELIVERED, True),
        (Status.RETURNED, True),
        (Status.EXPIRED, True),
        (Status.OUT_FOR_DELIVERY, False),
        (Status.EXCEPTION, False),
        (Status.RETURNING, False),
    ],
)
def test_terminal_statuses(status: Status, terminal: bool) -> None:
    assert Tracking(carrier="x", tracking_number="1", status=status).is_terminal is terminal


@pytest.mark.parametrize(
    ("status", "substatus", "problem"),
    [
        (Status.EXCEPTION, Substatus.ADDRESS_PROBLEM, True),
        (Status.ATTEMPT_FAILED, None, True),
        (Status.RETURNING, Substatus.REFUSED, True),
        (Status.IN_TRANSIT, Substatus.DELAYED, True),
        (Status.IN_TRANSIT, Substatus.AT_HUB, False),
        (Status.DELIVERED, Substatus.TO_NEIGHBOUR, False),
        (Status.AVAILABLE_FOR_PICKUP, None, False),
    ],
)
def test_problem_states_are_the_ones_a_merchant_must_see(
    status: Status, substatus: Substatus | None, problem: bool
) -> None:
    tracking = Tracking(carrier="x", tracking_number="1", status=status, substatus=substatus)
    assert tracking.is_problem is problem


def test_a_substatus_from_another_status_is_rejected() -> None:
    with pytest.raises(ValidationError, match="does not belong"):
        Tracking(
            carrier="x", tracking_number="1", status=Status.DELIVERED, substatus=Substatus.DAMAGED
        )


def test_status_map_rejects_a_code_mapped_twice() -> None:
    with pytest.raises(ValueError, match="mapped twice"):
        StatusMap("x", [("A1", Status.IN_TRANSIT, None), (("B", "a1 "), Status.DELIVERED, None)])


def test_status_map_rejects_a_wrong_substatus_at_import() -> None:
    with pytest.raises(ValueError, match="does not belong"):
        StatusMap("x", [("A1", Status.IN_TRANSIT, Substatus.REFUSED)])


def test_status_map_unknown_code_is_exception_unknown() -> None:
    table = StatusMap("x", [("A1", Status.IN_TRANSIT, None)])
    mapping = table.lookup("ZZ9", "Colis égaré")
    assert (mapping.status, mapping.substatus, mapping.known) == (
        Status.EXCEPTION,
        Substatus.UNKNOWN,
        False,
    )


def test_status_map_trims_padded_codes_and_marks_notices() -> None:
    table = StatusMap("x", [("D", Status.DELIVERED, None), ("SM", Status.IN_TRANSIT, None, NOTICE)])
    assert table.lookup("D  ").status is Status.DELIVERED
    assert table.lookup(" sm").affects_status is False
    assert "D" in table
    assert 40 not in table


def test_keywords_decide_for_unknown_and_label_dependent_codes() -> None:
    table = StatusMap(
        "x",
        [("SD", Status.IN_TRANSIT, None)],
        keywords=[
            ("reportée", Status.IN_TRANSIT, Substatus.DELAYED),
            ("refus*", Status.EXCEPTION, Substatus.REFUSED),
        ],
        label_dependent=["SD"],
    )
    assert table.lookup("SD", "Tri effectué").substatus is None
    assert table.lookup("SD", "Livraison REPORTEE de 24h").substatus is Substatus.DELAYED
    assert table.lookup("QQ", "Colis refusé par le destinataire").substatus is Substatus.REFUSED


WORDS = StatusMap(
    "x",
    [],
    keywords=[
        ("non distribuable", Status.EXCEPTION, Substatus.ADDRESS_PROBLEM),
        ("absent", Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT),
        ("livre", Status.DELIVERED, Substatus.TO_RECIPIENT),
        ("deliver*", Status.DELIVERED, Substatus.TO_RECIPIENT),
        ("endommag*", Status.EXCEPTION, Substatus.DAMAGED),
        ("pris en charge", Status.IN_TRANSIT, Substatus.PICKED_UP),
    ],
)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Livré", Substatus.TO_RECIPIENT),
        ("Delivered to the front desk", Substatus.TO_RECIPIENT),
        ("Colis endommagé lors du transport", Substatus.DAMAGED),
        ("Colis pris en charge par Mondial Relay", Substatus.PICKED_UP),
        ("Non distribuable", Substatus.ADDRESS_PROBLEM),  # the phrase says its own negation
        ("Votre colis n'a pas pu être livré car vous étiez absent.", Substatus.RECIPIENT_ABSENT),
        ("Colis non livré, destinataire absent", Substatus.RECIPIENT_ABSENT),
    ],
)
def test_keywords_are_words_and_phrases(label: str, expected: Substatus) -> None:
    found = WORDS.match_label(label)
    assert found is not None
    assert found.substatus is expected


@pytest.mark.parametrize(
    "label",
    [
        "The driver called",  # "driver" is not "deliver"
        "Livraison prévue demain",  # "livraison" is not "livré"
        "Colis non livré",
        "Le colis n'a pas pu être livré",
        "Not delivered",
        "Nicht zugestellt, not delivered yet",
    ],
)
def test_a_word_inside_another_or_negated_never_matches(label: str) -> None:
    found = WORDS.match_label(label)
    assert found is None or found.substatus is not Substatus.TO_RECIPIENT


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Colis n°12345 livré", Substatus.TO_RECIPIENT),  # "n°" is a number, not a negation
        ("Pedido Nº 1234 livre", Substatus.TO_RECIPIENT),
        ("Le facteur n'a pas eu d'accès, destinataire absent", Substatus.RECIPIENT_ABSENT),
        ("Sera livré demain", None),  # a promise, not a delivery
        ("Will be delivered today", None),
    ],
)
def test_number_marks_promises_and_reasons(label: str, expected: Substatus | None) -> None:
    found = WORDS.match_label(label)
    assert (found.substatus if found else None) is expected


def test_a_label_dependent_code_keeps_to_the_statuses_it_allows() -> None:
    table = StatusMap(
        "x",
        [("DI1", Status.DELIVERED, Substatus.TO_RECIPIENT)],
        keywords=[
            ("absence", Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT),
            ("voisin", Status.DELIVERED, Substatus.TO_NEIGHBOUR),
        ],
        label_dependent={"DI1": (Status.DELIVERED,)},
    )
    assert table.lookup("DI1", "Livré en votre absence dans la boîte").substatus is (
        Substatus.TO_RECIPIENT
    )
    assert table.lookup("DI1", "Livré à votre voisin").substatus is Substatus.TO_NEIGHBOUR
    assert table.lookup("ZZ", "Destinataire en absence").substatus is Substatus.RECIPIENT_ABSENT
