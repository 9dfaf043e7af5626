"""Suivi: one status taxonomy over every carrier, with delivery estimates.

This is the merchant's module: track parcels (`Tracker`, `SyncTracker`), read their statuses,
estimates and situations. Writing a carrier adapter takes `suivi.toolkit` instead.
"""

from suivi import errors
from suivi._accuracy import (
    CalibrationRow,
    CarrierAccuracy,
    EstimateOutcome,
    ReliabilityBin,
    accuracy_by_carrier,
    calibration,
    window_width,
)
from suivi._calendar import BusinessCalendar, local_date
from suivi._client import SyncTracker, Tracker, TrackResult
from suivi._estimate import (
    HORIZON_WEEKS,
    TransitModel,
    TransitObservation,
    TransitStats,
    region_of,
    transit_observations,
)
from suivi._forecast import Forecast
from suivi._http import RetryPolicy
from suivi._milestones import (
    Milestone,
    arrival,
    current_milestone,
    milestones_reached,
    week_of,
)
from suivi._models import (
    DeliveryEstimate,
    Location,
    OpeningDay,
    OpeningSpan,
    PickupPoint,
    Tracking,
    TrackingEvent,
)
from suivi._preference import EstimatePreference, score
from suivi._ratelimit import Grant, Limiter, MemoryBackend, RateLimiter, SlotBackend
from suivi._registry import ENTRY_POINT_GROUP, Registry
from suivi._settle import moved_later, settle
from suivi._situations import (
    DEFAULT_SILENCE_HOURS,
    DelayReason,
    DetectedSituation,
    ShipmentFacts,
    Situation,
    Thresholds,
    detect_situations,
)
from suivi._taxonomy import (
    STATUS_PRECEDENCE,
    TERMINAL_STATUSES,
    Status,
    Substatus,
    current_event,
    is_problem,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SILENCE_HOURS",
    "ENTRY_POINT_GROUP",
    "HORIZON_WEEKS",
    "STATUS_PRECEDENCE",
    "TERMINAL_STATUSES",
    "BusinessCalendar",
    "CalibrationRow",
    "CarrierAccuracy",
    "DelayReason",
    "DeliveryEstimate",
    "DetectedSituation",
    "EstimateOutcome",
    "EstimatePreference",
    "Forecast",
    "Grant",
    "Limiter",
    "Location",
    "MemoryBackend",
    "Milestone",
    "OpeningDay",
    "OpeningSpan",
    "PickupPoint",
    "RateLimiter",
    "Registry",
    "ReliabilityBin",
    "RetryPolicy",
    "ShipmentFacts",
    "Situation",
    "SlotBackend",
    "Status",
    "Substatus",
    "SyncTracker",
    "Thresholds",
    "TrackResult",
    "Tracker",
    "Tracking",
    "TrackingEvent",
    "TransitModel",
    "TransitObservation",
    "TransitStats",
    "__version__",
    "accuracy_by_carrier",
    "arrival",
    "calibration",
    "current_event",
    "current_milestone",
    "detect_situations",
    "errors",
    "is_problem",
    "local_date",
    "milestones_reached",
    "moved_later",
    "region_of",
    "score",
    "settle",
    "transit_observations",
    "week_of",
    "window_width",
]
