"""The API of shopper choices and contacts: the merchant lists and handles choices; a helpdesk
reports contacts (idempotent by its ticket id) and reads them back.

Scoped to the calling merchant: another merchant's choice or shipment reads as missing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from starlette.requests import Request
from starlette.responses import Response

from suivi_server.api.auth import Caller
from suivi_server.api.body import json_object
from suivi_server.api.errors import ApiError, invalid, not_found
from suivi_server.api.openapi import Operation
from suivi_server.api.query import single_values
from suivi_server.api.shopper_text import ShopperTextJSON
from suivi_server.engagement import choice_store, contacts
from suivi_server.engagement.choices import CHOICES, clean_text
from suivi_server.storage.schema import order_lookup_key, shipments
from suivi_server.storage.situations import active_situations

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Kind = Literal[tuple(CHOICES)]  # type: ignore[valid-type]
State = Literal[choice_store.STATES]  # type: ignore[valid-type]
Channel = Literal[contacts.CHANNELS]  # type: ignore[valid-type]
Reason = Literal[tuple(contacts.REASONS)]  # type: ignore[valid-type]
Source = Literal["page", "api", "import"]
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# How far ahead of the server's clock a helpdesk's timestamp may be (clocks drift a little).
FUTURE_SLACK = timedelta(hours=1)
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_only(value: object) -> object:
    """A query's date and time as ISO 8601 only: "0.5" is not a moment (pydantic would read
    numbers as Unix times)."""
    if isinstance(value, str) and not ISO_MOMENT.match(value):
        raise ValueError("expected an ISO 8601 date and time with its offset")
    return value


class ChoiceOut(BaseModel):
    id: int
    shipment_id: int
    kind: str
    situation: str | None
    status: str
    details: dict[str, str]
    state: Literal["open", "handled", "superseded", "closed"]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ChoicePage(BaseModel):
    data: list[ChoiceOut]
    next_cursor: int | None


class ChoiceQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    state: State | None = None
    kind: Kind | None = None  # type: ignore[valid-type]
    shipment_id: Id | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Id | None = Field(default=None, description="next_cursor")


def _in_range(value: datetime) -> datetime:
    """A moment the database can store as UTC (year 1 at +01:00 is before year 1 in UTC)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
    if not 1970 <= utc.year <= 9998:
        raise ValueError("a moment between 1970 and 9998")
    return value


Moment = Annotated[AwareDatetime, Field(strict=False), AfterValidator(_in_range)]


class ContactIn(BaseModel):
    """A contact a helpdesk received; name the shipment by exactly one of its references."""

    model_config = ConfigDict(extra="forbid", strict=True)

    shipment_id: Id | None = None
    order_number: Number | None = None
    tracking_number: Number | None = None
    channel: Channel
    reason: Reason  # type: ignore[valid-type]
    occurred_at: Moment
    text: Annotated[str, StringConstraints(max_length=contacts.MAX_TEXT)] | None = None
    external_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = Field(
        default=None, description="the helpdesk's ticket id: the same one twice is one contact"
    )

    @model_validator(mode="after")
    def one_reference(self) -> ContactIn:
        given = [self.shipment_id, self.order_number, self.tracking_number]
        if sum(v is not None for v in given) != 1:
            raise ValueError("give exactly one of shipment_id, order_number, tracking_number")
        return self


class ContactOut(BaseModel):
    id: int
    shipment_id: int | None
    source: str
    channel: str
    reason: str
    situation: str | None
    status: str | None
    text: str | None
    external_id: str | None
    occurred_at: AwareDatetime
    created_at: AwareDatetime


class ContactPage(BaseModel):
    data: list[ContactOut]
    next_cursor: int | None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _not_before_epoch(value: datetime) -> datetime:
    """A lower bound before any stored contact means "from the start": no need to refuse it,
    nor to carry year 1 to the database (year 1 at +01:00 is before year 1 in UTC)."""
    try:
        return max(value.astimezone(UTC), EPOCH)
    except OverflowError:
        return EPOCH


Since = Annotated[AwareDatetime, BeforeValidator(_iso_only), AfterValidator(_not_before_epoch)]


class ContactQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    shipment_id: Id | None = None
    source: Source | None = None
    channel: Channel | None = None
    reason: Reason | None = None  # type: ignore[valid-type]
    since: Since | None = Field(default=None, description="occurred at or after")
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Id | None = Field(default=None, description="next_cursor")


def _choice_json(c: choice_store.StoredChoice) -> dict[str, Any]:
    return {
        "id": c.id,
        "shipment_id": c.shipment_id,
        "kind": c.kind,
        "situation": c.situation,
        "status": c.status,
        "details": {str(k): str(v) for k, v in c.details.items()},
        "state": c.state,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    }


