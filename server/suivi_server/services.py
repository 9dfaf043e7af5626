"""What request handlers share: settings, the database engine, page tokens and the clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.config import Settings
from suivi_server.recent_reads import RecentReads, local_writes
from suivi_server.security import PageTokens

if TYPE_CHECKING:
    from suivi_server.notifications.channels import Channel
    from suivi_server.notifications.sender import Links


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    tokens: PageTokens
    clock: Callable[[], datetime] = field(default=utc_now)
    # Seconds that only go forward: how old an in-process reuse of a read is (recent_reads.py).
    monotonic: Callable[[], float] = field(default=time.monotonic)

    def recent_reads(self, size: int) -> RecentReads[Any, Any]:
        """Reads reused for SUIVI_PAGE_RECHECK_SECONDS while this process wrote nothing, the
        next one started in the background from half that on: under load no request waits
        for the database once an interval (each wait was the p99)."""
        seconds = self.settings.page_recheck_seconds
        return RecentReads(
            local_writes(self.engine),
            seconds,
            size=size,
            monotonic=self.monotonic,
            refresh_after=seconds / 2,
        )

    def page_url(self, shipment_id: int, *, expires_at: datetime | None = None) -> str:
        """The shopper's signed tracking-page link, optionally valid until `expires_at`."""
        return (
            f"{self.settings.public_url}/t/{self.tokens.sign(shipment_id, expires_at=expires_at)}"
        )

    @cached_property
    def preview_channels(self) -> Mapping[str, Channel]:
        """Every installed channel, able to render even where no provider is configured."""
        from suivi_server.notifications.mailbox import Mailbox
        from suivi_server.notifications.service import channels_for

        return channels_for(self.settings, self.clock, mailbox=Mailbox(capacity=1))

    @cached_property
    def message_links(self) -> Links:
        """The links messages carry: signed page links and unsubscribe links."""
        from suivi_server.notifications.service import links_for

        return links_for(self.settings, self.clock)
