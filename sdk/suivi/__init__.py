"""Suivi: one status taxonomy over every carrier, with delivery estimates."""

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
from suivi._adapter import (
    Adapter,
    AdapterSettings,
    NumberPattern,
    RateLimit,
    RawResponse,
    error_for_status,
    retry_after_seconds,
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
from suivi._http import CarrierHTTP, RetryPolicy
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
from suivi._statusmap import NOTICE, KeywordRule, Row, StatusMap, fold
from suivi._taxonomy import (
    STATUS_PRECEDENCE,
    TERMINAL_STATUSES,
    Status,
    Substatus,
    current_event,
    is_problem,
)
from suivi._time import PARIS, aware, parse_local

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SILENCE_HOURS",
    "ENTRY_POINT_GROUP",
    "HORIZON_WEEKS",
    "NOTICE",
    "PARIS",
    "STATUS_PRECEDENCE",
    "TERMINAL_STATUSES",
    "Adapter",
    "AdapterSettings",
    "BusinessCalendar",
    "CalibrationRow",
    "CarrierAccuracy",
    "CarrierHTTP",
    "DelayReason",
    "DeliveryEstimate",
    "DetectedSituation",
    "EstimateOutcome",
    "EstimatePreference",
    "Forecast",
    "Grant",
    "KeywordRule",
    "Limiter",
    "Location",
    "MemoryBackend",
    "Milestone",
    "NumberPattern",
    "OpeningDay",
    "OpeningSpan",
    "PickupPoint",
    "RateLimit",
    "RateLimiter",
    "RawResponse",
    "Registry",
    "ReliabilityBin",
    "RetryPolicy",
    "Row",
    "ShipmentFacts",
    "Situation",
    "SlotBackend",
    "Status",
    "StatusMap",
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
    "aware",
    "calibration",
    "current_event",
    "current_milestone",
    "detect_situations",
    "error_for_status",
    "errors",
    "fold",
    "is_problem",
    "local_date",
    "milestones_reached",
    "moved_later",
    "parse_local",
    "region_of",
    "retry_after_seconds",
    "score",
    "settle",
    "transit_observations",
    "week_of",
    "window_width",
]
