"""The demo parcels stand where they show their situation at any hour of the day: the one out
for delivery was scanned out today in Paris, even just after midnight."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from suivi_server.demo import DEMO_PARCELS, PARIS
from tests.server.conftest import NOW

TODAY_BOUND = [p for p in DEMO_PARCELS if p.today_from is not None]
MIDNIGHT = datetime.combine(NOW.astimezone(PARIS).date(), datetime.min.time(), tzinfo=PARIS)


@pytest.mark.parametrize("minutes_after_midnight", [1, 30, 59, 61, 8 * 60, 23 * 60 + 59])
@pytest.mark.parametrize("parcel", TODAY_BOUND, ids=lambda p: p.order_number)
def test_a_scan_that_must_be_of_today_is_of_today(parcel, minutes_after_midnight) -> None:  # type: ignore[no-untyped-def]
    now = MIDNIGHT + timedelta(minutes=minutes_after_midnight)
    assert parcel.today_from is not None
    scanned = parcel.started_at(now) + timedelta(hours=parcel.today_from)
    assert scanned <= now
    assert scanned.astimezone(PARIS).date() == now.astimezone(PARIS).date()


def test_the_out_for_delivery_parcel_is_bound_to_today() -> None:
    assert [p.order_number for p in TODAY_BOUND] == ["ML-1002"]
