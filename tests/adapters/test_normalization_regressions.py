"""Wordings and sequences a review found misread: each must keep the status the carrier means.

Future tenses are promises, number markers are not negations, a reason word inside a delivery's
label does not turn it into a failure, a depot return is not a return to the sender, and a
parcel sent again after a return can still be delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from suivi import Registry, Status, Substatus, Tracking, TrackingEvent
from suivi_adapters.chronopost import codes as chronopost
from suivi_adapters.mondial_relay import codes as mondial_relay
from suivi_adapters.ups import codes as ups

S, Sub = Status, Substatus
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
REGISTRY = Registry()


@pytest.mark.parametrize(
    ("carrier", "code", "label", "expected"),
    [
        # a promise is not a delivery
        ("dpd", "999", "Your parcel will be delivered today between 10:00 and 11:00", None),
        ("dpd", "999", "Ihr Paket wird heute zugestellt", None),
        ("dpd", "999", "Uw pakket wordt vandaag bezorgd", None),
        ("dpd", "999", "Votre colis sera livré le 12/10 par votre livreur", None),
        ("mondial_relay", "X", "Su paquete será entregado mañana", None),
        (
            "chronopost",
            "SD",
            "Your parcel will be delivered tomorrow",
            (S.IN_TRANSIT, Sub.ARRIVED_AT_DELIVERY_SITE),
        ),
        # "n°" and "Nº" are numbers, not negations
        (
            "mondial_relay",
            "X",
            "Colis n°12345678 livré à domicile",
            (S.DELIVERED, Sub.TO_RECIPIENT),
        ),
        ("chronopost", "D", "Colis n° XY123 livré chez le voisin", (S.DELIVERED, Sub.TO_NEIGHBOUR)),
        (
            "colissimo",
            "DI1",
            "Colis n°6A123 livré à votre gardien",
            (S.DELIVERED, Sub.TO_RECEPTION),
        ),
        # a reason word inside a delivery's or an availability's label flips nothing
        (
            "colissimo",
            "DI1",
            "Votre colis a été livré dans votre boîte aux lettres en votre absence.",
            (S.DELIVERED, Sub.TO_RECIPIENT),
        ),
        (
            "colissimo",
            "AG1",
            "Votre colis est disponible au bureau de poste. "
            "Pensez à vous munir de l'avis de passage.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
        (
            "colissimo",
            "AG1",
            "Your parcel is available at your post office. "
            "Please bring your delivery notice and ID.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
        # a negation does not wipe out the reason it states
        (
            "colissimo",
            "ND1",
            "Le facteur n'a pas eu accès à votre boîte aux lettres",
            (S.ATTEMPT_FAILED, Sub.NO_ACCESS),
        ),
        (
            "colissimo",
            "ND1",
            "Votre colis ne peut pas être distribué en votre absence",
            (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ),
        # UPS: every wording of a collection at an access point is a collection
        (
            "ups",
            "011",
            "Picked up by the receiver at the UPS Access Point™ location",
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        (
            "ups",
            "011",
            "The package was picked up at the UPS Access Point location by the receiver",
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        (
            "ups",
            "011",
            "Delivered to UPS Access Point™",
            (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        ),
    ],
)
def test_each_wording_keeps_what_the_carrier_means(
    carrier: str, code: str, label: str, expected: tuple[Status, Substatus | None] | None
) -> None:
    found = REGISTRY.get(carrier).status_map.lookup(code, label)
    if expected is None:
        assert found.status is not S.DELIVERED, label  # never terminal on a promise
    else:
        assert (found.status, found.substatus) == expected, label


def story(carrier: str, *steps: tuple[str, str]) -> list[TrackingEvent]:
    """(code, label) steps an hour apart, read through the carrier's table, newest first."""
    table = REGISTRY.get(carrier).status_map
    events = []
    for hour, (code, label) in enumerate(steps):
        mapping = table.lookup(code, label)
        events.append(
            TrackingEvent(
                timestamp=START + timedelta(hours=hour),
                status=mapping.status,
                substatus=mapping.substatus,
                code=code,
                label=label,
                affects_status=mapping.affects_status,
            )
        )
    return events[::-1]


def test_a_second_attempt_after_the_van_came_back_to_the_depot_is_a_delivery() -> None:
    events = story(
        "chronopost",
        ("PC", "Pris en charge"),
        ("TA", "En cours de livraison"),
        ("P", "Destinataire absent, colis en retour à l'agence"),
        ("SD", "Colis en agence de livraison"),
        ("TA", "En cours de livraison"),
        ("D", "Livraison effectuée"),
    )
    tracking = Tracking.from_events("chronopost", "XY1", events, sequence=chronopost.SEQUENCE)
    assert tracking.status is S.DELIVERED


def test_a_parcel_sent_again_after_its_return_can_be_delivered() -> None:
    steps = [
        (S.RETURNING, Sub.NOT_COLLECTED),
        (S.RETURNED, None),
        (S.IN_TRANSIT, Sub.PICKED_UP),
        (S.OUT_FOR_DELIVERY, None),
        (S.DELIVERED, Sub.TO_RECIPIENT),
    ]
    events = [
        TrackingEvent(
            timestamp=START + timedelta(hours=h), status=st, substatus=sub, code=f"C{h}", label=""
        )
        for h, (st, sub) in enumerate(steps)
    ][::-1]
    tracking = Tracking.from_events("x", "1", events)
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.TO_RECIPIENT)


def test_a_returning_parcel_taken_in_by_the_senders_point_is_still_returning() -> None:
    point_receives = sorted(mondial_relay.POINT_RECEIVES)[0]
    events = story(
        "mondial_relay",
        ("DISPONIBLE_AU_POINT_RELAIS", "Disponible au Point Relais"),
        ("COLIS_NON_RETIRE", "Colis non retiré, retour à l'expéditeur"),
        (point_receives, "Prise en charge Point Relais"),
    )
    tracking = Tracking.from_events("mondial_relay", "1", events, sequence=mondial_relay.SEQUENCE)
    assert tracking.status is S.RETURNING


def test_a_ups_parcel_rerouted_to_another_access_point_is_on_its_way_again() -> None:
    events = story(
        "ups",
        ("161", "Delivered to UPS Access Point™"),
        ("070", "On the Way to a Local UPS Access Point™"),
    )
    tracking = Tracking.from_events("ups", "1Z", events, sequence=ups.SEQUENCE)
    assert (tracking.status, tracking.substatus) == (S.IN_TRANSIT, Sub.TO_PICKUP_POINT)
