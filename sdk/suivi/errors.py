"""Every error Suivi raises, so callers can catch by meaning rather than by transport detail.

    SuiviError
    ├── ConfigurationError           settings missing or invalid for an adapter
    ├── AdapterNotFound              no adapter registered under that name
    ├── AdapterLoadError             a plugin's entry point failed to import or is not an Adapter
    ├── AdapterFailed                an adapter raised an unexpected exception (kept as __cause__)
    ├── TrackingNumberInvalid        the number fails the carrier's format or check digit
    ├── ShipmentNotFound             the carrier does not know the number (yet)
    └── CarrierError                 the carrier could not give an answer
        ├── CarrierAuthError         credentials refused (401/403, bad key, IP not allowed)
        ├── CarrierRateLimited       quota reached (429); carries retry_after
        ├── CarrierUnavailable       outage, 5xx, timeout or connection failure
        └── CarrierResponseInvalid   the body cannot be understood (truncated, malformed)

Every error carries the carrier and tracking number it concerns (None when not relevant),
and carrier errors carry the HTTP status and a short excerpt of the body for debugging.
Whatever an adapter raises reaches callers as one of these: the Tracker turns any other
exception into CarrierResponseInvalid when a parser crashed on a body, and into AdapterFailed
otherwise, for the items concerned only, with the original as `__cause__`.
"""

from __future__ import annotations

__all__ = [
    "AdapterFailed",
    "AdapterLoadError",
    "AdapterNotFound",
    "CarrierAuthError",
    "CarrierError",
    "CarrierRateLimited",
    "CarrierResponseInvalid",
    "CarrierUnavailable",
    "ConfigurationError",
    "ShipmentNotFound",
    "SuiviError",
    "TrackingNumberInvalid",
]

_EXCERPT = 300


class SuiviError(Exception):
    """Base of every Suivi error."""

    code = "suivi_error"

    def __init__(
        self, message: str, *, carrier: str | None = None, number: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.carrier = carrier
        self.number = number

    def __str__(self) -> str:
        where = "/".join(part for part in (self.carrier, self.number) if part)
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, str | None]:
        """JSON-friendly form, used by the CLI and the server's API errors."""
        return {
            "error": self.code,
            "message": self.message,
            "carrier": self.carrier,
            "tracking_number": self.number,
        }


class ConfigurationError(SuiviError):
    code = "configuration_error"


class AdapterNotFound(SuiviError):
    code = "adapter_not_found"


class AdapterLoadError(SuiviError):
    code = "adapter_load_error"


class AdapterFailed(SuiviError):
    """An adapter's own code broke outside parsing (a bug): the original is `__cause__`."""

    code = "adapter_failed"


class TrackingNumberInvalid(SuiviError):
    code = "tracking_number_invalid"


class ShipmentNotFound(SuiviError):
    code = "shipment_not_found"


class CarrierError(SuiviError):
    """The carrier did not give a usable answer."""

    code = "carrier_error"
    should_retry = False

    def __init__(
        self,
        message: str,
        *,
        carrier: str | None = None,
        number: str | None = None,
        http_status: int | None = None,
        body: str | bytes | None = None,
    ) -> None:
        super().__init__(message, carrier=carrier, number=number)
        self.http_status = http_status
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        self.body_excerpt = body[:_EXCERPT] if body else None


class CarrierAuthError(CarrierError):
    code = "carrier_auth_error"


class CarrierRateLimited(CarrierError):
    code = "carrier_rate_limited"
    should_retry = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        carrier: str | None = None,
        number: str | None = None,
        http_status: int | None = None,
        body: str | bytes | None = None,
    ) -> None:
        super().__init__(
            message, carrier=carrier, number=number, http_status=http_status, body=body
        )
        self.retry_after = retry_after


class CarrierUnavailable(CarrierError):
    code = "carrier_unavailable"
    should_retry = True


class CarrierResponseInvalid(CarrierError):
    code = "carrier_response_invalid"
