"""Colissimo (La Poste Suivi v2): statuses read from the whole sequence, label words in fr_FR
and en_GB, multi-parcel answers and unreadable events, on real-format scenario answers."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pydantic import ValidationError

from suivi import Status, Substatus, Tracking, errors
from suivi.toolkit import RawResponse
from suivi_adapters.colissimo import ColissimoAdapter, ColissimoSettings
from suivi_adapters.colissimo.codes import STATUS_MAP
from tests.conftest import fixture_bytes

ADAPTER = ColissimoAdapter(ColissimoSettings(api_key="test-key"))
S, Sub = Status, Substatus


def answer(name: str) -> Any:
    return json.loads(fixture_bytes("colissimo", name))


def parse(data: Any) -> list[Tracking]:
    return ADAPTER.parse(RawResponse(json.dumps(data).encode()))


def read(data: Any) -> tuple[Status, Substatus | None]:
    [tracking] = parse(data)
    return tracking.status, tracking.substatus


def newest_dropped(name: str, count: int = 1) -> Any:
    """The scenario as it read `count` events earlier: the same answer without its newest."""
    data = answer(name)
    del data["shipment"]["event"][:count]
    return data


# -- 1. sequence -----------------------------------------------------------------------------


def test_delivery_after_pickup_point_availability_is_a_collection() -> None:
    assert read(answer("collected_after_pickup.json")) == (
        S.DELIVERED,
        Sub.COLLECTED_AT_PICKUP_POINT,
    )


def test_reminder_after_availability_keeps_the_parcel_available() -> None:
    data = newest_dropped("collected_after_pickup.json")
    assert data["shipment"]["event"][0]["label"].startswith("Votre colis vous attend toujours")
    assert read(data) == (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT)


def test_failed_attempt_announcing_the_post_office_stays_a_failed_attempt() -> None:
    data = newest_dropped("attempt_redirected_to_post_office.json")
    assert data["shipment"]["event"][0]["label"].startswith("Votre colis sera disponible dès")
    assert read(data) == (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT)


def test_failed_attempt_becomes_available_once_the_post_office_scans_it() -> None:
    assert read(answer("attempt_redirected_to_post_office.json")) == (
        S.AVAILABLE_FOR_PICKUP,
        Sub.POST_OFFICE,
    )


def test_transit_scans_on_the_way_back_keep_the_refused_return() -> None:
    for dropped in (2, 3):  # newest ET1, then newest MD2, on the way back
        assert read(newest_dropped("returned_after_refusal.json", dropped)) == (
            S.RETURNING,
            Sub.REFUSED,
        )
    assert read(newest_dropped("returned_after_refusal.json", 1)) == (S.RETURNING, Sub.REFUSED)


def test_delivered_back_to_the_sender_is_returned_never_delivered() -> None:
    [tracking] = parse(answer("returned_after_refusal.json"))
    assert (tracking.status, tracking.substatus) == (S.RETURNED, None)
    assert tracking.events[0].code == "DI1"
    assert tracking.is_terminal


def test_non_collection_carries_into_the_return_and_its_transit_scans() -> None:
    assert read(answer("not_collected_returning.json")) == (S.RETURNING, Sub.NOT_COLLECTED)
    assert read(newest_dropped("not_collected_returning.json")) == (
        S.RETURNING,
        Sub.NOT_COLLECTED,
    )


def test_undeliverable_address_carries_into_the_return() -> None:
    assert read(answer("undeliverable_address_returning.json")) == (
        S.RETURNING,
        Sub.UNDELIVERABLE,
    )
    assert read(newest_dropped("undeliverable_address_returning.json")) == (
        S.EXCEPTION,
        Sub.ADDRESS_PROBLEM,
    )


def test_transit_scans_before_any_return_stay_in_transit() -> None:
    """The return rule reads what came before: the same codes outbound mean transit."""
    assert read(newest_dropped("not_collected_returning.json", 4)) == (S.IN_TRANSIT, Sub.AT_HUB)


# -- multi-parcel answers ------------------------------------------------------------------


def test_every_parcel_of_an_array_answer_gets_its_own_tracking() -> None:
    trackings = parse(answer("multi_parcel.json"))
    assert [(t.tracking_number, t.status, t.substatus) for t in trackings] == [
        ("6A26033300011", S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ("6A26033300099", S.NOT_FOUND, None),
        ("6A26033300088", S.OUT_FOR_DELIVERY, None),
    ]
    first, _, third = trackings
    assert first.pickup_point is not None
    assert first.pickup_point.name == "TABAC DE LA GARE"
    assert third.pickup_point is None
    assert {e.code for e in third.events} == {"MD2", "ET1", "PC1", "DR1"}


def test_parcels_of_an_array_do_not_read_each_other_events() -> None:
    """A parcel waiting at a point must not turn its neighbour's delivery into a collection."""
    data = answer("multi_parcel.json")
    delivered = answer("delivered.json")
    data[2] = delivered
    trackings = parse(data)
    assert (trackings[2].status, trackings[2].substatus) == (S.DELIVERED, Sub.TO_RECIPIENT)


