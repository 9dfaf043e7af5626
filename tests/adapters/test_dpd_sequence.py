"""DPD: statuses read from the sequence of events, label keywords, and every answer shape."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from suivi import Status, Substatus, Tracking, errors
from suivi._statusmap import REASONS, Phrase, fold
from suivi.toolkit import PARIS, RawResponse
from suivi_adapters.dpd.codes import KEYWORDS, STATUS_MAP
from tests.adapters.test_dpd import ADAPTER, parse, parse_one
from tests.conftest import fixture_bytes

S, X = Status, Substatus


def story(tracking: Tracking) -> list[tuple[str, Status, Substatus | None]]:
    """Each event's code and reading, oldest first."""
    return [(e.code, e.status, e.substatus) for e in reversed(tracking.events)]


# -- sequence: one sample per class ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "substatus"),
    [
        # REMI 40 after the relay announced the parcel (CPPR 71, IAVI 450): a collection, even
        # when the answer names no relay (the parcel went there after a failed attempt).
        ("collected_after_absence_redirect.xml", S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),
        # ABST 130 then DBPG 129 (DPD will deliver to a relay) then COAC 20 back at the depot:
        # still the failed attempt until the relay scans the parcel.
        ("failed_attempt_redirect_to_relay.xml", S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),
        # availability notices and reminders (IAVI, IAVR, IREL) keep the parcel available
        ("relay_reminder_keeps_available.xml", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
        # IREC 494, DBPG 129, DBPR 273 re-announcing the relay do not move it back to transit
        ("relay_rescanned_keeps_available.xml", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
        # not collected: IRET 480 then the return's transit scans stay a return, with its reason
        ("not_collected_return.xml", S.RETURNING, X.NOT_COLLECTED),
        # RETR 263 back at the shipper, then a REMI: returned, never delivered
        ("not_collected_returned_to_shipper.xml", S.RETURNED, None),
        # IREF 410 refused at the relay, then IRET 480 and a transit scan: returning, refused
        ("refused_at_relay_return.xml", S.RETURNING, X.REFUSED),
        # DELIS: DeliveryFailure, Depot, ParcelShop, Delivered: collected at the parcelshop
        ("delis_collected_at_parcelshop.xml", S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),
    ],
)
def test_each_sequence_sample_ends_in_its_status(
    name: str, status: Status, substatus: Substatus | None
) -> None:
    tracking = parse_one(name)
    assert (tracking.status, tracking.substatus) == (status, substatus)


def test_depot_scans_after_a_failed_attempt_keep_the_failed_attempt() -> None:
    tail = story(parse_one("failed_attempt_redirect_to_relay.xml"))[-3:]
    assert tail == [
        ("130", S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),
        ("129", S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),
        ("20", S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),
    ]


def test_the_returns_own_transit_scans_stay_a_return() -> None:
    tail = story(parse_one("not_collected_return.xml"))[-3:]
    assert [(code, status) for code, status, _ in tail] == [
        ("480", S.RETURNING),
        ("10", S.RETURNING),
        ("20", S.RETURNING),
    ]


def test_the_return_keeps_its_reason_until_the_shipper_receives_it() -> None:
    tail = story(parse_one("not_collected_returned_to_shipper.xml"))[-3:]
    assert tail == [
        ("263", S.RETURNING, X.NOT_COLLECTED),
        ("20", S.RETURNING, X.NOT_COLLECTED),
        ("40", S.RETURNED, None),
    ]


def test_depot_stock_scans_while_waiting_at_the_depot_keep_it_available() -> None:
    body = fixture_bytes("dpd", "in_transit.xml").replace(
        b"</Traces>",
        b"<clsTrace><StatusNumber>32</StatusNumber><ScanDate>04/06/2026</ScanDate>"
        b"<ScanTime>09:00</ScanTime><StatusDescription>A enlever</StatusDescription></clsTrace>"
        b"<clsTrace><StatusNumber>220</StatusNumber><ScanDate>05/06/2026</ScanDate>"
        b"<ScanTime>06:00</ScanTime><StatusDescription>Colis Inventori\xc3\xa9</StatusDescription>"
        b"</clsTrace></Traces>",
    )
    [tracking] = parse(body)
    assert (tracking.status, tracking.substatus) == (S.AVAILABLE_FOR_PICKUP, X.DEPOT)


def test_the_relays_own_delivery_scan_is_a_collection() -> None:
    mapping = STATUS_MAP.lookup(400)  # REMI* "Livré Destinataire", applied by the relay
    assert (mapping.status, mapping.substatus) == (S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT)


def test_a_home_delivery_stays_a_home_delivery() -> None:
    tracking = parse_one("delivered.xml")
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, X.TO_RECIPIENT)


