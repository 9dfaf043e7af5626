"""The normalized, immutable view of a parcel that every adapter produces."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from suivi._taxonomy import (
    TERMINAL_STATUSES,
    Status,
    Substatus,
    check_substatus,
    is_problem,
    sort_events,
)

if TYPE_CHECKING:
    from suivi._sequence import SequenceRule

_setattr = object.__setattr__


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Frozen):
    """Where an event happened, as precisely as the carrier says: any part may be missing."""

    city: str | None = None
    postcode: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code")
    name: str | None = Field(default=None, description="site or depot name as the carrier says it")


@lru_cache(maxsize=4096)
def shared_location(**fields: str | None) -> Location:
    """`Location(**fields)`, one immutable instance per place: carriers name the same depots
    and cities over and over, and a place is validated once rather than on every event."""
    return Location(**fields)


class TrackingEvent(_Frozen):
    """One scan or notice from the carrier, already mapped into the taxonomy."""

    timestamp: AwareDatetime
    status: Status
    substatus: Substatus | None = None
    code: str = Field(description="the carrier's native event code")
    label: str = Field(description="the carrier's own wording, kept verbatim")
    location: Location | None = None
    affects_status: bool = Field(
        default=True,
        description="False for notices (SMS sent, instruction received) that are not parcel moves",
    )

    @model_validator(mode="after")
    def _substatus_belongs(self) -> TrackingEvent:
        check_substatus(self.status, self.substatus)
        return self


def _unvalidated(cls: type[BaseModel], values: dict[str, Any]) -> Any:
    """An instance holding `values` (every field, in declaration order) without validating them:
    the instance layout pydantic 2's `model_construct` fills in, without its per-field
    bookkeeping (which costs more than validating). Checked at import: the models built this
    way have nothing else to set up (no private attributes, no post-init hook)."""
    instance = cls.__new__(cls)
    _setattr(instance, "__dict__", values)
    _setattr(instance, "__pydantic_fields_set__", set(values))
    _setattr(instance, "__pydantic_extra__", None)
    _setattr(instance, "__pydantic_private__", None)
    return instance


def mapped_event(
    *,
    timestamp: datetime,
    status: Status,
    substatus: Substatus | None,
    code: str,
    label: str,
    location: Location | None,
    affects_status: bool,
) -> TrackingEvent:
    """A TrackingEvent for a status pair the caller has checked (a StatusMap checks its
    table when it is built): only the values that could be wrong are checked here, an aware
    `datetime` and plain types. Anything else goes through the model's full validation, which
    raises exactly as `TrackingEvent(...)` does. About a fifth cheaper than validating."""
    values: dict[str, Any] = {
        "timestamp": timestamp,
        "status": status,
        "substatus": substatus,
        "code": code,
        "label": label,
        "location": location,
        "affects_status": affects_status,
    }
    if (
        type(timestamp) is datetime
        and timestamp.utcoffset() is not None
        and type(status) is Status
        and (substatus is None or type(substatus) is Substatus)
        and type(code) is str
        and type(label) is str
        and (location is None or type(location) is Location)
        and type(affects_status) is bool
    ):
        event: TrackingEvent = _unvalidated(TrackingEvent, values)
        return event
    return TrackingEvent(**values)


EstimateSource = Literal["carrier", "model", "promise"]


class DeliveryEstimate(_Frozen):
    """A delivery window with a confidence, never a bare date."""

    earliest: date
    latest: date
    p50: date | None = None
    p90: date | None = None
    start_time: time | None = Field(default=None, description="time window start, if announced")
    end_time: time | None = Field(default=None, description="time window end, if announced")
    source: EstimateSource
    confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="the chance, as measured, that the arrival falls between earliest and latest",
    )

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryEstimate:
        if self.latest < self.earliest:
            raise ValueError("latest must not be before earliest")
        return self


class OpeningSpan(_Frozen):
    """One stretch of a day the point is open, e.g. 09:00 to 12:30."""

    opens: time
    closes: time

    @model_validator(mode="after")
    def _ordered(self) -> OpeningSpan:
        if self.closes <= self.opens:
            raise ValueError("a pickup point closes after it opens")
        return self


class OpeningDay(_Frozen):
    """The hours of one weekday; no spans means closed that day."""

    weekday: int = Field(ge=0, le=6, description="0 is Monday, 6 is Sunday")
    spans: tuple[OpeningSpan, ...] = ()


class PickupPoint(_Frozen):
    """Where a parcel waits to be collected, as complete as the carrier describes it."""

    name: str | None = None
    identifier: str | None = Field(default=None, description="the carrier's point id")
    address: str | None = Field(default=None, description="street lines, comma-separated")
    postcode: str | None = None
    city: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code")
    opening_hours: tuple[str, ...] = Field(
        default=(), description="hours in the carrier's own words, when it sends no week"
    )
    week: tuple[OpeningDay, ...] = Field(
        default=(), description="opening hours by weekday, Monday first; empty when unknown"
    )
    deadline: date | None = Field(default=None, description="last day to collect the parcel")
    url: str | None = Field(default=None, description="the carrier's page about the point")

    @model_validator(mode="after")
    def _one_entry_per_day(self) -> PickupPoint:
        days = [day.weekday for day in self.week]
        if days != sorted(set(days)):
            raise ValueError("week lists each weekday at most once, Monday first")
        return self


class Tracking(_Frozen):
    """A parcel as one carrier sees it, normalized. Events are newest first."""

    carrier: str
    tracking_number: str
    status: Status
    substatus: Substatus | None = None
    events: tuple[TrackingEvent, ...] = ()
    estimate: DeliveryEstimate | None = None
    service: str | None = None
    pickup_point: PickupPoint | None = None
    signed_by: str | None = None
    weight_kg: float | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    destination_postcode: str | None = None
    delivered_at: AwareDatetime | None = None
    raw_ref: str | None = Field(default=None, description="pointer to the stored raw payload")

    @model_validator(mode="after")
    def _substatus_belongs(self) -> Tracking:
        check_substatus(self.status, self.substatus)
        return self

    @classmethod
    def from_events(
        cls,
        carrier: str,
        tracking_number: str,
        events: Iterable[TrackingEvent],
        *,
        status_without_events: Status = Status.NOT_FOUND,
        sequence: Sequence[SequenceRule] | None = None,
        **fields: Any,
    ) -> Tracking:
        """Build a Tracking whose status follows the taxonomy rules applied to its events,
        each event read after the ones before it (`sequence`, COMMON_SEQUENCE by default)."""
        from suivi._sequence import COMMON_SEQUENCE, apply_sequence

        rules = COMMON_SEQUENCE if sequence is None else sequence
        ordered = tuple(apply_sequence(sort_events(events), rules))
        decisive = next((e for e in ordered if e.affects_status), None)  # as current_event()
        status = decisive.status if decisive else status_without_events
        substatus = decisive.substatus if decisive else None
        if status is Status.DELIVERED and decisive and "delivered_at" not in fields:
            fields["delivered_at"] = decisive.timestamp
        return cls(
            carrier=carrier,
            tracking_number=tracking_number,
            status=status,
            substatus=substatus,
            events=ordered,
            **fields,
        )

    @property
    def latest_event(self) -> TrackingEvent | None:
        """The newest event (events are kept newest first); None before the first scan."""
        return self.events[0] if self.events else None

    @property
    def is_terminal(self) -> bool:
        """No further carrier news is expected: stop polling."""
        return self.status in TERMINAL_STATUSES

    @property
    def is_problem(self) -> bool:
        """A merchant should look at this parcel before the shopper calls."""
        return is_problem(self.status, self.substatus)


if TrackingEvent.__private_attributes__ or TrackingEvent.__pydantic_post_init__:
    raise TypeError("TrackingEvent gained state that mapped_event() does not set up")
