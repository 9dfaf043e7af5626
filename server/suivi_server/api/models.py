"""What a merchant may send: shipments, validated strictly so bad data never reaches the database.

Every limit matches a column size, so a value that validates always stores. Errors name the
field (`customer.email`, `items.2.price`) and say what is expected. The JSON schemas say what
is accepted: what they allow validates (but for a carrier's check digits or a phone number's
plan), what they refuse is refused, and what is stored never exceeds what they document.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    JsonValue,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from suivi import Registry
from suivi.errors import SuiviError

LOCALES = ("fr", "en", "de", "es", "it", "nl")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
BCP47 = r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|[0-9]{3}))?$"
_BCP47 = re.compile(BCP47)
MAX_URL = 2083


Text64 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _iso_date(value: object) -> object:
    """Only `YYYY-MM-DD`: timestamps and free-form dates are ambiguous about the day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value.strip()
    raise PydanticCustomError("iso_date", "expected an ISO date (YYYY-MM-DD)")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _text_datetime(value: object) -> object:
    """A date-time is text (RFC 3339): a bare number would be read as seconds since 1970."""
    if isinstance(value, datetime | str):
        return value
    raise PydanticCustomError("datetime_type", "expected an ISO 8601 date-time with an offset")


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_text_datetime)]


def _web_url(value: str) -> str:
    """An http(s) URL, kept as sent: normalizing could lengthen it past its documented size."""
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError:
        raise PydanticCustomError("url", "expected an http or https URL") from None
    return value


_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
WebUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_URL, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://"),
    AfterValidator(_web_url),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uri",
            "minLength": 1,
            "maxLength": MAX_URL,
            "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://",
        }
    ),
]
Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")
]
Postcode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{1,15}$")
]
Segment = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z][a-z0-9_]{0,31}$")
]


@functools.cache
def registry() -> Registry:
    return Registry()


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """PostgreSQL refuses NUL in text: refuse it here, naming the field, not as a 500."""
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "text must not contain NUL characters")
        return value


class Item(_Input):
    product_id: Text64 | None = None
    name: Text200
    quantity: int = Field(default=1, ge=1, le=10_000)
    price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=4)
    currency: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Z]{3}$")] | None = None
    image_url: WebUrl | None = None
    url: WebUrl | None = None
    category: Text100 | None = None


