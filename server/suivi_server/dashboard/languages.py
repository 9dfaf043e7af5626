"""The dashboard speaks French and English: `?lang=` (then remembered in a cookie), the cookie,
the browser's Accept-Language, the merchant's default, the server's default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from suivi_server.pages.i18n import Language, from_accept_language, language, supported

LANGUAGES: tuple[str, ...] = ("fr", "en")
COOKIE = "suivi_dash_lang"
_YEAR = 365 * 24 * 3600


def _ours(tag: str | None) -> str | None:
    code = supported(tag)
    return code if code in LANGUAGES else None


def _accepted(header: str | None) -> str | None:
    """The browser's preferred language among ours (Accept-Language filtered first)."""
    kept = ",".join(p for p in (header or "").split(",") if _ours(p.split(";")[0]))
    return from_accept_language(kept)


def choose(
    request: Request, merchant_settings: Mapping[str, Any] | None, server_default: str
) -> Language:
    code = (
        _ours(request.query_params.get("lang"))
        or _ours(request.cookies.get(COOKIE))
        or _accepted(request.headers.get("accept-language"))
        or _ours(str((merchant_settings or {}).get("default_locale") or ""))
        or _ours(server_default)
        or "en"
    )
    return language(code)


def remember(request: Request, response: Response) -> None:
    """Keep a language picked with `?lang=` for the next pages (and the next login)."""
    code = _ours(request.query_params.get("lang"))
    if code and request.cookies.get(COOKIE) != code:
        response.set_cookie(COOKIE, code, max_age=_YEAR, path="/dashboard", samesite="lax")