# -- 2. languages --------------------------------------------------------------------------


def test_en_gb_answer_reads_as_the_fr_fr_one() -> None:
    assert read(answer("delivered_en_gb.json")) == (S.DELIVERED, Sub.TO_RECIPIENT)
    assert read(answer("collected_after_pickup_en_gb.json")) == (
        S.DELIVERED,
        Sub.COLLECTED_AT_PICKUP_POINT,
    )
    assert read(newest_dropped("collected_after_pickup_en_gb.json")) == (
        S.AVAILABLE_FOR_PICKUP,
        Sub.PICKUP_POINT,
    )


@pytest.mark.parametrize("lang", ["de_DE", "en_US", "fr"])
def test_label_languages_without_keywords_are_refused(lang: str) -> None:
    with pytest.raises(ValidationError, match="lang"):
        ColissimoSettings(api_key="k", lang=lang)


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        # fr_FR
        ("PB1", "Votre colis est endommagé.", (S.EXCEPTION, Sub.DAMAGED)),
        ("PB1", "Votre colis a pris du retard.", (S.IN_TRANSIT, Sub.DELAYED)),
        ("RE1", "Il a été refusé par le destinataire.", (S.RETURNING, Sub.REFUSED)),
        ("RE1", "Il n'a pas été retiré dans les délais.", (S.RETURNING, Sub.NOT_COLLECTED)),
        (
            "ND1",
            "Votre colis n'a pas pu être livré : adresse incomplète.",
            (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
        ),
        (
            "ND1",
            "Votre colis n'a pas pu être livré car vous étiez absent.",
            (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ),
        (
            "ND1",
            "Votre colis n'a pas pu être livré en votre absence.",
            (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ),
        (
            "ND1",
            "Nous n'avons pas pu accéder à votre boîte aux lettres.",
            (S.ATTEMPT_FAILED, Sub.NO_ACCESS),
        ),
        ("ND1", "Votre colis n'a pas pu être livré.", (S.ATTEMPT_FAILED, None)),
        (
            "ND1",
            "Votre colis sera disponible demain dans votre point de retrait.",
            (S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
        ),
        ("DI1", "Votre colis a été livré à votre voisin.", (S.DELIVERED, Sub.TO_NEIGHBOUR)),
        ("DI1", "Votre colis a été remis au gardien.", (S.DELIVERED, Sub.TO_RECEPTION)),
        (
            "DI1",
            "Votre colis a été retiré en point de retrait.",
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        ("DI1", "Votre colis a été livré à votre expéditeur.", (S.RETURNED, None)),
        (
            "AG1",
            "Votre colis est disponible en consigne Pickup Station.",
            (S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
        ),
        (
            "AG1",
            "Votre colis est disponible dans votre point relais.",
            (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        ),
        (
            "AG1",
            "Votre colis est disponible dans votre bureau de poste.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
        # en_GB
        ("PB1", "Your parcel has been damaged.", (S.EXCEPTION, Sub.DAMAGED)),
        ("PB1", "Your parcel is delayed.", (S.IN_TRANSIT, Sub.DELAYED)),
        ("RE1", "Your parcel was refused by the recipient.", (S.RETURNING, Sub.REFUSED)),
        ("RE1", "Your parcel has not been collected in time.", (S.RETURNING, Sub.NOT_COLLECTED)),
        ("RE1", "Your parcel is being returned to the sender.", (S.RETURNING, None)),
        (
            "ND1",
            "Your parcel could not be delivered: the address is incorrect.",
            (S.EXCEPTION, Sub.ADDRESS_PROBLEM),
        ),
        (
            "ND1",
            "Your parcel could not be delivered because you were absent.",
            (S.ATTEMPT_FAILED, Sub.RECIPIENT_ABSENT),
        ),
        ("ND1", "We were unable to access your address.", (S.ATTEMPT_FAILED, Sub.NO_ACCESS)),
        ("ND1", "Delivery failed: no access to the building.", (S.ATTEMPT_FAILED, Sub.NO_ACCESS)),
        ("ND1", "Your parcel could not be delivered.", (S.ATTEMPT_FAILED, None)),
        (
            "ND1",
            "Your parcel will be available tomorrow at your post office.",
            (S.IN_TRANSIT, Sub.TO_PICKUP_POINT),
        ),
        (
            "DI1",
            "Your parcel has been delivered to your neighbour.",
            (S.DELIVERED, Sub.TO_NEIGHBOUR),
        ),
        ("DI1", "Your parcel has been handed to the caretaker.", (S.DELIVERED, Sub.TO_RECEPTION)),
        (
            "DI1",
            "Your parcel has been collected from your pickup point.",
            (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT),
        ),
        ("DI1", "Your parcel has been delivered to the sender.", (S.RETURNED, None)),
        (
            "AG1",
            "Your parcel is available in a Pickup Station locker.",
            (S.AVAILABLE_FOR_PICKUP, Sub.LOCKER),
        ),
        (
            "AG1",
            "Your parcel is available at your relay point.",
            (S.AVAILABLE_FOR_PICKUP, Sub.PICKUP_POINT),
        ),
        (
            "AG1",
            "Your parcel is available at your post office.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
    ],
)
def test_keyword_rules_match(
    code: str, label: str, expected: tuple[Status, Substatus | None]
) -> None:
    mapping = STATUS_MAP.lookup(code, label)
    assert (mapping.status, mapping.substatus) == expected


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        # a negation, a longer word or a future tense keeps the code's own meaning
        ("PB1", "Votre colis n'est pas endommagé.", (S.EXCEPTION, None)),
        ("PB1", "Your parcel is not damaged.", (S.EXCEPTION, None)),
        ("PB1", "Votre colis arrive sans retard.", (S.EXCEPTION, None)),
        ("PB1", "Your parcel is on time, without delay.", (S.EXCEPTION, None)),
        ("RE1", "Vous pouvez refuser votre colis.", (S.RETURNING, None)),
        ("RE1", "It was not refused.", (S.RETURNING, None)),
        (
            "AG1",
            "Il sera retourné à l'expéditeur s'il n'est pas retiré. Bureau de poste.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
        (
            "AG1",
            "It will be returned to the sender if not collected. Post office.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
        (
            "AG1",
            "Disponible selon les consignes de votre expéditeur.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
        (
            "AG1",
            "Your parcel is waiting at an access point.",
            (S.AVAILABLE_FOR_PICKUP, Sub.POST_OFFICE),
        ),
        ("ND1", "Votre colis est non distribuable.", (S.EXCEPTION, None)),
        ("ND1", "Nous recherchons une adresse complète.", (S.EXCEPTION, None)),
        ("ND1", "Your parcel is not at the post office yet.", (S.EXCEPTION, None)),
        ("DI1", "Votre colis n'a pas été livré à votre voisin.", (S.DELIVERED, Sub.TO_RECIPIENT)),
        (
            "DI1",
            "Your parcel was not delivered to your neighbour.",
            (S.DELIVERED, Sub.TO_RECIPIENT),
        ),
        (
            "DI1",
            "Votre colis a été livré dans la boîte aux lettres du relaisplus.",
            (S.DELIVERED, Sub.TO_RECIPIENT),
        ),
        ("DI1", "Delivered to the driveway by the driver.", (S.DELIVERED, Sub.TO_RECIPIENT)),
        (
            "DI1",
            "Votre colis n'a pas été livré à votre expéditeur.",
            (S.DELIVERED, Sub.TO_RECIPIENT),
        ),
        ("ZZ9", "Votre colis n'a pas été livré.", (S.EXCEPTION, Sub.UNKNOWN)),
        ("ZZ9", "Your parcel was not delivered.", (S.EXCEPTION, Sub.UNKNOWN)),
        ("ZZ9", "Livraison prévue demain.", (S.EXCEPTION, Sub.UNKNOWN)),
    ],
)
def test_keyword_rules_do_not_match(
    code: str, label: str, expected: tuple[Status, Substatus | None]
) -> None:
    mapping = STATUS_MAP.lookup(code, label)
    assert (mapping.status, mapping.substatus) == expected


# -- 4. formats and bad input -------------------------------------------------------------


def test_unreadable_event_date_is_skipped_counted_and_keeps_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="suivi_adapters.colissimo"):
        [tracking] = parse(answer("unreadable_event_date.json"))
    assert [e.code for e in tracking.events] == ["ET1", "PC1", "DR1"]
    assert (tracking.status, tracking.substatus) == (S.IN_TRANSIT, Sub.AT_HUB)
    [record] = caplog.records
    assert "skipped 1 of 4 events" in record.getMessage()
    assert "07/10/2026 06h58" in record.getMessage()


@pytest.mark.parametrize(
    "broken",
    [
        {"code": "MD2"},
        {"code": "MD2", "label": None, "date": "2026-10-07T06:58:00+02:00"},
        "MD2",
        {"code": 12, "label": "x", "date": "2026-10-07T06:58:00+02:00"},
    ],
)
def test_one_unreadable_event_shape_is_skipped(
    broken: Any, caplog: pytest.LogCaptureFixture
) -> None:
    data = answer("in_transit.json")
    data["shipment"]["event"].insert(0, broken)
    [tracking] = parse(data)
    assert [e.code for e in tracking.events] == ["ET1", "PC1", "DR1"]
    assert "skipped 1 of 4 events" in caplog.text


def test_no_readable_event_is_an_invalid_answer_not_a_guessed_status() -> None:
    data = answer("in_transit.json")
    for event in data["shipment"]["event"]:
        event["date"] = "hier"
    with pytest.raises(errors.CarrierResponseInvalid, match="no readable event"):
        parse(data)


@pytest.mark.parametrize(
    "date",
    [
        "2026-10-07T06:58:00+02:00",
        "2026-10-07T06:58+02:00",
        "2026-10-07T06:58:00.000+02:00",
        "2026-10-07T04:58:00Z",
        "2026-10-07T06:58:00+0200",
        "2026-10-07T06:58:00",
    ],
)
def test_every_iso_date_shape_reads_as_the_same_instant(date: str) -> None:
    data = answer("in_transit.json")
    data["shipment"]["event"][0]["date"] = date
    [tracking] = parse(data)
    assert tracking.events[0].timestamp.isoformat().startswith("2026-10-07T")
    assert tracking.events[0].timestamp.timestamp() == 1791349080.0


def test_space_padded_lower_case_codes_and_event_order_fields_are_read() -> None:
    data = answer("delivered_en_gb.json")
    for order, event in enumerate(data["shipment"]["event"]):
        event["code"] = f" {event['code'].lower()} "
        event["order"] = 100 - order  # as the API sends it alongside
    [tracking] = parse(data)
    assert [e.code for e in tracking.events] == ["DI1", "MD2", "ET1", "DR1"]
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.TO_RECIPIENT)


def test_events_out_of_order_are_read_oldest_first() -> None:
    data = answer("collected_after_pickup.json")
    data["shipment"]["event"].reverse()
    assert read(data) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)


def test_missing_optional_blocks_are_not_needed() -> None:
    data = answer("collected_after_pickup.json")
    for key in ("timeline", "contextData", "deliveryDate", "entryDate", "url", "holder"):
        data["shipment"].pop(key)
    [tracking] = parse(data)
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, Sub.COLLECTED_AT_PICKUP_POINT)
    assert tracking.pickup_point is None
