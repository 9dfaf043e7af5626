"""Cross-site request checks for the dashboard's state-changing requests.

Two independent proofs: the browser says the request comes from one of our pages (Origin, or
Referer when Origin is absent, and Sec-Fetch-Site when sent), and the request carries the
session's synchronizer token (form field `csrf_token` or header `X-CSRF-Token`, which the base
template makes htmx send), compared in constant time.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request, public_url: str) -> bool:
    """True only when the browser vouches that the request comes from our own pages."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    claimed = request.headers.get("origin")
    if claimed is None or claimed == "null":
        referer = request.headers.get("referer")
        claimed = _origin(referer) if referer else None
    if claimed is None:
        return False
    own = {_origin(public_url), _origin(str(request.url))}
    return claimed.rstrip("/").lower() in own


async def submitted_token(request: Request) -> str:
    """The token the request carries: the header (htmx), else the form field."""
    if header := request.headers.get(CSRF_HEADER):
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return ""
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def tokens_match(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())
