"""Situation detection: every situation positive and negative, borderline timing, fingerprints.

November 2026: Friday 6, Saturday 7, Sunday 8, Monday 9, Tuesday 10, Wednesday 11 (Armistice,
a public holiday), Thursday 12, Friday 13. Times are Paris times unless said otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from suivi import (
    DEFAULT_SILENCE_HOURS,
    DeliveryEstimate,
    DetectedSituation,
    PickupPoint,
    ShipmentFacts,
    Situation,
    Status,
    Substatus,
    Thresholds,
    Tracking,
    TrackingEvent,
    detect_situations,
)
from suivi.toolkit import PARIS

S = Situation


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


def shipment(**fields: object) -> ShipmentFacts:
    base: dict[str, object] = {
        "carrier": "colissimo",
        "ordered_at": at(4, 10),
        "promised_ship_date": date(2026, 11, 6),
        "promised_delivery_date": date(2026, 11, 10),
    }
    return ShipmentFacts.model_validate(base | fields)


def ev(
    when: datetime,
    status: Status,
    substatus: Substatus | None = None,
    *,
    code: str = "C",
    label: str = "carrier words",
    affects_status: bool = True,
) -> TrackingEvent:
    return TrackingEvent(
        timestamp=when,
        status=status,
        substatus=substatus,
        code=code,
        label=label,
        affects_status=affects_status,
    )


def parcel(*events: TrackingEvent, carrier: str = "colissimo", **fields: object) -> Tracking:
    return Tracking.from_events(
        carrier, "6A1", events, status_without_events=Status.PENDING, **fields
    )


def window(earliest: date, latest: date, **fields: object) -> DeliveryEstimate:
    return DeliveryEstimate.model_validate(
        {"earliest": earliest, "latest": latest, "source": "carrier"} | fields
    )


def detect(
    tracking: Tracking,
    now: datetime,
    *,
    facts: ShipmentFacts | None = None,
    estimate: DeliveryEstimate | None = None,
    thresholds: Thresholds | None = None,
) -> dict[Situation, DetectedSituation]:
    found = detect_situations(facts or shipment(), tracking, estimate, now, thresholds)
    kinds = [s.kind for s in found]
    assert len(kinds) == len(set(kinds)), "a situation is reported once per call"
    return {s.kind: s for s in found}


HANDOVER = ev(at(6, 18), Status.IN_TRANSIT, Substatus.PICKED_UP)
EXPECTED = window(date(2026, 11, 9), date(2026, 11, 10))


# preparation_delay ----------------------------------------------------------------------------


def test_preparation_delay_after_the_promised_ship_date_and_its_grace() -> None:
    label_only = parcel(ev(at(5, 9), Status.INFO_RECEIVED, Substatus.LABEL_CREATED))
    found = detect(label_only, at(7, 12, 1))[S.PREPARATION_DELAY]
    assert found.since == at(7, 0)
    assert found.facts["promised_ship_date"] == date(2026, 11, 6)
    assert found.facts["label_created"] is True


def test_no_preparation_delay_within_the_grace_hours() -> None:
    assert S.PREPARATION_DELAY not in detect(parcel(), at(7, 11, 59))


def test_preparation_grace_does_not_run_on_a_carriers_weekend() -> None:
    dpd = shipment(carrier="dpd")
    assert S.PREPARATION_DELAY not in detect(parcel(carrier="dpd"), at(9, 11), facts=dpd)
    assert S.PREPARATION_DELAY in detect(parcel(carrier="dpd"), at(9, 12, 30), facts=dpd)


def test_preparation_grace_does_not_run_on_a_public_holiday() -> None:
    dpd = shipment(carrier="dpd", promised_ship_date=date(2026, 11, 10))
    assert S.PREPARATION_DELAY not in detect(parcel(carrier="dpd"), at(12, 11), facts=dpd)
    assert S.PREPARATION_DELAY in detect(parcel(carrier="dpd"), at(12, 13), facts=dpd)


def test_no_preparation_delay_once_handed_over_or_without_a_promise() -> None:
    assert S.PREPARATION_DELAY not in detect(parcel(HANDOVER), at(9, 18))
    assert S.PREPARATION_DELAY not in detect(
        parcel(), at(9, 18), facts=shipment(promised_ship_date=None)
    )


# shipped / shipped_late -----------------------------------------------------------------------


def test_shipped_on_first_acceptance_with_the_expected_date() -> None:
    found = detect(parcel(HANDOVER), at(6, 19), estimate=EXPECTED)
    assert S.SHIPPED_LATE not in found
    shipped = found[S.SHIPPED]
    assert shipped.since == HANDOVER.timestamp
    assert shipped.facts["tracking_number"] == "6A1"
    assert shipped.facts["expected_latest"] == date(2026, 11, 10)
    assert shipped.facts["estimate_source"] == "carrier"


def test_a_label_is_not_a_shipment() -> None:
    label_only = parcel(ev(at(6, 9), Status.INFO_RECEIVED, Substatus.LABEL_CREATED))
    assert S.SHIPPED not in detect(label_only, at(6, 19))


def test_no_shipped_once_delivered() -> None:
    done = parcel(HANDOVER, ev(at(9, 11), Status.DELIVERED, Substatus.TO_RECIPIENT))
    assert S.SHIPPED not in detect(done, at(9, 12))


def test_shipped_late_replaces_shipped_and_gives_the_new_date() -> None:
    late = ev(at(9, 14), Status.IN_TRANSIT, Substatus.PICKED_UP)
    found = detect(parcel(late), at(9, 15), estimate=window(date(2026, 11, 12), date(2026, 11, 13)))
    assert S.SHIPPED not in found
    shipped_late = found[S.SHIPPED_LATE]
    assert shipped_late.facts["promised_ship_date"] == date(2026, 11, 6)
    assert shipped_late.facts["expected_latest"] == date(2026, 11, 13)
    assert shipped_late.facts["business_days_late"] == 2  # Saturday and Monday for Colissimo


def test_a_monday_morning_first_scan_is_on_time_for_a_friday_promise_without_saturday() -> None:
    monday_dawn = ev(at(9, 6), Status.IN_TRANSIT, Substatus.AT_HUB)
    found = detect(parcel(monday_dawn, carrier="dpd"), at(9, 7), facts=shipment(carrier="dpd"))
    assert S.SHIPPED in found
    assert S.SHIPPED_LATE not in found


# delivery_delayed -----------------------------------------------------------------------------


def test_delayed_when_the_expected_date_has_passed_in_the_shoppers_zone() -> None:
    saturday_just_after_midnight = datetime(2026, 11, 13, 23, 30, tzinfo=UTC)
    estimate = window(date(2026, 11, 12), date(2026, 11, 13))
    moving = parcel(HANDOVER, ev(at(13, 20), Status.IN_TRANSIT, Substatus.AT_HUB))
    found = detect(moving, saturday_just_after_midnight, estimate=estimate)[S.DELIVERY_DELAYED]
    assert found.facts["reason"] == "expected_date_passed"
    assert found.facts["expected_latest"] == date(2026, 11, 13)
    assert found.since == at(14, 0)


def test_not_delayed_while_it_is_still_the_expected_day_for_the_shopper() -> None:
    same_instant = datetime(2026, 11, 13, 23, 30, tzinfo=UTC)
    montreal = shipment(timezone="America/Montreal")
    estimate = window(date(2026, 11, 12), date(2026, 11, 13))
    moving = parcel(HANDOVER, ev(at(13, 20), Status.IN_TRANSIT, Substatus.AT_HUB))
    assert S.DELIVERY_DELAYED not in detect(moving, same_instant, facts=montreal, estimate=estimate)


def test_a_friday_evening_scan_is_not_silent_on_sunday() -> None:
    friday = parcel(ev(at(6, 20), Status.IN_TRANSIT, Substatus.AT_HUB))
    assert S.DELIVERY_DELAYED not in detect(friday, at(8, 20))
    dpd_friday = parcel(ev(at(6, 20), Status.IN_TRANSIT), carrier="dpd")
    assert S.DELIVERY_DELAYED not in detect(dpd_friday, at(10, 20), facts=shipment(carrier="dpd"))


def test_silence_beyond_the_normal_gap_says_since_when_without_claiming_loss() -> None:
    dpd_friday = parcel(ev(at(6, 20), Status.IN_TRANSIT, label="Arrivé sur site"), carrier="dpd")
    found = detect(dpd_friday, at(10, 21), facts=shipment(carrier="dpd"))[S.DELIVERY_DELAYED]
    assert found.since == at(6, 20)
    assert found.facts["reason"] == "no_scan"
    assert found.facts["last_scan_at"] == at(6, 20)
    assert found.facts["silent_business_hours"] == 49.0
    assert found.facts["max_silence_hours"] == 48.0
    assert found.facts["carrier_label"] == "Arrivé sur site"


def test_silence_does_not_run_on_armistice_day() -> None:
    tuesday = parcel(ev(at(10, 18), Status.IN_TRANSIT), carrier="dpd")
    dpd = shipment(carrier="dpd")
    assert S.DELIVERY_DELAYED not in detect(tuesday, at(13, 17), facts=dpd)
    assert S.DELIVERY_DELAYED in detect(tuesday, at(13, 19), facts=dpd)


def test_a_notice_is_not_a_scan() -> None:
    sms = ev(at(10, 9), Status.IN_TRANSIT, label="SMS envoyé", affects_status=False)
    silent = parcel(ev(at(6, 20), Status.IN_TRANSIT), sms, carrier="dpd")
    found = detect(silent, at(10, 21), facts=shipment(carrier="dpd"))[S.DELIVERY_DELAYED]
    assert found.facts["last_scan_at"] == at(6, 20)


def test_carrier_rows_override_the_default_silence() -> None:
    chrono = parcel(ev(at(9, 8), Status.IN_TRANSIT), carrier="chronopost")
    found = detect(chrono, at(10, 9), facts=shipment(carrier="chronopost"))
    assert found[S.DELIVERY_DELAYED].facts["max_silence_hours"] == 24.0


def test_merchant_thresholds_replace_the_defaults() -> None:
    moving = parcel(ev(at(9, 8), Status.IN_TRANSIT))
    strict = Thresholds(silence_hours={"*": {Status.IN_TRANSIT: 6.0}})
    assert S.DELIVERY_DELAYED in detect(moving, at(9, 15), thresholds=strict)
    assert S.DELIVERY_DELAYED not in detect(
        moving, at(20, 15), thresholds=Thresholds(silence_hours={})
    )
    assert (
        Thresholds().max_silence("dpd", Status.IN_TRANSIT)
        == DEFAULT_SILENCE_HOURS[Status.IN_TRANSIT]
    )


@pytest.mark.parametrize(
    ("carrier", "status", "hours"),
    [
        ("chronopost", Status.IN_TRANSIT, 24.0),  # its adapter's scan_gaps
        ("mondial_relay", Status.IN_TRANSIT, 72.0),
        ("chronopost", Status.OUT_FOR_DELIVERY, 24.0),  # the platform's, where it says nothing
        ("colissimo", Status.IN_TRANSIT, 48.0),
        ("some_new_carrier", Status.EXCEPTION, 72.0),
        ("some_new_carrier", Status.AVAILABLE_FOR_PICKUP, None),
    ],
)
def test_normal_gaps_come_from_the_carrier_adapter_over_the_platform_defaults(
    carrier: str, status: Status, hours: float | None
) -> None:
    assert Thresholds().max_silence(carrier, status) == hours


def test_merchant_rows_replace_the_carrier_adapters_gaps() -> None:
    merchant = Thresholds(silence_hours={"*": {Status.IN_TRANSIT: 30.0}})
    assert merchant.max_silence("chronopost", Status.IN_TRANSIT) == 30.0
    assert merchant.max_silence("chronopost", Status.EXCEPTION) is None


def test_the_carrier_saying_delayed_is_a_delay_reason() -> None:
    held = parcel(HANDOVER, ev(at(9, 8), Status.IN_TRANSIT, Substatus.DELAYED, label="Retard"))
    found = detect(held, at(9, 9))[S.DELIVERY_DELAYED]
    assert (found.facts["reason"], found.since) == ("carrier_reported", at(9, 8))


def test_a_passed_date_wins_over_silence() -> None:
    silent = parcel(ev(at(6, 20), Status.IN_TRANSIT))
    found = detect(silent, at(12, 9), estimate=EXPECTED)[S.DELIVERY_DELAYED]
    assert found.facts["reason"] == "expected_date_passed"


def test_no_delay_while_waiting_for_the_shopper_at_a_pickup_point() -> None:
    waiting = parcel(HANDOVER, ev(at(9, 10), Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT))
    assert S.DELIVERY_DELAYED not in detect(waiting, at(20, 10), estimate=EXPECTED)


# address_problem ------------------------------------------------------------------------------


def test_address_problem_while_it_is_the_current_status() -> None:
    problem = ev(
        at(9, 10),
        Status.EXCEPTION,
        Substatus.ADDRESS_PROBLEM,
        code="AD",
        label="Adresse incomplète",
    )
    found = detect(parcel(HANDOVER, problem), at(9, 11))[S.ADDRESS_PROBLEM]
    assert found.since == at(9, 10)
    assert (found.facts["carrier_code"], found.facts["carrier_label"]) == (
        "AD",
        "Adresse incomplète",
    )


def test_no_address_problem_once_the_parcel_moves_again() -> None:
    problem = ev(at(9, 10), Status.EXCEPTION, Substatus.ADDRESS_PROBLEM)
    fixed = parcel(HANDOVER, problem, ev(at(10, 8), Status.IN_TRANSIT, Substatus.REDIRECTED))
    assert S.ADDRESS_PROBLEM not in detect(fixed, at(10, 9))


# returned_to_sender / refused -----------------------------------------------------------------


def test_returned_to_sender_keeps_one_fingerprint_from_returning_to_returned() -> None:
    returning = ev(at(12, 9), Status.RETURNING, Substatus.UNDELIVERABLE)
    on_the_way = detect(parcel(HANDOVER, returning), at(12, 10))[S.RETURNED_TO_SENDER]
    back = detect(parcel(HANDOVER, returning, ev(at(16, 9), Status.RETURNED)), at(16, 10))
    arrived = back[S.RETURNED_TO_SENDER]
    assert on_the_way.facts["reason"] == "undeliverable"
    assert (on_the_way.facts["back_at_sender"], arrived.facts["back_at_sender"]) == (False, True)
    assert arrived.fingerprint == on_the_way.fingerprint


def test_no_return_while_moving_towards_the_shopper() -> None:
    assert S.RETURNED_TO_SENDER not in detect(parcel(HANDOVER), at(7, 9))


def test_a_refusal_is_refused_not_returned() -> None:
    refusal = ev(
        at(10, 11), Status.EXCEPTION, Substatus.REFUSED, label="Refusé par le destinataire"
    )
    first = detect(parcel(HANDOVER, refusal), at(10, 12))
    later = detect(
        parcel(HANDOVER, refusal, ev(at(11, 9), Status.RETURNING, Substatus.REFUSED)), at(11, 10)
    )
    assert first[S.REFUSED].since == at(10, 11)
    assert S.RETURNED_TO_SENDER not in later
    assert later[S.REFUSED].fingerprint == first[S.REFUSED].fingerprint


def test_no_refusal_when_the_parcel_was_delivered_after_all() -> None:
    refusal = ev(at(10, 11), Status.EXCEPTION, Substatus.REFUSED)
    delivered = ev(at(12, 11), Status.DELIVERED, Substatus.TO_RECIPIENT)
    assert S.REFUSED not in detect(parcel(HANDOVER, refusal, delivered), at(12, 12))


# damaged --------------------------------------------------------------------------------------


def test_minor_damage_is_reported_while_the_parcel_keeps_moving() -> None:
    damage = ev(at(9, 3), Status.EXCEPTION, Substatus.DAMAGED, label="Colis endommagé")
    moving = parcel(HANDOVER, damage, ev(at(9, 8), Status.OUT_FOR_DELIVERY))
    found = detect(moving, at(9, 9))[S.DAMAGED]
    assert found.facts["reported_at"] == at(9, 3)
    assert found.facts["carrier_label"] == "Colis endommagé"


def test_no_damage_banner_without_a_report_or_after_delivery() -> None:
    damage = ev(at(9, 3), Status.EXCEPTION, Substatus.DAMAGED)
    delivered = ev(at(9, 12), Status.DELIVERED, Substatus.TO_RECIPIENT)
    assert S.DAMAGED not in detect(parcel(HANDOVER), at(9, 9))
    assert S.DAMAGED not in detect(parcel(HANDOVER, damage, delivered), at(9, 13))


# available_for_pickup -------------------------------------------------------------------------

POINT = PickupPoint(
    identifier="FR-012345",
    name="Tabac Le Balto",
    address="12 rue Oberkampf",
    postcode="75011",
    city="Paris",
    opening_hours=("Lu-Sa 8:00-19:00",),
    deadline=date(2026, 11, 23),
)


def test_available_for_pickup_says_where_when_and_until_when() -> None:
    arrived = ev(at(9, 11), Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT)
    found = detect(parcel(HANDOVER, arrived, pickup_point=POINT), at(9, 12))[S.AVAILABLE_FOR_PICKUP]
    assert found.facts["name"] == "Tabac Le Balto"
    assert found.facts["opening_hours"] == ("Lu-Sa 8:00-19:00",)
    assert found.facts["deadline"] == date(2026, 11, 23)
    assert found.facts["kind"] == "pickup_point"


def test_a_reminder_scan_at_the_point_is_not_a_new_arrival() -> None:
    arrived = ev(at(9, 11), Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT)
    reminder = ev(at(13, 9), Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT)
    first = detect(parcel(HANDOVER, arrived, pickup_point=POINT), at(9, 12))
    again = detect(parcel(HANDOVER, arrived, reminder, pickup_point=POINT), at(13, 10))
    assert again[S.AVAILABLE_FOR_PICKUP].since == at(9, 11)
    assert again[S.AVAILABLE_FOR_PICKUP].fingerprint == first[S.AVAILABLE_FOR_PICKUP].fingerprint


def test_no_pickup_banner_once_collected() -> None:
    arrived = ev(at(9, 11), Status.AVAILABLE_FOR_PICKUP, Substatus.PICKUP_POINT)
    collected = ev(at(10, 17), Status.DELIVERED, Substatus.COLLECTED_AT_PICKUP_POINT)
    assert S.AVAILABLE_FOR_PICKUP not in detect(parcel(HANDOVER, arrived, collected), at(10, 18))


# delivered / delivered_to_third_party ---------------------------------------------------------


def test_delivered_to_a_neighbour_says_who_has_it() -> None:
    neighbour = ev(at(10, 11), Status.DELIVERED, Substatus.TO_NEIGHBOUR, label="Remis au voisin")
    found = detect(parcel(HANDOVER, neighbour, signed_by="M. Dupont"), at(10, 12))
    third_party = found[S.DELIVERED_TO_THIRD_PARTY]
    assert third_party.facts["handed_to"] == "neighbour"
    assert third_party.facts["received_by"] == "M. Dupont"
    assert S.DELIVERED in found


def test_delivered_to_the_recipient_is_not_a_third_party() -> None:
    to_recipient = ev(at(10, 11), Status.DELIVERED, Substatus.TO_RECIPIENT)
    found = detect(parcel(HANDOVER, to_recipient), at(10, 12))
    assert S.DELIVERED_TO_THIRD_PARTY not in found
    assert found[S.DELIVERED].facts["how"] == "to_recipient"


def test_delivered_on_time_is_judged_on_the_shoppers_calendar_day() -> None:
    just_before_midnight_paris = datetime(2026, 11, 10, 22, 30, tzinfo=UTC)
    after_midnight_paris = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
    on_time = parcel(HANDOVER, ev(just_before_midnight_paris, Status.DELIVERED))
    late = parcel(HANDOVER, ev(after_midnight_paris, Status.DELIVERED))
    assert detect(on_time, at(11, 9))[S.DELIVERED].facts["on_time"] is True
    assert detect(late, at(11, 9))[S.DELIVERED].facts["on_time"] is False


def test_delivered_lists_the_incidents_lived_for_the_survey() -> None:
    absent = ev(at(9, 12), Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT)
    delivered = ev(at(10, 12), Status.DELIVERED, Substatus.TO_RECIPIENT)
    found = detect(parcel(HANDOVER, absent, delivered), at(10, 13))[S.DELIVERED]
    assert found.facts["incidents"] == ("recipient_absent",)
    assert found.since == at(10, 12)


def test_not_delivered_while_out_for_delivery() -> None:
    out = parcel(HANDOVER, ev(at(9, 7), Status.OUT_FOR_DELIVERY))
    assert S.DELIVERED not in detect(out, at(9, 8))


# out_for_delivery / attempt_failed ------------------------------------------------------------


def test_out_for_delivery_carries_todays_time_slot() -> None:
    out = parcel(HANDOVER, ev(at(9, 7), Status.OUT_FOR_DELIVERY))
    today = window(date(2026, 11, 9), date(2026, 11, 9), start_time=time(10), end_time=time(12))
    found = detect(out, at(9, 8), estimate=today)[S.OUT_FOR_DELIVERY]
    assert (found.facts["start_time"], found.facts["end_time"]) == (time(10), time(12))


def test_no_out_for_delivery_once_delivered() -> None:
    done = parcel(HANDOVER, ev(at(9, 7), Status.OUT_FOR_DELIVERY), ev(at(9, 11), Status.DELIVERED))
    assert S.OUT_FOR_DELIVERY not in detect(done, at(9, 12))


def test_each_failed_attempt_is_a_new_occurrence() -> None:
    first = ev(at(9, 12), Status.ATTEMPT_FAILED, Substatus.RECIPIENT_ABSENT)
    second = ev(at(10, 12), Status.ATTEMPT_FAILED, Substatus.NO_ACCESS)
    once = detect(parcel(HANDOVER, first), at(9, 13))[S.ATTEMPT_FAILED]
    twice = detect(
        parcel(HANDOVER, first, ev(at(10, 7), Status.OUT_FOR_DELIVERY), second), at(10, 13)
    )
    again = twice[S.ATTEMPT_FAILED]
    assert (once.facts["reason"], once.facts["attempts"]) == ("recipient_absent", 1)
    assert (again.facts["reason"], again.facts["attempts"]) == ("no_access", 2)
    assert again.fingerprint != once.fingerprint


def test_no_attempt_failed_while_in_transit() -> None:
    assert S.ATTEMPT_FAILED not in detect(parcel(HANDOVER), at(7, 9))


# fingerprints and inputs ----------------------------------------------------------------------


def test_fingerprint_ignores_the_clock_when_the_facts_are_the_same() -> None:
    silent = parcel(ev(at(6, 20), Status.IN_TRANSIT), carrier="dpd")
    dpd = shipment(carrier="dpd")
    tuesday = detect(silent, at(10, 21), facts=dpd)[S.DELIVERY_DELAYED]
    thursday = detect(silent, at(12, 21), facts=dpd)[S.DELIVERY_DELAYED]
    assert tuesday.facts["silent_business_hours"] != thursday.facts["silent_business_hours"]
    assert tuesday.fingerprint == thursday.fingerprint


def test_fingerprint_changes_when_a_new_silence_starts() -> None:
    dpd = shipment(carrier="dpd")
    first = detect(parcel(ev(at(6, 20), Status.IN_TRANSIT), carrier="dpd"), at(10, 21), facts=dpd)
    news_then_silence = parcel(
        ev(at(6, 20), Status.IN_TRANSIT), ev(at(10, 22), Status.IN_TRANSIT), carrier="dpd"
    )
    second = detect(news_then_silence, at(13, 23), facts=dpd)
    assert first[S.DELIVERY_DELAYED].fingerprint != second[S.DELIVERY_DELAYED].fingerprint


def test_fingerprint_changes_with_a_new_expected_date() -> None:
    moving = parcel(HANDOVER, ev(at(12, 20), Status.IN_TRANSIT))
    first = detect(moving, at(13, 9), estimate=window(date(2026, 11, 9), date(2026, 11, 10)))
    moved = detect(moving, at(13, 9), estimate=window(date(2026, 11, 9), date(2026, 11, 12)))
    assert first[S.DELIVERY_DELAYED].fingerprint != moved[S.DELIVERY_DELAYED].fingerprint


def test_fingerprint_is_the_same_for_the_same_instant_in_any_zone() -> None:
    paris = parcel(ev(at(6, 18), Status.IN_TRANSIT))
    utc = parcel(ev(at(6, 18).astimezone(UTC), Status.IN_TRANSIT))
    tokyo = at(6, 19).astimezone(ZoneInfo("Asia/Tokyo"))
    assert (
        detect(paris, at(6, 19))[S.SHIPPED].fingerprint == detect(utc, tokyo)[S.SHIPPED].fingerprint
    )


def test_situations_come_in_design_order() -> None:
    neighbour = ev(at(10, 11), Status.DELIVERED, Substatus.TO_NEIGHBOUR)
    found = detect_situations(shipment(), parcel(HANDOVER, neighbour), None, at(10, 12))
    assert [s.kind for s in found] == [S.DELIVERED_TO_THIRD_PARTY, S.DELIVERED]


def test_nothing_to_say_before_the_promised_ship_date() -> None:
    assert detect_situations(shipment(), parcel(), None, at(5, 12)) == []


def test_naive_clock_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        detect_situations(shipment(), parcel(), None, datetime(2026, 11, 9, 12, 0))
    with pytest.raises(ValidationError, match="unknown time zone"):
        shipment(timezone="Europe/Atlantis")
