"""What request handlers share: settings, the database engine, page tokens and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.config import Settings
from suivi_server.security import PageTokens


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    tokens: PageTokens
    clock: Callable[[], datetime] = field(default=utc_now)

    def page_url(self, shipment_id: int, *, expires_at: datetime | None = None) -> str:
        """The shopper's signed tracking-page link, optionally valid until `expires_at`."""
        return (
            f"{self.settings.public_url}/t/{self.tokens.sign(shipment_id, expires_at=expires_at)}"
        )
