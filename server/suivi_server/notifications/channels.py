"""Channels: how a notification leaves Suivi (email, SMS, merchant webhook, or a plugin's own).

A channel is a class registered in the `suivi.channels` entry-point group, built-ins included,
and built from a `ChannelContext`. It renders a message without sending it (previews use that),
then delivers the rendered message and says what the provider answered: accepted, try later,
or rejected for good. The sender does the bookkeeping; a channel never touches the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, runtime_checkable

from suivi_server.config import Settings
from suivi_server.notifications.mailbox import Mailbox
from suivi_server.notifications.message import OutboundMessage, ShipmentSnapshot
from suivi_server.storage.merchants import Merchant

log = logging.getLogger("suivi.notifications")
ENTRY_POINT_GROUP = "suivi.channels"


@dataclass(frozen=True, slots=True)
class Accepted:
    """The provider took the message; `provider_id` is its reference for it, when it gives one.
    `at` (monotonic seconds) is when its answer came: from then on a crash duplicates it."""

    provider_id: str | None = None
    response: str = ""
    at: float = field(default_factory=time.perf_counter, compare=False)


@dataclass(frozen=True, slots=True)
class TryLater:
    """A transient failure (timeout, 4xx throttling, 5xx, SMTP 4xx): retry, after `after` if set."""

    reason: str
    after: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A permanent failure (invalid address, 4xx other than throttling): retrying cannot help."""

    reason: str


Outcome = Accepted | TryLater | Rejected


@runtime_checkable
class Rendered(Protocol):
    """A message ready to send; `preview()` is what the API's preview returns (JSON-safe)."""

    def preview(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ChannelContext:
    """What a channel may use to build itself: settings, its own environment variables, and the
    demo's mailbox (when set, channels without a configured provider capture instead of sending).
    """

    settings: Settings
    environ: Mapping[str, str]
    clock: Callable[[], datetime]
    mailbox: Mailbox | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    """One way of reaching someone. Class attributes say how the sender must treat it."""

    name: ClassVar[str]
    # Shopper channels honour opt-outs, quiet hours and the daily cap; merchant webhooks don't.
    to_shopper: ClassVar[bool]
    # After this long without success the notification is given up, with its last reason.
    max_age: ClassVar[timedelta]

    def recipient(self, shipment: ShipmentSnapshot, merchant: Merchant) -> str | None:
        """Where this shipment's messages go on this channel; None when there is nowhere."""
        ...

    def render(self, message: OutboundMessage) -> Rendered: ...

    async def deliver(self, message: OutboundMessage, rendered: Rendered) -> Outcome: ...

    async def aclose(self) -> None: ...


ChannelFactory = Callable[[ChannelContext], Channel | None]


def channel_factories() -> dict[str, ChannelFactory]:
    """Every installed channel by name. A factory returns None when it is not configured here."""
    found: dict[str, ChannelFactory] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[point.name] = point.load()
        except Exception:
            log.exception("channel plugin %r could not be loaded", point.name)
    return found


def load_channels(
    context: ChannelContext, factories: Mapping[str, ChannelFactory] | None = None
) -> dict[str, Channel]:
    """The channels this server can send through, built from their factories."""
    built: dict[str, Channel] = {}
    for name, factory in (factories if factories is not None else channel_factories()).items():
        channel = factory(context)
        if channel is not None:
            built[name] = channel
    return built
