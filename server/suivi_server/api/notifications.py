"""Notification endpoints: the merchant's rules and their history, the webhook endpoint, the
delivery log with replay, and a preview of any message for any shipment, without sending it.

Everything is scoped to the calling merchant; another merchant's notification or shipment
answers like one that does not exist.
"""

from __future__ import annotations

import secrets
from base64 import b64encode
from typing import Annotated, Any, Literal, cast

import sqlalchemy as sa
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from suivi_server.api.auth import Caller
from suivi_server.api.body import json_object
from suivi_server.api.errors import ApiError, invalid, not_found
from suivi_server.api.query import single_values
from suivi_server.notifications.message import STATUS_CHANGED, ShipmentSnapshot
from suivi_server.notifications.rules import (
    EVENTS,
    MAX_DELAY_MINUTES,
    ChannelName,
    EventRule,
    NotificationRules,
    TemplateName,
    rule_history,
    rules_of,
    save_rules,
)
from suivi_server.notifications.sender import compose
from suivi_server.notifications.ssrf import UnsafeUrl, check_public_url
from suivi_server.storage import shipments as store
from suivi_server.storage.schema import merchants, notifications, shipment_situations

MAX_ID = 2**31 - 1
_n = notifications.c

LocalTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"),
    Field(description="the shopper's local time, HH:MM or HH:MM:SS"),
]


