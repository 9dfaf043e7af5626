"""Completing pickup points from carriers' directories, each point asked about now and then.

Every parcel waiting at a point is polled again and again, and each poll would otherwise ask
the carrier's rate-limited channel for the same description. So every answer is kept for a
while (`PointTTL`): a described point for a day, so changed opening hours show up the next day;
a point the directory does not know, and a failed call, for less. Lookups of one point made at
the same time share one call. An adapter whose directory lacks its settings is not asked, and
says so once, at INFO: a default install has no account for every carrier's directory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial

from suivi._adapter import Adapter
from suivi._http import CarrierHTTP, Clock
from suivi._models import PickupPoint, Tracking
from suivi.pickup import PointDirectory, lookup_key, merged

_log = logging.getLogger("suivi.pickup")
HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class PointTTL:
    """How long, in the Tracker's clock's seconds, each kind of answer is kept."""

    found: float = 24 * HOUR
    missing: float = 6 * HOUR
    failed: float = 1 * HOUR


@dataclass(frozen=True, slots=True)
class _Kept:
    point: PickupPoint | None
    until: float


class PointDescriptions:
    """One Tracker's directory answers, by carrier, country and the point's id or name."""

    def __init__(self, *, clock: Clock, ttl: PointTTL | None = None, size: int = 1024) -> None:
        self._clock = clock
        self._ttl = ttl or PointTTL()
        self._size = size
        self._kept: dict[Hashable, _Kept] = {}
        self._asking: dict[Hashable, asyncio.Future[PickupPoint | None]] = {}
        self._unconfigured: set[str] = set()

    async def complete(
        self, adapter: Adapter, trackings: list[Tracking], http: CarrierHTTP
    ) -> list[Tracking]:
        """Trackings whose pickup point lacks a street or hours, completed from the carrier's
        directory when the adapter has one it may ask. A failed lookup keeps the tracking as
        it was: the parcel's news never waits on a point's description."""
        if not isinstance(adapter, PointDirectory) or not self._may_ask(adapter):
            return trackings
        completed = []
        for tracking in trackings:
            point = tracking.pickup_point
            key = lookup_key(point) if point is not None else None
            if point is None or key is None or (point.address and point.week):
                completed.append(tracking)
                continue

            lookup = partial(_lookup, adapter, point, http, tracking)
            found = await self._described((adapter.name, *key), lookup)
            fuller = merged(point, found) if found is not None else point
            completed.append(tracking.model_copy(update={"pickup_point": fuller}))
        return completed

    def _may_ask(self, adapter: Adapter) -> bool:
        if adapter.describes_points:
            return True
        if adapter.name not in self._unconfigured:
            self._unconfigured.add(adapter.name)
            variables = [f"SUIVI_{adapter.name}_{name}".upper() for name in adapter.point_settings]
            _log.info(
                "%s pickup points are not described: %s not set",
                adapter.name,
                ", ".join(variables) or "its directory's settings are",
            )
        return False

    async def _described(
        self, key: Hashable, lookup: Callable[[], Awaitable[PickupPoint | None]]
    ) -> PickupPoint | None:
        kept = self._kept.get(key)
        if kept is not None and kept.until > self._clock():
            return kept.point
        asking = self._asking.get(key)
        if asking is None:
            asking = self._asking[key] = asyncio.ensure_future(self._ask(key, lookup))
        return await asyncio.shield(asking)  # one caller cancelled leaves the others served

    async def _ask(
        self, key: Hashable, lookup: Callable[[], Awaitable[PickupPoint | None]]
    ) -> PickupPoint | None:
        try:
            found = await lookup()
            ttl = self._ttl.found if found is not None else self._ttl.missing
        except Exception as error:  # an optional detail: never fatal, always logged
            _log.warning("pickup point %s not described: %r", key, error)
            found, ttl = None, self._ttl.failed
        finally:
            del self._asking[key]
        self._keep(key, _Kept(found, self._clock() + ttl))
        return found

    def _keep(self, key: Hashable, kept: _Kept) -> None:
        """Bounded: expired answers go first, then all of them when still full."""
        if len(self._kept) >= self._size:
            now = self._clock()
            self._kept = {k: v for k, v in self._kept.items() if v.until > now}
            if len(self._kept) >= self._size:
                self._kept.clear()
        self._kept[key] = kept


async def _lookup(
    directory: PointDirectory, point: PickupPoint, http: CarrierHTTP, tracking: Tracking
) -> PickupPoint | None:
    described = directory.parse_point(await directory.fetch_point(point, http, tracking=tracking))
    if described is not None and not isinstance(described, PickupPoint):  # a plugin's bug
        raise TypeError(f"parse_point gave a {type(described).__name__}, not a PickupPoint")
    return described
