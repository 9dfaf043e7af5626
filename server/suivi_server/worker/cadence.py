"""When to poll a parcel next: often when something is about to happen, rarely otherwise.

Out for delivery is polled every 20 minutes so the page is never more than 30 minutes stale;
a parcel merely labelled is polled a few times a day; terminal parcels are not polled again.
The intervals are data, so the per-carrier quota can be reasoned about from this table alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from suivi import TERMINAL_STATUSES, Status

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

BASE_INTERVAL: dict[Status, timedelta] = {
    Status.PENDING: 4 * HOUR,
    Status.NOT_FOUND: 4 * HOUR,
    Status.INFO_RECEIVED: 4 * HOUR,
    Status.IN_TRANSIT: 2 * HOUR,
    Status.OUT_FOR_DELIVERY: 20 * MINUTE,
    Status.ATTEMPT_FAILED: HOUR,
    Status.AVAILABLE_FOR_PICKUP: 3 * HOUR,
    Status.EXCEPTION: HOUR,
    Status.RETURNING: 6 * HOUR,
}
NEAR_EXPECTED_INTERVAL = 45 * MINUTE  # in transit and expected today or tomorrow
ERROR_BACKOFF = (5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR)
GIVE_UP_AFTER = timedelta(days=30)  # no carrier news for this long: expired
NEVER_FOUND_AFTER = timedelta(days=10)  # still unknown to the carrier this long after creation


def next_poll_at(
    status: Status,
    *,
    now: datetime,
    expected: date | None = None,
    consecutive_errors: int = 0,
) -> datetime | None:
    """The next poll time, or None when the parcel needs no more polling."""
    if status in TERMINAL_STATUSES:
        return None
    if consecutive_errors:
        return now + ERROR_BACKOFF[min(consecutive_errors, len(ERROR_BACKOFF)) - 1]
    interval = BASE_INTERVAL.get(status, 2 * HOUR)
    if (
        status is Status.IN_TRANSIT
        and expected is not None
        and expected <= now.date() + timedelta(days=1)
    ):
        interval = min(interval, NEAR_EXPECTED_INTERVAL)
    return now + interval


def has_expired(
    status: Status, *, now: datetime, created_at: datetime, last_event_at: datetime | None
) -> bool:
    """No news for too long to hope for more: stop polling and say so."""
    if status in TERMINAL_STATUSES:
        return False
    if last_event_at is None:
        return now - created_at > NEVER_FOUND_AFTER
    return now - last_event_at > GIVE_UP_AFTER
