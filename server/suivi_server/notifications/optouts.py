"""Shoppers who asked a merchant to stop messages on a channel: honoured before every send."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from suivi_server.storage.dialect import insert_ignoring_conflicts
from suivi_server.storage.schema import notification_optouts

_o = notification_optouts.c


def normalized_address(channel: str, address: str) -> str:
    """Email addresses compare case-insensitively; phone numbers are already E.164."""
    return address.strip().lower() if channel == "email" else address.strip()


async def record_optout(
    conn: AsyncConnection, merchant_id: int, channel: str, address: str, now: datetime
) -> None:
    """Remember the opt-out; asking twice is not an error (one-click links get clicked twice)."""
    await conn.execute(
        insert_ignoring_conflicts(
            conn, notification_optouts, ("merchant_id", "channel", "address")
        ).values(
            merchant_id=merchant_id,
            channel=channel,
            address=normalized_address(channel, address),
            created_at=now,
        )
    )


async def is_opted_out(conn: AsyncConnection, merchant_id: int, channel: str, address: str) -> bool:
    query = sa.select(_o.id).where(
        _o.merchant_id == merchant_id,
        _o.channel == channel,
        _o.address == normalized_address(channel, address),
    )
    return (await conn.execute(query)).first() is not None
