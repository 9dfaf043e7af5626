"""Models: immutable, timezone-aware, stable through JSON."""

from __future__ import annotations

import types
from datetime import date, datetime, time, timedelta, timezone

import pytest
from pydantic import ValidationError

import suivi
from suivi import (
    DeliveryEstimate,
    Location,
    PickupPoint,
    Status,
    Substatus,
    Tracking,
    TrackingEvent,
)
from suivi.toolkit import PARIS, parse_local

PARIS_WINTER = timezone(timedelta(hours=1))


def sample_tracking() -> Tracking:
    events = [
        TrackingEvent(
            timestamp=datetime(2026, 11, 20, 9, 5, tzinfo=PARIS_WINTER),
            status=Status.INFO_RECEIVED,
            substatus=Substatus.LABEL_CREATED,
            code="DR1",
            label="Votre colis est en préparation",
        ),
        TrackingEvent(
            timestamp=datetime(2026, 11, 22, 11, 42, tzinfo=PARIS_WINTER),
            status=Status.AVAILABLE_FOR_PICKUP,
            substatus=Substatus.PICKUP_POINT,
            code="AG1",
            label="Votre colis est disponible dans votre point de retrait",
            location=Location(city="Paris", postcode="75011", country="FR"),
        ),
    ]
    return Tracking.from_events(
        "colissimo",
        "6A12345678901",
        events,
        service="colissimo",
        estimate=DeliveryEstimate(
            earliest=date(2026, 11, 22),
            latest=date(2026, 11, 23),
            p50=date(2026, 11, 22),
            start_time=time(10),
            end_time=time(12),
            source="carrier",
        ),
        pickup_point=PickupPoint(
            name="Tabac <Le Balto>", opening_hours=("Lu-Sa 8:00-19:00",), deadline=date(2026, 12, 6)
        ),
        weight_kg=1.25,
    )


def test_json_round_trip_is_stable() -> None:
    tracking = sample_tracking()
    text = tracking.model_dump_json()
    again = Tracking.model_validate_json(text)
    assert again == tracking
    assert again.model_dump_json() == text


def test_serialized_statuses_are_lower_case_strings() -> None:
    data = sample_tracking().model_dump(mode="json")
    assert data["status"] == "available_for_pickup"
    assert data["events"][0]["substatus"] == "pickup_point"
    assert data["events"][0]["timestamp"] == "2026-11-22T11:42:00+01:00"


def test_models_are_immutable() -> None:
    tracking = sample_tracking()
    with pytest.raises(ValidationError):
        tracking.status = Status.DELIVERED  # type: ignore[misc]


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        TrackingEvent(
            timestamp=datetime(2026, 11, 20, 9, 0), status=Status.IN_TRANSIT, code="X", label="x"
        )


def test_estimate_window_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="latest"):
        DeliveryEstimate(earliest=date(2026, 11, 23), latest=date(2026, 11, 22), source="model")


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Tracking.model_validate(
            {"carrier": "x", "tracking_number": "1", "status": "delivered", "colour": "red"}
        )


def test_local_times_are_converted_with_the_carrier_zone() -> None:
    summer = parse_local("12/07/2026 14:30", ("%d/%m/%Y %H:%M",), PARIS, carrier="x")
    winter = parse_local("12/12/2026 14:30", ("%d/%m/%Y %H:%M",), PARIS, carrier="x")
    assert summer.utcoffset() == timedelta(hours=2)
    assert winter.utcoffset() == timedelta(hours=1)


def test_unreadable_dates_are_a_carrier_response_error() -> None:
    with pytest.raises(suivi.errors.CarrierResponseInvalid, match="unreadable date"):
        parse_local("32/13/2026", ("%d/%m/%Y",), PARIS, carrier="x")


def test_public_names_are_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(suivi).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(suivi.__all__) == public | {"errors", "__version__"}

    def kind(name: str) -> int:
        return 0 if name.isupper() else 1 if name[0].isupper() else 2

    assert suivi.__all__ == sorted(suivi.__all__, key=lambda n: (kind(n), n))