class EventRuleIn(BaseModel):
    """One event's rule as the API takes it (strict: `"delay_minutes": false` is refused)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool = True
    channels: list[ChannelName] = Field(default=["email", "webhook"], max_length=8)
    delay_minutes: int = Field(default=0, ge=0, le=MAX_DELAY_MINUTES)
    template: TemplateName | None = None


# Each event by name, so the schema lists exactly the events that exist.
EventRules: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "EventRules",
    __config__=ConfigDict(extra="forbid"),
    **dict.fromkeys(EVENTS, (EventRuleIn | None, None)),
)


class QuietHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime


class RulesIn(BaseModel):
    """The rules to store; events left out keep their default rule."""

    model_config = ConfigDict(extra="forbid", strict=True)

    events: EventRules = Field(default_factory=EventRules)  # type: ignore[valid-type]
    quiet_hours: QuietHoursIn | None = Field(
        default_factory=lambda: QuietHoursIn(start="21:00", end="08:00"),
        description="null: send at any hour",
    )
    daily_cap: int = Field(default=3, ge=1, le=20)


class RulesOut(BaseModel):
    events: dict[str, EventRule]
    quiet_hours: QuietHoursIn | None
    daily_cap: int
    changed: list[str] = Field(default_factory=list, description="events changed by this call")


class RuleChangeOut(BaseModel):
    event: str
    enabled: bool
    rule: EventRule
    changed_at: AwareDatetime
    changed_by: str


class RuleHistoryOut(BaseModel):
    changes: list[RuleChangeOut]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2000)]
    secret: (
        Annotated[str, StringConstraints(pattern=r"^whsec_[A-Za-z0-9+/]{32,88}={0,2}$")] | None
    ) = Field(default=None, description="Standard Webhooks secret; generated when left out")


class WebhookOut(BaseModel):
    url: str | None
    secret: str | None = Field(description="only in the answer that set it")
    secret_hint: str | None


class NotificationOut(BaseModel):
    id: int
    shipment_id: int
    event: str
    channel: str
    state: Literal["pending", "sent", "failed", "skipped", "cancelled", "superseded"]
    idempotency_key: str
    attempts: int
    recipient: str | None
    provider_id: str | None
    provider_response: str | None
    reason: str | None
    due_at: AwareDatetime
    created_at: AwareDatetime
    sent_at: AwareDatetime | None


class NotificationPage(BaseModel):
    data: list[NotificationOut]
    next_cursor: int | None


class LogQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    shipment_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    channel: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")] | None = None
    state: Literal["pending", "sent", "failed", "skipped", "cancelled", "superseded"] | None = None
    event: Literal[EVENTS] | None = None  # type: ignore[valid-type]
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="next_cursor"
    )


class PreviewQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event: Literal[EVENTS] | None = Field(  # type: ignore[valid-type]
        default=None, description="default: the shipment's latest situation"
    )
    channel: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")] = "email"
    lang: Literal["fr", "en", "de", "es", "it", "nl"] | None = None


class PreviewOut(BaseModel):
    event: str
    channel: str
    locale: str
    recipient: str | None
    example_facts: bool = Field(description="true when the shipment never had this situation")
    rendered: dict[str, Any]


def _path_id(request: Request, name: str) -> int:
    value: int = request.path_params[name]
    if not 0 < value <= MAX_ID:
        raise not_found("notification" if name == "notification_id" else "shipment")
    return value


def _rules_json(rules: NotificationRules, changed: list[str] | None = None) -> dict[str, Any]:
    return {**rules.model_dump(mode="json"), "changed": changed or []}


async def get_rules(request: Request, caller: Caller) -> Response:
    return JSONResponse(_rules_json(rules_of(caller.merchant.settings)))


async def put_rules(request: Request, caller: Caller) -> Response:
    """Replace the rules; each event whose rule changed gets a line in the history."""
    try:
        given = RulesIn.model_validate(await json_object(request))
        rules = NotificationRules.model_validate(
            {
                "events": cast(BaseModel, given.events).model_dump(exclude_none=True),
                "quiet_hours": given.quiet_hours.model_dump() if given.quiet_hours else None,
                "daily_cap": given.daily_cap,
            }
        )
    except ValidationError as exc:
        raise invalid(exc) from None
    now = caller.services.clock()
    changed = await save_rules(caller.conn, caller.merchant.id, rules, now, changed_by="api")
    return JSONResponse(_rules_json(rules, changed))


async def get_rule_history(request: Request, caller: Caller) -> Response:
    rows = await rule_history(caller.conn, caller.merchant.id)
    changes = [
        {
            "event": r.event,
            "enabled": r.enabled,
            "rule": r.rule,
            "changed_at": r.changed_at.isoformat(),
            "changed_by": r.changed_by,
        }
        for r in rows
    ]
    return JSONResponse({"changes": changes})


def _hint(secret: str | None) -> str | None:
    return f"whsec_…{secret[-4:]}" if secret else None


async def get_webhook(request: Request, caller: Caller) -> Response:
    webhook = caller.merchant.settings.get("webhook") or {}
    url, secret = webhook.get("url"), webhook.get("secret")
    return JSONResponse({"url": url, "secret": None, "secret_hint": _hint(secret)})


async def put_webhook(request: Request, caller: Caller) -> Response:
    """Set the endpoint that receives the merchant's events, after checking it is public."""
    try:
        given = WebhookIn.model_validate(await json_object(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    allow_private = caller.services.settings.webhooks_allow_private_networks
    try:
        await check_public_url(given.url, allow_private=allow_private)
    except UnsafeUrl as exc:
        raise ApiError(422, "unsafe_url", str(exc), field="url") from None
    secret = given.secret or "whsec_" + b64encode(secrets.token_bytes(32)).decode()
    await _store_webhook(caller, {"url": given.url, "secret": secret})
    return JSONResponse({"url": given.url, "secret": secret, "secret_hint": _hint(secret)})


async def delete_webhook(request: Request, caller: Caller) -> Response:
    await _store_webhook(caller, None)
    return Response(status_code=204)


async def _store_webhook(caller: Caller, webhook: dict[str, str] | None) -> None:
    query = sa.select(merchants.c.settings).where(merchants.c.id == caller.merchant.id)
    settings = dict((await caller.conn.execute(query.with_for_update())).scalar_one() or {})
    if webhook is None:
        settings.pop("webhook", None)
    else:
        settings["webhook"] = webhook
    await caller.conn.execute(
        sa.update(merchants).where(merchants.c.id == caller.merchant.id).values(settings=settings)
    )


def _notification_json(row: Any) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": row.id,
        "shipment_id": row.shipment_id,
        "event": row.event,
        "channel": row.channel,
        "state": row.state,
        "idempotency_key": row.idempotency_key,
        "attempts": row.attempts,
        "recipient": row.recipient,
        "provider_id": row.provider_id,
        "provider_response": row.provider_response,
        "reason": row.reason,
        "due_at": when(row.due_at),
        "created_at": when(row.created_at),
        "sent_at": when(row.sent_at),
    }


async def list_notifications(request: Request, caller: Caller) -> Response:
    """The delivery log, newest first, paged by id."""
    try:
        query = LogQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    select = sa.select(notifications).where(_n.merchant_id == caller.merchant.id)
    for column, value in (
        (_n.shipment_id, query.shipment_id),
        (_n.channel, query.channel),
        (_n.state, query.state),
        (_n.event, query.event),
    ):
        if value is not None:
            select = select.where(column == value)
    if query.cursor is not None:
        select = select.where(_n.id < query.cursor)
    rows = (await caller.conn.execute(select.order_by(_n.id.desc()).limit(query.limit + 1))).all()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return JSONResponse(
        {
            "data": [_notification_json(r) for r in page],
            "next_cursor": page[-1].id if more else None,
        }
    )


async def replay_notification(request: Request, caller: Caller) -> Response:
    """Deliver a webhook again, with the same webhook-id (receivers may have stored it)."""
    notification_id = _path_id(request, "notification_id")
    mine = (_n.id == notification_id, _n.merchant_id == caller.merchant.id)
    row = (await caller.conn.execute(sa.select(notifications).where(*mine))).first()
    if row is None:
        raise not_found("notification")
    if row.channel != "webhook":
        raise ApiError(409, "not_replayable", "only webhook deliveries can be replayed")
    if row.state == "pending":
        raise ApiError(409, "already_pending", "this delivery is already waiting to be sent")
    now = caller.services.clock()
    await caller.conn.execute(
        sa.update(notifications)
        .where(*mine)
        .values(
            state="pending",
            due_at=now,
            created_at=now,
            updated_at=now,
            sent_at=None,
            reason=f"replay requested at {now.isoformat()}",
        )
    )
    replayed = (await caller.conn.execute(sa.select(notifications).where(*mine))).one()
    return JSONResponse(_notification_json(replayed), status_code=202)


async def preview(request: Request, caller: Caller) -> Response:
    """The message a shipment would get for an event, rendered by the channel, not sent."""
    shipment_id = _path_id(request, "shipment_id")
    try:
        query = PreviewQuery.model_validate(single_values(request))
    except ValidationError as exc:
        raise invalid(exc) from None
    row = await store.get_shipment(caller.conn, caller.merchant.id, shipment_id)
    if row is None:
        raise not_found()
    channel = caller.services.preview_channels.get(query.channel)
    if channel is None:
        known = ", ".join(sorted(caller.services.preview_channels))
        raise ApiError(404, "not_found", f"no channel {query.channel!r}; installed: {known}")
    event = query.event or await _latest_event(caller, shipment_id)
    facts = await _latest_facts(caller, shipment_id, event, row)
    shipment = ShipmentSnapshot.from_row(row)
    recipient = channel.recipient(shipment, caller.merchant)
    message = compose(
        notification_id=0,
        idempotency_key=f"ntf_preview_{shipment_id}_{event}_{query.channel}",
        channel=query.channel,
        event=event,
        facts=facts or {},
        template=rules_of(caller.merchant.settings).rule(event).template,
        created_at=caller.services.clock(),
        merchant=caller.merchant,
        shipment=shipment,
        recipient=recipient or "",
        links=caller.services.message_links,
        default_locale=caller.services.settings.default_locale,
        locale=query.lang,
    )
    rendered = channel.render(message).preview()
    return JSONResponse(
        {
            "event": event,
            "channel": query.channel,
            "locale": message.locale,
            "recipient": recipient,
            "example_facts": facts is None,
            "rendered": rendered,
        }
    )


async def _latest_event(caller: Caller, shipment_id: int) -> str:
    c = shipment_situations.c
    query = (
        sa.select(c.kind)
        .where(c.shipment_id == shipment_id)
        .order_by(c.detected_at.desc(), c.id.desc())
        .limit(1)
    )
    return (await caller.conn.execute(query)).scalar() or "shipped"


async def _latest_facts(
    caller: Caller, shipment_id: int, event: str, shipment: Any
) -> dict[str, Any] | None:
    if event == STATUS_CHANGED:
        since = shipment.last_event_at.isoformat() if shipment.last_event_at else None
        return {"status": shipment.status, "substatus": shipment.substatus, "since": since}
    c = shipment_situations.c
    query = (
        sa.select(c.facts)
        .where(c.shipment_id == shipment_id, c.kind == event)
        .order_by(c.detected_at.desc(), c.id.desc())
        .limit(1)
    )
    found = (await caller.conn.execute(query)).first()
    return dict(found.facts) if found else None