# -- keywords: the fallback for codes no table knows ----------------------------------------

POSITIVE = [
    ("Colis retourné à l'expéditeur", S.RETURNED, None),
    ("Parcel returned to sender", S.RETURNED, None),
    ("Parcel returned to shipper", S.RETURNED, None),
    ("Colis en retour vers l'adresse d'expédition", S.RETURNING, None),
    ("Retour à l'expéditeur demandé", S.RETURNING, None),
    ("Return to sender initiated", S.RETURNING, None),
    ("Retour afzender", S.RETURNING, None),
    ("Rücksendung an den Absender", S.RETURNING, None),
    ("Retoure an Versender", S.RETURNING, None),
    ("Colis retiré par le destinataire", S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),
    ("Parcel collected by the consignee", S.DELIVERED, X.COLLECTED_AT_PICKUP_POINT),
    ("Colis refusé: emballage", S.EXCEPTION, X.REFUSED),
    ("Parcel refused by consignee", S.EXCEPTION, X.REFUSED),
    ("Annahme verweigert", S.EXCEPTION, X.REFUSED),
    ("Pakket geweigerd", S.EXCEPTION, X.REFUSED),
    ("Colis endommagée", S.EXCEPTION, X.DAMAGED),
    ("Parcel damaged", S.EXCEPTION, X.DAMAGED),
    ("Paket beschädigt", S.EXCEPTION, X.DAMAGED),
    ("Pakket beschadigd", S.EXCEPTION, X.DAMAGED),
    ("Colis perdu en transit", S.EXCEPTION, X.LOST),
    ("Parcel lost", S.EXCEPTION, X.LOST),
    ("Adresse erronée", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("Adresse incomplète", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("Porte codée", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("Further address needed", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("Wrong address", S.EXCEPTION, X.ADDRESS_PROBLEM),
    ("Destinataire absent", S.ATTEMPT_FAILED, X.RECIPIENT_ABSENT),
    ("Back after an unsuccessful delivery attempt", S.ATTEMPT_FAILED, None),
    ("Erfolgloser Zustellversuch", S.ATTEMPT_FAILED, None),
    ("Livraison prévue dans un point relais Pickup", S.IN_TRANSIT, X.TO_PICKUP_POINT),
    ("DPD a choisi de livrer le colis ailleurs", S.IN_TRANSIT, X.TO_PICKUP_POINT),
    ("Colis déposé conforme", S.IN_TRANSIT, X.PICKED_UP),
    ("Colis déposé au point relais Pickup", S.IN_TRANSIT, X.PICKED_UP),
    ("Colis enlevé par DPD France", S.IN_TRANSIT, X.PICKED_UP),
    ("Colis pris en charge par DPD France", S.IN_TRANSIT, X.PICKED_UP),
    ("The parcel has been picked up by DPD", S.IN_TRANSIT, X.PICKED_UP),
    ("Colis à disposition au point relais Pickup", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("Delivered to Pickup parcelshop", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("Im Pickup Paketshop", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("At the service point", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ("A enlever à l'agence par le destinataire", S.AVAILABLE_FOR_PICKUP, X.DEPOT),
    ("Colis à disposition à l'agence DPD France", S.AVAILABLE_FOR_PICKUP, X.DEPOT),
    ("En tournée", S.OUT_FOR_DELIVERY, None),
    ("Colis en livraison", S.OUT_FOR_DELIVERY, None),
    ("Parcel out for delivery", S.OUT_FOR_DELIVERY, None),
    ("Delivery in progress", S.OUT_FOR_DELIVERY, None),
    ("Paket in Zustellung", S.OUT_FOR_DELIVERY, None),
    ("Colis livré", S.DELIVERED, X.TO_RECIPIENT),
    ("Commande livrée", S.DELIVERED, X.TO_RECIPIENT),
    ("The parcel has been delivered", S.DELIVERED, X.TO_RECIPIENT),
    ("Paket zugestellt", S.DELIVERED, X.TO_RECIPIENT),
    ("Pakket afgeleverd", S.DELIVERED, X.TO_RECIPIENT),
    ("Pakket bezorgd", S.DELIVERED, X.TO_RECIPIENT),
    ("Transit sous douane", S.IN_TRANSIT, X.CUSTOMS),
    ("Customs clearance", S.IN_TRANSIT, X.CUSTOMS),
    ("Réorienté vers le centre livreur", S.IN_TRANSIT, X.REDIRECTED),
    ("Misrouted parcel", S.IN_TRANSIT, X.REDIRECTED),
    ("Arrivée au centre de tri", S.IN_TRANSIT, X.AT_HUB),
    ("At the parcel dispatch centre", S.IN_TRANSIT, X.AT_HUB),
    ("Départ vers la France", S.IN_TRANSIT, X.DEPARTED),
]


def read(label: str) -> tuple[Status, Substatus | None]:
    mapping = STATUS_MAP.lookup(999, label)
    return mapping.status, mapping.substatus


def test_every_keyword_rule_has_a_positive_case() -> None:
    labels = [fold(label) for label, _, _ in POSITIVE]
    assert [w for w, _, _ in KEYWORDS if not any(Phrase(w).found_in(f) for f in labels)] == []


@pytest.mark.parametrize(("label", "status", "substatus"), POSITIVE)
def test_keyword_reads_an_unknown_codes_label(
    label: str, status: Status, substatus: Substatus | None
) -> None:
    assert read(label) == (status, substatus)


FACTS = [row for row in POSITIVE if row[1] not in REASONS]


@pytest.mark.parametrize(("label", "status", "substatus"), FACTS)
def test_a_negated_fact_does_not_give_its_status(
    label: str, status: Status, substatus: Substatus | None
) -> None:
    """A negation before a delivery, an availability or a return undoes it (a problem's reason
    is only undone by a negation right before it: see tests/sdk/test_taxonomy.py)."""
    for negation in ("non", "not", "nicht", "niet"):
        assert read(f"{negation} {label.lower()}") != (status, substatus)


@pytest.mark.parametrize(
    "label",
    [
        "Remis au livreur",  # the driver, not delivered
        "DPD va livrer demain",
        "Non livré, adresse de livraison erronée",
        "Le colis n'a pas pu être livré",
        "Handed to the driver",
        "Parcel not delivered",
        "Could not be delivered",
        "Paket nicht zugestellt",
        "Livraison reportée",
    ],
)
def test_words_that_merely_contain_delivered_are_not_a_delivery(label: str) -> None:
    assert read(label)[0] is not S.DELIVERED


@pytest.mark.parametrize(
    ("label", "status", "substatus"),
    [
        ("Ausrollretoure", S.RETURNING, None),  # the driver's return to the depot, one word
        ("Retourné au dépôt pour un second passage", S.RETURNED, None),
        ("Avis de passage déposé", S.IN_TRANSIT, X.PICKED_UP),
        ("Colis reçu (perdurant)", S.EXCEPTION, X.LOST),
        ("Départemental", S.IN_TRANSIT, X.DEPARTED),
        ("Relivraison", S.OUT_FOR_DELIVERY, None),
        ("Parcelshopping", S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT),
    ],
)
def test_a_keyword_inside_a_longer_word_does_not_match(
    label: str, status: Status, substatus: Substatus | None
) -> None:
    assert read(label) != (status, substatus)


def test_a_known_code_keeps_its_table_meaning_whatever_its_label() -> None:
    assert read_known(40, "Colis non livré") == (S.DELIVERED, X.TO_RECIPIENT)


def read_known(code: int, label: str) -> tuple[Status, Substatus | None]:
    mapping = STATUS_MAP.lookup(code, label)
    return mapping.status, mapping.substatus


# -- formats ----------------------------------------------------------------------------------


def test_an_answer_declared_in_iso_8859_1_is_read() -> None:
    text = fixture_bytes("dpd", "delivered.xml").decode()
    body = text.replace('encoding="utf-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    [tracking] = parse(body)
    assert tracking.events[-1].label.endswith("réceptionnée par DPD France")
    assert tracking.status is S.DELIVERED


def test_space_padded_status_numbers_are_read() -> None:
    body = fixture_bytes("dpd", "delivered.xml").replace(
        b"<StatusNumber>40</StatusNumber>", b"<StatusNumber>  40 </StatusNumber>"
    )
    [tracking] = parse(body)
    assert (tracking.status, tracking.substatus) == (S.DELIVERED, X.TO_RECIPIENT)


@pytest.mark.parametrize(
    "filler",
    [
        b"<clsTrace />",
        b"<clsTrace><StatusNumber /><ScanDate /><ScanTime /><StatusDescription /></clsTrace>",
    ],
)
def test_empty_filler_rows_are_not_events(filler: bytes, caplog: pytest.LogCaptureFixture) -> None:
    body = fixture_bytes("dpd", "delivered.xml").replace(b"<Traces>", b"<Traces>" + filler)
    with caplog.at_level(logging.WARNING, "suivi.dpd"):
        [tracking] = parse(body)
    assert len(tracking.events) == 5
    assert not caplog.records


def test_missing_optional_blocks_are_fine() -> None:
    body = fixture_bytes("dpd", "in_transit.xml")
    for tag in (b"PointRelaisName", b"PointRelaisLink", b"Receiver", b"Weight", b"DeliveryDate"):
        start, end = body.index(b"<" + tag + b">"), body.index(b"</" + tag + b">")
        body = body[:start] + body[end + len(tag) + 3 :]
    [tracking] = parse(body)
    assert tracking.pickup_point is None
    assert tracking.weight_kg is None
    assert tracking.substatus is X.ARRIVED_AT_DELIVERY_SITE


@pytest.mark.parametrize(
    ("scan_date", "scan_time"),
    [
        ("04/06/26", "05:31"),  # two-digit year
        ("04/06/26", "05:31:00"),
        ("04.06.2026", "05:31:00"),
        ("04/06/2026 05:31:00", ""),  # ScanDate carrying the time, ScanTime empty
        ("2026-06-04T05:31:00", ""),
    ],
)
def test_every_scan_date_shape_is_read(scan_date: str, scan_time: str) -> None:
    body = fixture_bytes("dpd", "in_transit.xml").replace(
        b"<ScanDate>04/06/2026</ScanDate>\n            <ScanTime>05:31</ScanTime>",
        f"<ScanDate>{scan_date}</ScanDate><ScanTime>{scan_time}</ScanTime>".encode(),
    )
    [tracking] = parse(body)
    assert tracking.events[0].timestamp == datetime(2026, 6, 4, 5, 31, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<ScanDate>04/06/2026</ScanDate>", b"<ScanDate>yesterday</ScanDate>"),
        (b"<StatusNumber>20</StatusNumber>", b""),
    ],
)
def test_one_unreadable_event_is_skipped_with_a_counted_warning(
    old: bytes, new: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    body = fixture_bytes("dpd", "in_transit.xml").replace(old, new)
    with caplog.at_level(logging.WARNING, "suivi.dpd"):
        [tracking] = ADAPTER.parse(raw(body))
    assert [e.code for e in tracking.events] == ["170", "10", "8"]
    assert tracking.status is S.IN_TRANSIT
    [record] = caplog.records
    assert "1 unreadable event(s) skipped" in record.getMessage()
    assert "250033087654321098" in record.getMessage()


def test_an_unreadable_delis_date_loses_only_its_event(caplog: pytest.LogCaptureFixture) -> None:
    body = fixture_bytes("dpd", "delis_collected_at_parcelshop.xml").replace(
        b"5/15/2026 5:31:09 PM", b"15 mai"
    )
    with caplog.at_level(logging.WARNING, "suivi.dpd"):
        [tracking] = parse(body)
    assert (tracking.status, tracking.substatus) == (S.AVAILABLE_FOR_PICKUP, X.PICKUP_POINT)
    assert len(tracking.events) == 7
    assert len(caplog.records) == 1


def test_an_answer_with_no_readable_event_is_invalid_and_names_the_carrier() -> None:
    body = fixture_bytes("dpd", "in_transit.xml")
    for day in (b"03/06/2026", b"04/06/2026"):
        body = body.replace(b"<ScanDate>" + day, b"<ScanDate>x" + day)
    with pytest.raises(errors.CarrierResponseInvalid, match="no readable event") as caught:
        parse(body)
    assert caught.value.carrier == "dpd"


def raw(body: bytes) -> RawResponse:
    return RawResponse(body=body, requested=("250033087654321098",))
