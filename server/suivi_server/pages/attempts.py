"""How many failed lookups a client (or an order) had lately, counted in the database.

Only misses count: a shopper refreshing the page of a parcel they found is no attack, while
whoever tries numbers or proofs misses almost every time. Every web replica sees the same
counts, so running several does not multiply the allowance: the counts are the shared rate
limit's (`suivi_server.ratelimit.DatabaseBackend` on the `lookup_attempts` table), each miss one
slot taken, a window of seconds long. Time comes from the injected clock.

Keys: a client's address (IPv6 by its /64, which one subscriber holds whole), and the order
being proved, so that proofs spread over many addresses are limited too. Each limiter stores its
keys under its own prefix (`KeySpace`) and forgets only its own old rows, so limiters with
different windows share the table: the shopper lookup's minute does not cut short the
dashboard login's quarter of an hour.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.ratelimit import LOOKUP_ATTEMPTS, DatabaseBackend

MAX_CLIENT = 64  # the column's size


class KeySpace(StrEnum):
    """The key prefix of each limiter sharing the table; none starts another."""

    LOOKUP = "lookup:"  # the shopper's lookup form and tracking-number pages
    LOGIN_ADDRESS = "login:ip:"  # dashboard login failures per client address
    LOGIN_ACCOUNT = "login:user:"  # dashboard login failures per account


def client_key(host: str | None) -> str:
    """The client's address; IPv6 by its /64, since one subscriber holds the whole network."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return (host or "unknown")[:MAX_CLIENT]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def order_key(merchant_slug: str, order_number: str) -> str:
    """One order's proofs, whoever sends them (hashed: the column is short, the text is not)."""
    digest = hashlib.sha256(f"{merchant_slug}\n{order_number.casefold()}".encode()).hexdigest()
    return f"order:{digest[:40]}"


class AttemptLimiter:
    """At most `limit` misses per key within a sliding `window`; keys stored under `prefix`."""

    def __init__(
        self,
        engine: AsyncEngine,
        limit: int,
        window: timedelta,
        clock: Callable[[], datetime],
        *,
        prefix: str = "",
    ) -> None:
        seconds = int(window.total_seconds())
        self.counts = DatabaseBackend(engine, LOOKUP_ATTEMPTS, limit, seconds, prefix=prefix)
        self.clock = clock

    async def blocked(self, *keys: str) -> bool:
        """True when any key already used up its allowance (reads only: no attempt counted)."""
        return await self.counts.full(*keys, now=self.clock().timestamp())

    async def allow(self, client: str) -> bool:
        """Count one miss for `client`; False once it has had more than its allowance."""
        grant = await self.counts.take(client, 1, self.clock().timestamp())
        return grant.slots == 1
