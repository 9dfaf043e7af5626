"""Mondial Relay normalization: sequences, words per Langue, every STAT, every real format."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest

from suivi import Status, Substatus, Tracking
from suivi._time import PARIS
from suivi.toolkit import RawResponse
from suivi_adapters.mondial_relay import MondialRelayAdapter, MondialRelaySettings
from suivi_adapters.mondial_relay.adapter import slug
from suivi_adapters.mondial_relay.codes import STAT_CODES, STATUS_MAP, StatKind
from tests.conftest import fixture_bytes

S, Sub = Status, Substatus
NUMBER = "31415926"


def sample(name: str) -> Tracking:
    adapter = MondialRelayAdapter(MondialRelaySettings(merchant_code="BDTEST13", private_key="K"))
    [tracking] = adapter.parse(
        RawResponse(body=fixture_bytes("mondial_relay", name), requested=(NUMBER,))
    )
    return tracking


def state(tracking: Tracking) -> tuple[Status, Substatus | None]:
    return tracking.status, tracking.substatus


# -- sequences (one sample each) -------------------------------------------------------------


def test_collection_at_punto_pack_after_availability() -> None:
    tracking = sample("es_collected_at_punto_pack.xml")
    assert state(tracking) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)
    assert tracking.delivered_at == datetime(2026, 11, 7, 17, 30, tzinfo=PARIS)
    # the point receiving the parcel after the hub is its arrival there
    received = tracking.events[2]
    assert received.code == "RECEPCIONADO_EN_EL_PUNTO_PACK"
    assert (received.status, received.substatus) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)


def test_point_taking_the_parcel_in_after_travel_is_availability() -> None:
    tracking = sample("fr_point_received_latin1.xml")
    assert state(tracking) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)
    assert tracking.pickup_point is not None
    assert tracking.pickup_point.identifier == "066974"
    assert tracking.pickup_point.name == "TABAC DE LA GARE"
    assert tracking.pickup_point.deadline == date(2026, 12, 16)


def test_point_taking_in_the_senders_drop_off_is_still_transit() -> None:
    tracking = sample("fr_dropped_at_point.xml")
    assert state(tracking) == (S.IN_TRANSIT, Sub.PICKED_UP)


def test_reminder_and_reannounced_point_keep_the_parcel_available() -> None:
    tracking = sample("fr_reminder_after_availability.xml")
    assert state(tracking) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)
    assert [e.status for e in tracking.events[:3]] == [S.AVAILABLE_FOR_PICKUP] * 3


def test_failed_attempt_redirected_to_a_point_stays_a_failed_attempt() -> None:
    tracking = sample("fr_absent_then_redirected.xml")
    assert state(tracking) == (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT)


def test_delivered_back_to_the_sender_is_returned_not_delivered() -> None:
    tracking = sample("fr_refused_returned.xml")
    assert state(tracking) == (S.RETURNED, None)
    assert tracking.delivered_at is None
    returning = tracking.events[2]
    assert (returning.status, returning.substatus) == (S.RETURNING, Sub.REFUSED)


def test_return_after_the_wait_at_the_point_is_not_collected() -> None:
    tracking = sample("fr_not_collected_return.xml")
    assert state(tracking) == (S.RETURNING, Sub.NOT_COLLECTED)


# -- formats -----------------------------------------------------------------------------------


def test_two_digit_years_and_the_headline_name_a_home_delivery() -> None:
    tracking = sample("es_home_delivery_two_digit_years.xml")
    assert state(tracking) == (S.DELIVERED, Sub.TO_RECIPIENT)
    assert [e.timestamp for e in tracking.events] == [
        datetime(2026, 10, 24, 10, 47, tzinfo=PARIS),
        datetime(2026, 10, 23, 7, 24, tzinfo=PARIS),
        datetime(2026, 10, 22, 16, 16, tzinfo=PARIS),
    ]
    assert tracking.events[1].status is S.OUT_FOR_DELIVERY


def test_iso_8859_1_body_keeps_accents_and_trims_padding() -> None:
    body = fixture_bytes("mondial_relay", "fr_point_received_latin1.xml")
    assert b'encoding="ISO-8859-1"' in body
    assert "RÉCEPTION".encode("iso-8859-1") in body
    tracking = sample("fr_point_received_latin1.xml")
    oldest = tracking.events[-1]
    assert oldest.label == "RÉCEPTION DES DONNÉES"
    assert (oldest.code, oldest.status) == ("RECEPTION_DES_DONNEES", S.INFO_RECEIVED)
    assert tracking.events[-2].location is not None
    assert tracking.events[-2].location.name == "AGENCE DE LILLE"


def test_an_unreadable_date_skips_that_event_only_and_is_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        tracking = sample("fr_one_unreadable_date.xml")
    assert [e.code for e in tracking.events] == [
        "COLIS_DISPONIBLE_AU_POINT_RELAIS",
        "PRISE_EN_CHARGE_EN_AGENCE",
    ]
    assert state(tracking) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)
    assert "mondial_relay: skipped 1 of 3 events" in caplog.text
    assert "31/02/2026 04:12" in caplog.text


# -- every STAT ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stat", "kind"),
    [(8, StatKind.AUTH), (69, StatKind.AUTH), (26, StatKind.REQUEST), (93, StatKind.REQUEST)],
)
def test_stats_beyond_the_prestashop_list_are_known(stat: int, kind: StatKind) -> None:
    assert STAT_CODES[stat][1] is kind


@pytest.mark.parametrize("stat", range(84, 90))
def test_reserved_tracing_stats_let_the_headline_decide(stat: int) -> None:
    assert STAT_CODES[stat][1] is StatKind.TRACKING
    assert STATUS_MAP.lookup(stat).status is S.IN_TRANSIT
    available = STATUS_MAP.lookup(stat, "COLIS DISPONIBLE AU POINT RELAIS")
    assert (available.status, available.substatus) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)


# -- words, per Langue ---------------------------------------------------------------------------

WORDS = [
    # (label, expected (status, substatus)) — positive cases, one per rule family and language
    ("Colis livré", (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)),
    ("Colis retiré par le destinataire", (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)),
    ("Le colis n'a pas pu être livré", (S.ATTEMPT_FAILED, None)),
    ("Colis non réclamé - retour", (S.RETURNING, Sub.NOT_COLLECTED)),
    ("Anomalie : adresse incomplète", (S.EXCEPTION, Sub.ADDRESS_PROBLEM)),
    ("Parcel delivered", (S.DELIVERED, None)),
    ("Parcel available at the Point Relais", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
    ("Parcel out for delivery", (S.OUT_FOR_DELIVERY, None)),
    ("Parcel returned to sender", (S.RETURNED, None)),
    ("Parcel refused by the recipient", (S.EXCEPTION, Sub.REFUSED)),
    ("Recipient not at home", (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT)),
    ("Paquete entregado al Destinata", (S.DELIVERED, None)),
    ("Entrega a domicilio", (S.DELIVERED, Sub.TO_RECIPIENT)),
    ("Disponible en el Punto Pack", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
    ("En reparto", (S.OUT_FOR_DELIVERY, None)),
    ("Paquete rechazado", (S.EXCEPTION, Sub.REFUSED)),
    ("Devuelto al remitente", (S.RETURNED, None)),
    ("Pakket bezorgd", (S.DELIVERED, None)),
    ("Pakket beschikbaar in het Relais-punt", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
    ("Pakket geweigerd", (S.EXCEPTION, Sub.REFUSED)),
    ("Paket zugestellt", (S.DELIVERED, None)),
    ("Paket abholbereit im Paketshop", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
    ("Empfänger nicht angetroffen", (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT)),
    ("Pacco consegnato", (S.DELIVERED, None)),
    ("Pacco disponibile nel Punto Relais", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
    ("Pacco rifiutato", (S.EXCEPTION, Sub.REFUSED)),
    ("Encomenda entregue", (S.DELIVERED, None)),
    ("Encomenda disponível no Ponto Pack", (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)),
    ("Encomenda em distribuição", (S.OUT_FOR_DELIVERY, None)),
]


@pytest.mark.parametrize(("label", "expected"), WORDS)
def test_keyword_rules_read_each_language(
    label: str, expected: tuple[Status, Substatus | None]
) -> None:
    mapping = STATUS_MAP.lookup(slug(label), label)
    assert (mapping.status, mapping.substatus) == expected


NOT_DELIVERED = [
    "Colis non livré",  # negated
    "Le colis n'a pas pu être livré",
    "COLIS REMIS AU LIVREUR",  # livreur is not livré
    "Colis en cours de livraison",  # livraison is not livré
    "Parcel handed to the driver",  # driver is not deliver
    "Parcel not delivered",
    "Paquete no entregado",
    "Pakket niet bezorgd",
    "Paket nicht zugestellt",
    "Pacco non consegnato",
    "Encomenda não entregue",
    "Libreria",  # contains "livre" as letters only in another word
]


@pytest.mark.parametrize("label", NOT_DELIVERED)
def test_words_that_merely_resemble_delivery_do_not_deliver(label: str) -> None:
    assert STATUS_MAP.lookup(slug(label), label).status is not S.DELIVERED


@pytest.mark.parametrize(
    ("label", "not_expected"),
    [
        ("Colis livré à l'adresse indiquée", S.EXCEPTION),  # "adresse" alone is no problem
        ("Colis non refusé", S.EXCEPTION),
        ("Retardataire", S.IN_TRANSIT),  # a word merely starting like "retard"
        ("Paquete no rechazado", S.EXCEPTION),
        ("Nicht beschadigt", S.EXCEPTION),
        ("Transitoire", S.IN_TRANSIT),
        ("Recogido por el destinatario", S.IN_TRANSIT),  # collected, not picked up
    ],
)
def test_negative_keyword_cases(label: str, not_expected: Status) -> None:
    mapping = STATUS_MAP.match_label(label)
    assert mapping is None or mapping.status is not not_expected
