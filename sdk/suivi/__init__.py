"""Suivi: one status taxonomy over every carrier, with delivery estimates."""

from suivi import errors
from suivi._adapter import (
    Adapter,
    AdapterSettings,
    NumberPattern,
    RateLimit,
    RawResponse,
    error_for_status,
    retry_after_seconds,
)
from suivi._client import SyncTracker, Tracker, TrackResult
from suivi._http import CarrierHTTP, RetryPolicy
from suivi._models import (
    DeliveryEstimate,
    Location,
    PickupPoint,
    Tracking,
    TrackingEvent,
)
from suivi._registry import ENTRY_POINT_GROUP, Registry
from suivi._statusmap import NOTICE, KeywordRule, Row, StatusMap
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
    "ENTRY_POINT_GROUP",
    "NOTICE",
    "PARIS",
    "STATUS_PRECEDENCE",
    "TERMINAL_STATUSES",
    "Adapter",
    "AdapterSettings",
    "CarrierHTTP",
    "DeliveryEstimate",
    "KeywordRule",
    "Location",
    "NumberPattern",
    "PickupPoint",
    "RateLimit",
    "RawResponse",
    "Registry",
    "RetryPolicy",
    "Row",
    "Status",
    "StatusMap",
    "Substatus",
    "SyncTracker",
    "TrackResult",
    "Tracker",
    "Tracking",
    "TrackingEvent",
    "__version__",
    "aware",
    "current_event",
    "error_for_status",
    "errors",
    "is_problem",
    "parse_local",
    "retry_after_seconds",
]
