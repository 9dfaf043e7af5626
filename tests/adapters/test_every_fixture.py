"""Every carrier answer in tests/fixtures/, parsed, against ONE table of what it must read as.

A fixture added without its row here fails the last test: each sample states its expected
status and substatus (per parcel, for answers holding several) or the typed error it raises.
Directory answers (point_details), webhooks (track_alert_*), requests and OAuth answers are
not tracking answers and are tested where they are used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from suivi import RawResponse, Registry, errors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOT_TRACKING_ANSWERS = ("request_", "oauth_", "point_details", "track_alert_")

Read = tuple[tuple[str, str | None], ...] | str  # (status, substatus) per parcel, or an error

EXPECTED: dict[str, Read] = {
    "chronopost/attempt_failed_absent.xml": (("attempt_failed", "recipient_absent"),),
    "chronopost/available_reannounced.xml": (("available_for_pickup", "pickup_point"),),
    "chronopost/collected_after_pickup.xml": (("delivered", "collected_at_pickup_point"),),
    "chronopost/delivered.xml": (("delivered", None),),
    "chronopost/failed_redirected_to_pickup.xml": (("attempt_failed", "recipient_absent"),),
    "chronopost/in_transit.xml": (("in_transit", None),),
    "chronopost/latin1_mixed_formats.xml": (("out_for_delivery", None),),
    "chronopost/not_collected_returned.xml": (("returning", "not_collected"),),
    "chronopost/not_found.xml": (("not_found", None),),
    "chronopost/refused_returned_to_sender.xml": (("returned", None),),
    "chronopost/system_error.xml": "CarrierUnavailable",
    "colissimo/attempt_redirected_to_post_office.json": (("available_for_pickup", "post_office"),),
    "colissimo/collected_after_pickup.json": (("delivered", "collected_at_pickup_point"),),
    "colissimo/collected_after_pickup_en_gb.json": (("delivered", "collected_at_pickup_point"),),
    "colissimo/delivered.json": (("delivered", "to_recipient"),),
    "colissimo/delivered_en_gb.json": (("delivered", "to_recipient"),),
    "colissimo/exception_address_problem.json": (("exception", "address_problem"),),
    "colissimo/in_transit.json": (("in_transit", "at_hub"),),
    "colissimo/invalid_number.json": "TrackingNumberInvalid",
    "colissimo/multi_parcel.json": (
        ("delivered", "collected_at_pickup_point"),
        ("not_found", None),
        ("out_for_delivery", None),
    ),
    "colissimo/not_collected_returning.json": (("returning", "not_collected"),),
    "colissimo/not_found.json": (("not_found", None),),
    "colissimo/rate_limited.json": "CarrierRateLimited",
    "colissimo/returned_after_refusal.json": (("returned", None),),
    "colissimo/returned_to_sender.json": (("returning", "refused"),),
    "colissimo/undeliverable_address_returning.json": (("returning", "undeliverable"),),
    "colissimo/unreadable_event_date.json": (("in_transit", "at_hub"),),
    "dpd/collected_after_absence_redirect.xml": (("delivered", "collected_at_pickup_point"),),
    "dpd/delis_collected_at_parcelshop.xml": (("delivered", "collected_at_pickup_point"),),
    "dpd/delivered.xml": (("delivered", "to_recipient"),),
    "dpd/dpdgroup_delis_in_transit.xml": (("in_transit", "at_hub"),),
    "dpd/exception_refused.xml": (("exception", "refused"),),
    "dpd/failed_attempt_redirect_to_relay.xml": (("attempt_failed", "recipient_absent"),),
    "dpd/in_transit.xml": (("in_transit", "arrived_at_delivery_site"),),
    "dpd/ip_not_whitelisted.xml": "CarrierAuthError",
    "dpd/not_collected_return.xml": (("returning", "not_collected"),),
    "dpd/not_collected_returned_to_shipper.xml": (("returned", None),),
    "dpd/not_found.xml": (("not_found", None),),
    "dpd/refused_at_relay_return.xml": (("returning", "refused"),),
    "dpd/relay_reminder_keeps_available.xml": (("available_for_pickup", "pickup_point"),),
    "dpd/relay_rescanned_keeps_available.xml": (("available_for_pickup", "pickup_point"),),
    "mondial_relay/delivered.xml": (("delivered", "collected_at_pickup_point"),),
    "mondial_relay/es_collected_at_punto_pack.xml": (("delivered", "collected_at_pickup_point"),),
    "mondial_relay/es_home_delivery_two_digit_years.xml": (("delivered", "to_recipient"),),
    "mondial_relay/exception_anomaly.xml": (("returning", None),),
    "mondial_relay/fr_absent_then_redirected.xml": (("attempt_failed", "recipient_absent"),),
    "mondial_relay/fr_dropped_at_point.xml": (("in_transit", "picked_up"),),
    "mondial_relay/fr_not_collected_return.xml": (("returning", "not_collected"),),
    "mondial_relay/fr_one_unreadable_date.xml": (("available_for_pickup", "pickup_point"),),
    "mondial_relay/fr_point_received_latin1.xml": (("available_for_pickup", "pickup_point"),),
    "mondial_relay/fr_refused_returned.xml": (("returned", None),),
    "mondial_relay/fr_reminder_after_availability.xml": (("available_for_pickup", "pickup_point"),),
    "mondial_relay/in_transit.xml": (("in_transit", None),),
    "mondial_relay/invalid_security_key.xml": "CarrierAuthError",
    "mondial_relay/not_found.xml": (("not_found", None),),
    "ups/collected_at_access_point.json": (("delivered", "collected_at_pickup_point"),),
    "ups/delivered.json": (("delivered", "to_recipient"),),
    "ups/delivered_after_access_point.json": (("delivered", "collected_at_pickup_point"),),
    "ups/exception_address_problem.json": (("exception", "address_problem"),),
    "ups/failed_attempt_to_access_point.json": (("attempt_failed", None),),
    "ups/in_transit.json": (("in_transit", None),),
    "ups/invalid_number.json": "TrackingNumberInvalid",
    "ups/multi_package.json": (
        ("delivered", "to_recipient"),
        ("available_for_pickup", "pickup_point"),
    ),
    "ups/not_collected_returned.json": (("returned", None),),
    "ups/not_found.json": (("not_found", None),),
    "ups/refused_returned_to_shipper.json": (("returned", None),),
}


def _fixtures() -> list[str]:
    return sorted(
        f"{path.parent.name}/{path.name}"
        for path in FIXTURES.glob("*/*")
        if path.suffix in {".json", ".xml"} and not path.name.startswith(NOT_TRACKING_ANSWERS)
    )


def _read(name: str) -> Read:
    carrier, _ = name.split("/", 1)
    adapter_class = Registry().get(carrier)
    adapter = adapter_class(adapter_class.settings_model.model_construct())
    body = (FIXTURES / name).read_bytes()
    try:
        trackings = adapter.parse(RawResponse(body=body, requested=("X",)))
    except errors.SuiviError as exc:
        return type(exc).__name__
    return tuple((t.status.value, t.substatus.value if t.substatus else None) for t in trackings)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_reads_exactly_as_its_row_says(name: str) -> None:
    assert _read(name) == EXPECTED[name]


def test_every_sample_has_its_row() -> None:
    assert _fixtures() == sorted(EXPECTED)
