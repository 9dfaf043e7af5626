"""A merchant's notification rules: which events notify, on which channels, when and how often.

Rules live in the merchant's settings (`settings["notifications"]`), validated by
`NotificationRules`; every change of one event's rule is also appended to
`notification_rule_changes`, so the effect of switching a message on can be measured later.
Defaults are what a careful merchant would choose: every situation by email, SMS added where the
shopper must act today, and a wait before a "no scan" delay message, which often resolves itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi import Situation
from suivi_server.notifications.message import SHOPPER_CHOICE, STATUS_CHANGED
from suivi_server.storage.schema import merchants, notification_rule_changes

ChannelName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
TemplateName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
EVENTS: tuple[str, ...] = (*(s.value for s in Situation), STATUS_CHANGED, SHOPPER_CHOICE)
MAX_DELAY_MINUTES = 7 * 24 * 60


class EventRule(BaseModel):
    """What happens when one event occurs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    channels: tuple[ChannelName, ...] = Field(default=("email", "webhook"), max_length=8)
    # wait this long first; the message is cancelled if the situation ended meanwhile
    delay_minutes: int = Field(default=0, ge=0, le=MAX_DELAY_MINUTES)
    # a template variant of the theme (None: the standard message)
    template: TemplateName | None = None


class QuietHours(BaseModel):
    """Shopper messages due in this window (shopper's local time) wait until it ends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time = time(21, 0)
    end: time = time(8, 0)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours start and end at the same time: leave them out instead")
        return self

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


_SHOPPER_ACTS_TODAY = ("email", "sms", "webhook")
_DEFAULT_EVENTS: Mapping[str, EventRule] = {
    **{s.value: EventRule() for s in Situation},
    Situation.OUT_FOR_DELIVERY.value: EventRule(channels=_SHOPPER_ACTS_TODAY),
    Situation.AVAILABLE_FOR_PICKUP.value: EventRule(channels=_SHOPPER_ACTS_TODAY),
    Situation.ATTEMPT_FAILED.value: EventRule(channels=_SHOPPER_ACTS_TODAY),
    Situation.ADDRESS_PROBLEM.value: EventRule(channels=_SHOPPER_ACTS_TODAY),
    # a missing scan is often just a scan that comes late: wait before worrying anyone
    Situation.DELIVERY_DELAYED.value: EventRule(delay_minutes=6 * 60),
    STATUS_CHANGED: EventRule(channels=("webhook",)),
    SHOPPER_CHOICE: EventRule(channels=("webhook",)),
}


class NotificationRules(BaseModel):
    """Every event's rule, quiet hours, and the most messages a shipment sends per day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: dict[str, EventRule] = Field(default_factory=lambda: dict(_DEFAULT_EVENTS))
    quiet_hours: QuietHours | None = Field(default_factory=QuietHours)
    # per shipment, per channel, per shopper's local day; more are deferred to the next day
    daily_cap: int = Field(default=3, ge=1, le=20)

    @model_validator(mode="before")
    @classmethod
    def _with_defaults(cls, data: Any) -> Any:
        """Events left out keep their default rule, so a merchant writes only what differs."""
        if isinstance(data, dict) and isinstance(data.get("events"), dict):
            unknown = sorted(set(data["events"]) - set(EVENTS))
            if unknown:
                raise ValueError(f"unknown events {unknown}; known: {list(EVENTS)}")
            data = {**data, "events": {**_DEFAULT_EVENTS, **data["events"]}}
        return data

    def rule(self, event: str) -> EventRule:
        return self.events.get(event, EventRule(enabled=False))


def rules_of(settings: Mapping[str, Any]) -> NotificationRules:
    """The merchant's rules; settings written before rules existed get the defaults."""
    return NotificationRules.model_validate(settings.get("notifications") or {})


async def save_rules(
    conn: AsyncConnection,
    merchant_id: int,
    rules: NotificationRules,
    now: datetime,
    *,
    changed_by: str = "",
) -> list[str]:
    """Store the rules and append one history row per event whose rule changed; return them."""
    row = (
        await conn.execute(
            sa.select(merchants.c.settings).where(merchants.c.id == merchant_id).with_for_update()
        )
    ).one()
    settings = dict(row.settings or {})
    before = rules_of(settings)
    changed = [e for e in EVENTS if before.rule(e) != rules.rule(e)]
    settings["notifications"] = rules.model_dump(mode="json")
    await conn.execute(
        sa.update(merchants).where(merchants.c.id == merchant_id).values(settings=settings)
    )
    if changed:
        await conn.execute(
            sa.insert(notification_rule_changes),
            [
                {
                    "merchant_id": merchant_id,
                    "event": event,
                    "enabled": rules.rule(event).enabled,
                    "rule": rules.rule(event).model_dump(mode="json"),
                    "changed_at": now,
                    "changed_by": changed_by[:100],
                }
                for event in changed
            ],
        )
    return changed


async def rule_history(conn: AsyncConnection, merchant_id: int) -> list[Any]:
    """Every change of the merchant's rules, oldest first."""
    c = notification_rule_changes.c
    query = (
        sa.select(c.event, c.enabled, c.rule, c.changed_at, c.changed_by)
        .where(c.merchant_id == merchant_id)
        .order_by(c.changed_at, c.id)
    )
    return list((await conn.execute(query)).all())
