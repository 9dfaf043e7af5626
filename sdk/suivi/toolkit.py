"""The adapter author's toolkit: everything a carrier adapter needs, and nothing merchants do.

`import suivi` is for merchant code (track, read statuses and estimates). A carrier package
imports from here: the base class and its declarations, the status-table vocabulary, readers
for carrier dates and payloads, check digits, SOAP helpers and authentication. Built-in
adapters use exactly this module, like any third-party package does.
"""

from suivi import soap
from suivi._adapter import (
    MON_FRI,
    MON_SAT,
    Adapter,
    AdapterSettings,
    InboundWebhook,
    NumberPattern,
    RateLimit,
    RawResponse,
    error_for_status,
    retry_after_seconds,
)
from suivi._auth import OAuth2ClientCredentials
from suivi._checkdigits import is_valid_s10, is_valid_ups, luhn_valid, s10_check_digit
from suivi._http import CarrierHTTP
from suivi._models import (
    DeliveryEstimate,
    Location,
    OpeningDay,
    OpeningSpan,
    PickupPoint,
    Tracking,
    TrackingEvent,
    shared_location,
)
from suivi._sequence import COMMON_SEQUENCE, KEEP, SequenceRule, apply_sequence, codes
from suivi._statusmap import NOTICE, KeywordRule, Row, StatusMap, fold
from suivi._statusmap import Mapping as CodeMapping
from suivi._taxonomy import Status, Substatus, current_event, sort_events
from suivi._time import PARIS, aware, parse_local, strptime
from suivi.pickup import spans_from_slots, spans_from_text, street, week

__all__ = [
    "COMMON_SEQUENCE",
    "KEEP",
    "MON_FRI",
    "MON_SAT",
    "NOTICE",
    "PARIS",
    "Adapter",
    "AdapterSettings",
    "CarrierHTTP",
    "CodeMapping",
    "DeliveryEstimate",
    "InboundWebhook",
    "KeywordRule",
    "Location",
    "NumberPattern",
    "OAuth2ClientCredentials",
    "OpeningDay",
    "OpeningSpan",
    "PickupPoint",
    "RateLimit",
    "RawResponse",
    "Row",
    "SequenceRule",
    "Status",
    "StatusMap",
    "Substatus",
    "Tracking",
    "TrackingEvent",
    "apply_sequence",
    "aware",
    "codes",
    "current_event",
    "error_for_status",
    "fold",
    "is_valid_s10",
    "is_valid_ups",
    "luhn_valid",
    "parse_local",
    "retry_after_seconds",
    "s10_check_digit",
    "shared_location",
    "soap",
    "sort_events",
    "spans_from_slots",
    "spans_from_text",
    "street",
    "strptime",
    "week",
]
