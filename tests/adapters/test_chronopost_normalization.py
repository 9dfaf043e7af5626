"""Chronopost normalization: each event read after the ones before it, labels read as words in
both languages the service answers in, and every format an answer comes in."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from suivi import Status, Substatus
from suivi.errors import CarrierResponseInvalid
from suivi.toolkit import PARIS
from suivi_adapters.chronopost import codes
from tests.adapters.test_chronopost import answer, one, parse, sample, scan
from tests.conftest import fixture_bytes

S, Sub = Status, Substatus


def state(tracking_or_name: str) -> tuple[Status, Substatus | None]:
    tracking = sample(tracking_or_name)
    return tracking.status, tracking.substatus


# -- sequences, on samples in the real format --------------------------------------------------


def test_delivery_after_availability_at_the_point_is_a_collection() -> None:
    tracking = sample("collected_after_pickup.xml")
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)
    assert tracking.delivered_at is not None
    assert tracking.delivered_at.isoformat() == "2026-06-25T17:31:12+02:00"
    assert tracking.signed_by == "C. DURAND"


def test_reminders_and_a_re_announced_point_keep_the_parcel_available() -> None:
    tracking = sample("available_reannounced.xml")
    assert (tracking.status, tracking.substatus) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)
    assert [e.code for e in tracking.events[:3]] == ["SM", "SM", "RB"]
    assert tracking.events[2].status is S.AVAILABLE_FOR_PICKUP
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.name == "TABAC LE BALTO"


def test_a_failed_attempt_announcing_a_pickup_point_stays_failed_until_the_point_scans() -> None:
    assert state("failed_redirected_to_pickup.xml") == (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT)
    arrived = one(
        scan("P", 8, "Echec de livraison suite à l'absence du destinataire."),
        scan("RB", 9, "Colis en cours de livraison au point de retrait"),
        scan("AB", 11, "Colis mis à disposition au point de retrait"),
    )
    assert (arrived.status, arrived.substatus) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)


def test_an_uncollected_parcel_leaving_the_point_is_returning_through_its_return_leg() -> None:
    tracking = sample("not_collected_returned.xml")
    assert (tracking.status, tracking.substatus) == (S.RETURNING, Sub.NOT_COLLECTED)
    assert [e.code for e in tracking.events[:5]] == ["TA", "SD", "TS", "R", "TT"]
    assert all(e.status is S.RETURNING for e in tracking.events[:5])


def test_the_relay_handing_a_parcel_to_the_driver_after_availability_is_not_collected() -> None:
    handed = one(scan("AB", 8), scan("TT", 10, "Colis remis par le relais Pickup au chauffeur"))
    assert (handed.status, handed.substatus) == (S.RETURNING, Sub.NOT_COLLECTED)
    dropped_off = one(
        scan("DB", 8), scan("TT", 10, "Colis remis par le relais Pickup au chauffeur")
    )
    assert (dropped_off.status, dropped_off.substatus) == (S.IN_TRANSIT, None)


def test_a_refusal_carries_into_the_return_and_its_delivery_is_returned() -> None:
    tracking = sample("refused_returned_to_sender.xml")
    assert (tracking.status, tracking.substatus) == (S.RETURNED, None)
    moves = [(e.code, e.status, e.substatus) for e in tracking.events[:5]]
    assert moves == [
        ("D", S.RETURNED, None),
        ("TA", S.RETURNING, Sub.REFUSED),
        ("TS", S.RETURNING, Sub.REFUSED),
        ("R", S.RETURNING, Sub.REFUSED),
        ("P", S.EXCEPTION, Sub.REFUSED),
    ]
    assert tracking.is_terminal


def test_an_address_problem_carries_into_the_return_as_undeliverable() -> None:
    info = "Colis en attente d'informations complémentaires de votre part"
    tracking = one(scan("SK", 8, info), scan("R", 10, "Colis en retour expéditeur"), scan("TS", 12))
    assert (tracking.status, tracking.substatus) == (S.RETURNING, Sub.UNDELIVERABLE)


def test_a_delivery_straight_after_the_way_to_the_point_is_a_collection() -> None:
    tracking = one(
        scan("RB", 9, "Colis en cours de livraison au point de retrait"),
        scan("D", 16, "Livraison effectuée"),
    )
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)
    home = one(scan("TA", 8, "Colis en cours de livraison"), scan("D", 12, "Livraison effectuée"))
    assert (home.status, home.substatus) == (S.DELIVERED, None)


def test_ordinary_scans_without_a_return_still_move_the_parcel() -> None:
    tracking = one(scan("AB", 8), scan("D", 12), scan("TS", 13))
    assert tracking.status is S.IN_TRANSIT  # the newest scan decides; no return was started


# -- keywords: words, not substrings, in French and English ------------------------------------


@pytest.mark.parametrize(
    ("label", "status", "substatus"),
    [
        ("Colis refusé", S.EXCEPTION, Sub.REFUSED),
        ("Shipment refused by the consignee", S.EXCEPTION, Sub.REFUSED),
        ("Shipment damaged", S.EXCEPTION, Sub.DAMAGED),
        ("Adresse incomplète", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
        ("Incorrect address", S.EXCEPTION, Sub.ADDRESS_PROBLEM),
        ("Delivered to a neighbour", S.DELIVERED, Sub.TO_NEIGHBOUR),
        ("Colis en retour expéditeur", S.RETURNING, None),
        ("Shipment returned to sender", S.RETURNING, None),
        ("Customs cleared", S.IN_TRANSIT, Sub.CUSTOMS_CLEARED),
        ("Shipment held in customs", S.EXCEPTION, Sub.CUSTOMS_HOLD),
        ("Colis en cours de dédouanement", S.IN_TRANSIT, Sub.CUSTOMS),
        ("Arrived at customs", S.IN_TRANSIT, Sub.CUSTOMS),
        ("Consignee absent", S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ("Echec de livraison, en attente d'instructions", S.ATTEMPT_FAILED, None),
        ("Le colis n'a pas pu être livré", S.ATTEMPT_FAILED, None),
        ("Shipment could not be delivered", S.ATTEMPT_FAILED, None),
        ("Delivery failed", S.ATTEMPT_FAILED, None),
        ("Livraison reportée de 24h", S.IN_TRANSIT, Sub.DELAYED),
        ("Colis retardé durant l'acheminement", S.IN_TRANSIT, Sub.DELAYED),
        ("Delivery postponed", S.IN_TRANSIT, Sub.DELAYED),
        ("Colis en cours de livraison au point de retrait", S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
        ("Colis mis à disposition au point de retrait", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        ("Available at retrieval point", S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        (
            "Colis remis au destinataire au point de retrait",
            S.DELIVERED,
            Sub.COLLECTED_AT_PICKUP_POINT,
        ),
        ("Retiré par le destinataire", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ("Colis en cours de livraison", S.OUT_FOR_DELIVERY, None),
        ("Shipment in delivery to the consignee", S.OUT_FOR_DELIVERY, None),
        ("Out for delivery", S.OUT_FOR_DELIVERY, None),
        ("Livraison effectuée", S.DELIVERED, None),
        ("Delivered", S.DELIVERED, None),
    ],
)
def test_each_keyword_rule_reads_its_words(
    label: str, status: Status, substatus: Substatus | None
) -> None:
    tracking = one(scan("ZZ", 9, label))
    assert (tracking.status, tracking.substatus) == (status, substatus)


@pytest.mark.parametrize(
    "label",
    [
        "Colis non refusé",  # refus, negated
        "Refusal window closed",  # "refusal" is not "refused"
        "Colis non endommagé",
        "Le chauffeur n'est pas voisin",
        "Adresse complète",  # not "incomplète"
        "Retourneur automatique",  # "retourneur" is not "retour"
        "Douanier",  # not "douane"
        "Customsoft update",
        "Absentéisme du personnel",  # not "absence"/"absent"
        "Passage prévu",  # not "avis de passage"
        "Livraison prévue lundi",  # not "reportée"
        "Report of the day",  # English "report" is not "reporté"
        "Colis non mis à disposition",  # negated
        "Livraison non effectuée",  # negated
        "Not delivered yet",  # negated
        "Driver assigned",  # "driver" does not contain "delivered"
        "Undelivered mail office",  # "undelivered" is not "delivered"
        "Livreur en tournée",  # "livreur" is not "livraison effectuée"
    ],
)
def test_words_that_only_contain_a_keyword_or_negate_it_do_not_match(label: str) -> None:
    tracking = one(scan("ZZ", 9, label))
    assert (tracking.status, tracking.substatus) == (S.EXCEPTION, Sub.UNKNOWN), label


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("D  ", "Delivered", (S.DELIVERED, None)),
        ("TA ", "Shipment in delivery to the consignee", (S.OUT_FOR_DELIVERY, None)),
        ("SD ", "Sorted at delivery location", (S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE)),
        ("DC ", "Shipment in preparation to be shipped", (S.INFO_RECEIVED, Sub.LABEL_CREATED)),
        ("DB ", "Shipment handed over by shipper", (S.IN_TRANSIT, Sub.PICKED_UP)),
        ("DY ", "Parcel Registered by the post office", (S.IN_TRANSIT, Sub.PICKED_UP)),
        ("P  ", "Consignee absent", (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT)),
        ("P  ", "Delivery refused by the consignee", (S.EXCEPTION, Sub.REFUSED)),
        ("SD ", "Delivery postponed by 24 hours", (S.IN_TRANSIT, Sub.DELAYED)),
    ],
)
def test_english_wordings_of_label_dependent_and_coded_events(
    code: str, label: str, expected: tuple[Status, Substatus | None]
) -> None:
    tracking = one(scan(code, 9, label))
    assert (tracking.status, tracking.substatus) == expected


def test_every_coded_wording_a_source_gives_keeps_its_code_meaning() -> None:
    """The keyword fallback never overrides a label-dependent code's own wording."""
    own = {
        "SD": "Tri effectué dans l'agence de distribution",
        "P": "Echec de livraison suite à l'absence du destinataire.",
        "NA": "Echec de livraison, en attente d'instructions pour nouvelle livraison",
        "D": "Livraison effectuée",
        "SK": "Colis en attente d'informations complémentaires de votre part",
    }
    for code, label in own.items():
        by_label = codes.STATUS_MAP.lookup(code, label)
        by_code = codes.STATUS_MAP.lookup(code, "")
        assert (by_label.status, by_label.substatus) == (by_code.status, by_code.substatus), code


