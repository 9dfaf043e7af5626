"""How many failed lookups a client (or an order) had lately, counted in the database.

Only misses count: a shopper refreshing the page of a parcel they found is no attack, while
whoever tries numbers or proofs misses almost every time. Every web replica sees the same
counts, so running several does not multiply the allowance. Each miss adds one to the
(key, current second) row (`INSERT … ON CONFLICT DO UPDATE`, atomic on both databases), then the
key's rows within the window are summed. Time comes from the injected clock.

Keys: a client's address (IPv6 by its /64, which one subscriber holds whole), and the order
being proved, so that proofs spread over many addresses are limited too. Each limiter stores its
keys under its own prefix and forgets only its own rows older than its own window, so limiters
with different windows share the table: the shopper lookup's minute does not cut short the
dashboard login's quarter of an hour. Prefixes of limiters sharing the table must not start one
another (the empty prefix is for a limiter alone on it).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from suivi_server.storage.dialect import upsert_insert
from suivi_server.storage.schema import lookup_attempts

_a = lookup_attempts.c
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


def _under(prefix: str) -> sa.ColumnElement[bool]:
    """Rows whose key starts with `prefix`: compared exactly (LIKE folds case on SQLite, and
    a range of strings depends on the database's collation); the pruning finds its rows through
    the `second` index."""
    if not prefix:
        return sa.true()
    return sa.func.substr(_a.client, 1, len(prefix)) == prefix


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
        self.engine, self.limit, self.clock, self.prefix = engine, limit, clock, prefix
        self.window_seconds = int(window.total_seconds())

    def _stored(self, key: str) -> str:
        return (self.prefix + key)[:MAX_CLIENT]

    async def blocked(self, *keys: str) -> bool:
        """True when any key already used up its allowance (reads only: no attempt counted)."""
        since = int(self.clock().timestamp()) - self.window_seconds
        recent = sa.select(sa.func.coalesce(sa.func.sum(_a.attempts), 0)).where(_a.second > since)
        async with self.engine.connect() as conn:
            for key in keys:
                used = (await conn.execute(recent.where(_a.client == self._stored(key)))).scalar()
                if int(used or 0) >= self.limit:
                    return True
        return False

    async def allow(self, client: str) -> bool:
        """Count one miss for `client`; False once it has had more than its allowance."""
        client = self._stored(client)
        second = int(self.clock().timestamp())
        since = second - self.window_seconds
        async with self.engine.begin() as conn:
            count = (
                upsert_insert(conn, lookup_attempts)
                .values(client=client, second=second, attempts=1)
                .on_conflict_do_update(
                    index_elements=["client", "second"], set_={"attempts": _a.attempts + 1}
                )
                .returning(_a.attempts)
            )
            first_of_second = (await conn.execute(count)).scalar_one() == 1
            recent = sa.select(sa.func.sum(_a.attempts)).where(
                _a.client == client, _a.second > since
            )
            attempts = int((await conn.execute(recent)).scalar_one())
            if first_of_second:  # forget this limiter's attempts older than its window
                await conn.execute(
                    sa.delete(lookup_attempts).where(_under(self.prefix), _a.second <= since)
                )
        return attempts <= self.limit