def _contact_json(c: contacts.StoredContact) -> dict[str, Any]:
    return {
        **{k: getattr(c, k) for k in ("id", "shipment_id", "source", "channel", "reason")},
        **{k: getattr(c, k) for k in ("situation", "status", "text", "external_id")},
        "occurred_at": c.occurred_at.isoformat(),
        "created_at": c.created_at.isoformat(),
    }


async def list_choices(request: Request, caller: Caller) -> Response:
    """The shoppers' choices, newest first, paged by id."""
    try:
        query = ChoiceQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    where = choice_store.ChoiceFilter(
        query.state, query.kind, query.shipment_id, query.cursor, query.limit
    )
    page, cursor = await choice_store.list_choices(caller.conn, caller.merchant.id, where)
    return ShopperTextJSON({"data": [_choice_json(c) for c in page], "next_cursor": cursor})


async def handle_choice(request: Request, caller: Caller) -> Response:
    """The merchant dealt with a choice: it leaves the open list (other states stay as they are)."""
    choice_id: int = request.path_params["choice_id"]
    if not 0 < choice_id <= MAX_ID:
        raise not_found("choice")
    now = caller.services.clock()
    choice = await choice_store.mark_handled(caller.conn, caller.merchant.id, choice_id, now)
    if choice is None:
        raise not_found("choice")
    return ShopperTextJSON(_choice_json(choice))


async def _shipment(caller: Caller, given: ContactIn) -> Any:
    s = shipments.c
    query = sa.select(s.id, s.status).where(s.merchant_id == caller.merchant.id)
    if given.shipment_id is not None:
        query = query.where(s.id == given.shipment_id)
    elif given.order_number is not None:
        query = query.where(s.order_key == order_lookup_key(given.order_number))
    else:
        query = query.where(
            s.tracking_number == "".join(str(given.tracking_number).split()).upper()
        )
    row = (await caller.conn.execute(query.order_by(s.id.desc()).limit(1))).first()
    if row is None:
        raise not_found()
    return row


async def create_contact(request: Request, caller: Caller) -> Response:
    """Record a helpdesk contact with the shipment's situation and status at that moment;
    the same external_id again answers 200 with the contact already stored."""
    try:
        given = ContactIn.model_validate(await json_object(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    now = caller.services.clock()
    if given.occurred_at > now + FUTURE_SLACK:
        raise ApiError(422, "validation_error", "occurred_at: in the future", field="occurred_at")
    shipment = await _shipment(caller, given)
    situations = [row.kind for row in await active_situations(caller.conn, shipment.id)]
    contact = contacts.NewContact(
        shipment_id=shipment.id,
        source="api",
        channel=given.channel,
        reason=given.reason,
        situation=contacts.leading_situation(situations),
        status=shipment.status,
        occurred_at=given.occurred_at,
        text=clean_text(given.text, contacts.MAX_TEXT) or None if given.text else None,
        external_id=given.external_id,
    )
    stored, new = await contacts.record_contact(caller.conn, caller.merchant.id, contact, now)
    return ShopperTextJSON(_contact_json(stored), status_code=201 if new else 200)


async def list_contacts(request: Request, caller: Caller) -> Response:
    """Contacts about the merchant's shipments, newest first, paged by id."""
    try:
        query = ContactQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    where = contacts.ContactFilter(
        query.shipment_id,
        query.source,
        query.channel,
        query.reason,
        query.since,
        query.cursor,
        query.limit,
    )
    page, cursor = await contacts.list_contacts(caller.conn, caller.merchant.id, where)
    return ShopperTextJSON({"data": [_contact_json(c) for c in page], "next_cursor": cursor})


OPERATIONS = [
    Operation(
        "GET",
        "/choices",
        list_choices,
        "Shoppers' choices (refund, new address, claim…), newest first",
        response=ChoicePage,
        query=ChoiceQuery,
    ),
    Operation(
        "POST",
        "/choices/{choice_id:int}/handle",
        handle_choice,
        "Mark a shopper's choice as handled",
        response=ChoiceOut,
    ),
    Operation(
        "POST",
        "/contacts",
        create_contact,
        "Record a contact a helpdesk received, with its reason",
        status=201,
        response=ContactOut,
        body=ContactIn,
        also=((200, "already recorded: this external_id was sent before"),),
        errors=((404, "no such shipment among this merchant's"),),
    ),
    Operation(
        "GET",
        "/contacts",
        list_contacts,
        "Contacts with their reason, situation and status, newest first",
        response=ContactPage,
        query=ContactQuery,
    ),
]