# -- formats -----------------------------------------------------------------------------------


def test_latin1_answer_with_filler_rows_missing_blocks_and_one_unreadable_date(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="suivi.chronopost"):
        [tracking] = parse(fixture_bytes("chronopost", "latin1_mixed_formats.xml"), ("XP1",))
    assert [e.code for e in tracking.events] == ["TA", "TS", "SC", "DC"]
    assert tracking.status is S.OUT_FOR_DELIVERY
    sorted_at, departed = tracking.events[1], tracking.events[2]
    assert departed.label == "Tri effectué dans l'agence de départ"  # ISO-8859-1 read as such
    assert departed.location is None  # no officeLabel, NPC nor zipCode
    assert departed.timestamp == datetime(2026, 6, 22, 21, 16, 6, tzinfo=PARIS)  # no offset
    assert sorted_at.timestamp == datetime(2026, 6, 23, 1, 36, tzinfo=PARIS)  # dd/MM/yyyy HH:mm
    assert tracking.events[0].timestamp.utcoffset() == timedelta(hours=2)  # fractions
    [record] = caplog.records
    assert "skipped 1 of 5 events" in record.getMessage()
    assert "mardi 23 juin" in record.getMessage()
    assert "XP1" in record.getMessage()


def test_an_event_without_a_code_is_skipped_not_read_as_a_status(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = answer(
        scan("TA", 8, "Colis en cours de livraison"), ("", "x", "Livraison effectuée", {})
    )
    with caplog.at_level(logging.WARNING, logger="suivi.chronopost"):
        [tracking] = parse(body)
    assert tracking.status is S.OUT_FOR_DELIVERY
    assert len(tracking.events) == 1
    assert "skipped 1 of 2 events" in caplog.text


def test_an_answer_of_only_unreadable_events_is_a_typed_error_naming_the_carrier() -> None:
    body = answer(("TS", "yesterday", "x", {}), ("SD", "", "x", {}))
    with pytest.raises(CarrierResponseInvalid, match="yesterday") as caught:
        parse(body)
    assert caught.value.carrier == "chronopost"


def test_space_padded_codes_and_an_empty_label_are_read() -> None:
    tracking = one(("  TA ", "2026-06-27T08:00:00+02:00", "", {}))
    assert (tracking.events[0].code, tracking.status) == ("TA", S.OUT_FOR_DELIVERY)
