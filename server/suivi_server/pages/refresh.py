""" "Refresh now": the shopper asks the worker for an immediate poll of one parcel.

It is a POST that changes state, so only our own pages may send it: the browser's
Sec-Fetch-Site and Origin headers must both say same-origin (a form on another site cannot
forge them), and the signed token in the path names the parcel. The carrier is asked at most
once per MIN_INTERVAL per parcel, whatever the number of shoppers pressing the button.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request

from suivi import TERMINAL_STATUSES, Status
from suivi_server.pages.i18n import N_
from suivi_server.pages.queries import as_utc
from suivi_server.storage.refresh import request_refresh

MIN_INTERVAL = timedelta(minutes=5)
# After a poll was asked for, the fragment looks again sooner than its usual minute.
SOON_SECONDS = 15

ASKED = N_("We have asked the carrier for news. This page will update in a moment.")
TOO_SOON = N_("We checked with the carrier a moment ago. Please try again in a few minutes.")
FINISHED = N_("This parcel's journey is over: the carrier has no more news to give.")


@dataclass(frozen=True)
class Outcome:
    status: int
    notice: str
    retry_after: int | None = None
    refresh_seconds: int | None = None

    @property
    def headers(self) -> dict[str, str] | None:
        """What the answer tells the browser: when to ask again, after a refusal."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request, public_url: str) -> bool:
    """True only when the browser says the request comes from one of our own pages."""
    fetch_site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if fetch_site is None and origin is None:
        return False
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    own = {_origin(public_url), _origin(str(request.url))}
    if origin == "null":
        # Our pages say `Referrer-Policy: no-referrer`, so a plain form post (no JavaScript)
        # arrives with `Origin: null`: the browser's own Sec-Fetch-Site vouches for it.
        return fetch_site == "same-origin"
    return origin is None or origin.rstrip("/").lower() in own


async def ask_for_poll(engine: AsyncEngine, shipment: Mapping[str, Any], now: datetime) -> Outcome:
    """Schedule a poll now, unless the journey is over or the carrier was asked very recently."""
    if Status(shipment["status"]) in TERMINAL_STATUSES:
        return Outcome(200, FINISHED)
    if await request_refresh(engine, shipment["id"], now=now, min_interval=MIN_INTERVAL):
        return Outcome(202, ASKED, refresh_seconds=SOON_SECONDS)
    last: datetime | None = shipment["last_polled_at"]
    wait = (as_utc(last) + MIN_INTERVAL - now).total_seconds() if last else 0.0
    if wait > 0:
        return Outcome(429, TOO_SOON, retry_after=math.ceil(wait))
    # Not polled recently yet refused: a poll is already due, the worker is on its way.
    return Outcome(202, ASKED, refresh_seconds=SOON_SECONDS)