class Customer(_Input):
    name: Text200 | None = None
    email: EmailStr | None = None
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2")
    phone: str | None = Field(default=None, description="normalized to E.164")
    locale: str | None = Field(
        default=None, pattern=BCP47, description=f"one of {', '.join(LOCALES)} or BCP 47"
    )
    postcode: Postcode | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        """National numbers are read in the customer's country (France when not given)."""
        if value is None:
            return None
        region = info.data.get("country") or "FR"
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise PydanticCustomError("phone", "not a valid phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str | None) -> str | None:
        if value is None:
            return None
        match = _BCP47.fullmatch(value)
        if match is None:
            raise PydanticCustomError(
                "locale", f"expected one of {', '.join(LOCALES)} or a BCP 47 tag"
            )
        language, script, region = match.groups()
        parts = [
            language.lower(),
            script.title() if script else None,
            region.upper() if region else None,
        ]
        return "-".join(p for p in parts if p)


class Address(_Input):
    line1: Text200
    line2: Text200 | None = None
    postcode: Postcode | None = None
    city: Text100 | None = None
    country: Country | None = None


class Promise(_Input):
    ship_date: IsoDate | None = Field(default=None, description="promised hand-over to the carrier")
    delivery_date: IsoDate | None = Field(default=None, description="promised delivery")

    @model_validator(mode="after")
    def _ordered(self) -> Promise:
        if self.ship_date and self.delivery_date and self.delivery_date < self.ship_date:
            raise PydanticCustomError("date_order", "delivery_date is before ship_date")
        return self


class ShipmentPatch(_Input):
    """The fields a merchant may change after creation (identity fields never change)."""

    service: Text100 | None = None
    items: list[Item] = Field(default_factory=list, max_length=200)
    customer: Customer | None = None
    shipping_address: Address | None = None
    promise: Promise | None = None
    segment: Segment | None = Field(default=None, description="e.g. first_order, vip")
    ordered_at: IsoDateTime | None = None

    @field_validator("ordered_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        try:
            return value.astimezone(UTC) if value else None
        except OverflowError:
            raise PydanticCustomError("datetime_range", "datetime out of range") from None


def _installed_carriers(schema: dict[str, JsonValue]) -> None:
    """The carrier's JSON schema lists the carriers installed when the document is built."""
    schema["enum"] = list[JsonValue](registry().names())


class ShipmentIn(ShipmentPatch):
    """A shipment as the merchant's order system knows it; idempotent on order + tracking number."""

    order_number: Text64
    carrier: str = Field(
        json_schema_extra=_installed_carriers,
        description="an installed carrier's name; case, spaces and hyphens are ignored",
    )
    tracking_number: Text64

    @field_validator("carrier", mode="before")
    @classmethod
    def _folded(cls, value: object) -> object:
        """Merchants write "UPS", " Mondial Relay", "mondial-relay" or a carrier's display name
        ("Example Express" for `example`): all name one carrier."""
        if isinstance(value, str):
            folded = _fold_carrier(value)
            return _display_names().get(folded, folded)
        return value

    @field_validator("carrier")
    @classmethod
    def _installed(cls, value: str) -> str:
        """One of the installed carriers' names, exactly as the schema lists them."""
        try:
            registry().get(value)
        except SuiviError as exc:
            raise PydanticCustomError("carrier", "{reason}", {"reason": exc.message}) from None
        return value

    @field_validator("tracking_number")
    @classmethod
    def _valid_number(cls, value: str, info: ValidationInfo) -> str:
        """Checked by the carrier's own adapter (shape and check digit), stored normalized."""
        carrier = info.data.get("carrier")
        if carrier is None:
            return value
        adapter_class = registry().get(carrier)
        adapter = adapter_class(adapter_class.settings_model.model_construct())
        try:
            return adapter.validate(value)
        except SuiviError as exc:
            raise PydanticCustomError(
                "tracking_number", "{reason}", {"reason": exc.message}
            ) from None


def shipment_columns(shipment: ShipmentPatch) -> dict[str, Any]:
    """Column values for the fields the merchant actually sent (absent fields stay untouched)."""
    sent = shipment.model_fields_set
    values: dict[str, Any] = {
        name: getattr(shipment, name)
        for name in (
            "order_number",
            "carrier",
            "tracking_number",
            "service",
            "segment",
            "ordered_at",
        )
        if name in sent
    }
    if "items" in sent:
        values["items"] = [i.model_dump(mode="json", exclude_none=True) for i in shipment.items]
    if "shipping_address" in sent:
        address = shipment.shipping_address
        values["shipping_address"] = (
            address.model_dump(mode="json", exclude_none=True) if address else None
        )
    if "customer" in sent:
        customer = shipment.customer
        for name in Customer.model_fields:
            if customer is None or name in customer.model_fields_set:
                values[f"customer_{name}"] = getattr(customer, name, None)
    if "promise" in sent:
        promise = shipment.promise
        for name, column in (
            ("ship_date", "promised_ship_date"),
            ("delivery_date", "promised_delivery_date"),
        ):
            if promise is None or name in promise.model_fields_set:
                values[column] = getattr(promise, name, None)
    return values


def _fold_carrier(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


@functools.cache
def _display_names() -> dict[str, str]:
    """Each loadable adapter's display name, folded, to its registered name."""
    loaded, _broken = registry().load_all()
    return {_fold_carrier(cls.display_name): name for name, cls in loaded.items()}
